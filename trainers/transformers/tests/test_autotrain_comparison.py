"""
AutoTrain's evaluation step (compare.py): the model AutoTrain pushed and the model in service measured on the same
rows, never on the rows AutoTrain trained on. Tiny models do not learn: these assert rows, splits and consistency.
"""

import json
import os
import shutil

from conftest import run_script, write_text_dataset

PARAMS = json.dumps({"text_column": "review", "label_column": "label"})


def compare(data, candidate, out, **extra):
    env = {
        "RETRAIN_DATA_DIR": data,
        "RETRAIN_TASK": "text-classification",
        "RETRAIN_PARAMS": PARAMS,
        "RETRAIN_CANDIDATE_DIR": candidate,
        "RETRAIN_OUTPUT_DIR": out,
        **extra,
    }
    return run_script("compare.py", env=env)


def written(out):
    with open(os.path.join(out, "comparison.json")) as handle:
        return json.load(handle)


def test_both_models_on_the_split_autotrain_chose_on_said_so(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    out = str(tmp_path / "out")
    run = compare(data, text_model, out, RETRAIN_CURRENT_MODEL_DIR=text_model, RETRAIN_VALID_SPLIT="validation")
    assert run.code == 0, run.stderr
    result = written(out)
    assert result["split"] == "validation" and result["selectedOn"] == "validation" and result["source"] == "dataset"
    assert len(result["truth"]) == 8
    # The same model, the same rows, the same code: the same predictions.
    assert result["current"]["predicted"] == result["candidate"]["predicted"]
    assert result["current"]["dir"] == text_model
    assert run.lines[-1]["metrics"] == {"eval_rows": 8}


def test_a_test_split_decides_and_a_validation_split_autotrain_was_not_given_is_fresh(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    out = str(tmp_path / "out")
    run = compare(data, text_model, out)
    assert run.code == 0, run.stderr
    assert (written(out)["split"], written(out)["selectedOn"], written(out)["current"]) == ("validation", None, None)
    shutil.copy(os.path.join(data, "validation.csv"), os.path.join(data, "test.csv"))
    run = compare(data, text_model, out, RETRAIN_VALID_SPLIT="validation")
    assert run.code == 0, run.stderr
    assert (written(out)["split"], written(out)["selectedOn"]) == ("test", "validation")


def test_no_rows_but_the_training_rows_and_a_candidate_that_is_no_model_are_refused(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    os.remove(os.path.join(data, "validation.csv"))
    run = compare(data, text_model, str(tmp_path / "out"))
    assert run.code == 2
    assert "no rows AutoTrain did not train on" in run.last_error and "train (24 rows)" in run.last_error
    empty = str(tmp_path / "empty")
    os.makedirs(empty)
    run = compare(write_text_dataset(str(tmp_path / "data2")), empty, str(tmp_path / "out"))
    assert run.code == 2 and "RETRAIN_CANDIDATE_DIR" in run.last_error and "no config.json" in run.last_error
