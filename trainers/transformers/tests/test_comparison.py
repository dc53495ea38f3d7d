"""
comparison.json (issue 23): the new model and the model in service measured on the same rows by the same code.
Tiny models do not learn, so these tests assert the rows, the splits and the consistency, never accuracy.
"""

import json
import os
import shutil

from conftest import run_script, write_text_dataset

PARAMS = json.dumps({"epochs": 1, "learning_rate": 0.005, "batch_size": 8})


def train(data, model, out, **extra):
    run = run_script(
        "train.py",
        env={
            "RETRAIN_DATA_DIR": data,
            "RETRAIN_OUTPUT_DIR": out,
            "RETRAIN_TASK": "text-classification",
            "RETRAIN_BASE_MODEL": model,
            "RETRAIN_PARAMS": PARAMS,
            **extra,
        },
    )
    return run


def comparison(out):
    with open(os.path.join(out, "comparison.json")) as handle:
        return json.load(handle)


def test_the_model_in_service_is_measured_on_the_same_rows_by_the_same_code(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    first, second = str(tmp_path / "first"), str(tmp_path / "second")
    run = train(data, text_model, first)
    assert run.code == 0, run.stderr
    alone = comparison(first)
    assert alone["current"] is None and alone["source"] == "dataset"
    # No test split: the gate decides on the rows the best epoch was chosen on, and the file says so.
    assert alone["split"] == "validation" and alone["selectedOn"] == "validation"
    assert len(alone["truth"]) == 8 and len(alone["candidate"]["predicted"]) == 8
    assert alone["candidate"]["labels"] == ["negative", "positive"]

    run = train(data, text_model, second, RETRAIN_CURRENT_MODEL_DIR=first)
    assert run.code == 0, run.stderr
    messages = [line.get("message", "") for line in run.lines]
    assert "measuring the model in service on the same 8 validation rows" in messages
    paired = comparison(second)
    assert paired["truth"] == alone["truth"]
    # The same model, the same rows, the same code: the same predictions as when it was the candidate.
    assert paired["current"]["predicted"] == alone["candidate"]["predicted"]
    assert paired["current"]["dir"] == first


def test_a_test_split_decides_while_validation_chooses_the_epoch(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    shutil.copy(os.path.join(data, "validation.csv"), os.path.join(data, "test.csv"))
    with open(os.path.join(data, "test.csv"), "a") as handle:
        handle.write("awful broken refund,negative\ngreat love perfect,positive\n")
    out = str(tmp_path / "model")
    run = train(data, text_model, out)
    assert run.code == 0, run.stderr
    c = comparison(out)
    assert c["split"] == "test" and c["selectedOn"] == "validation" and len(c["truth"]) == 10
    with open(os.path.join(out, "metrics.json")) as handle:
        assert json.load(handle)["eval_split"] == "validation"


def test_a_model_in_service_it_cannot_load_is_said_so_and_the_run_still_succeeds(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    baseline = tmp_path / "baseline"
    baseline.mkdir()
    (baseline / "model.json").write_text(json.dumps({"format": "hub-retrain-linear-classifier", "version": 1}))
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "config.json").write_text("{not json")
    cases = {
        str(tmp_path / "gone"): ("unreadable", "does not exist"),
        str(baseline): ("foreign", "TypeScript baseline"),
        str(corrupt): ("unreadable", "cannot load"),
    }
    for i, (folder, (status, words)) in enumerate(cases.items()):
        out = str(tmp_path / f"out{i}")
        run = train(data, text_model, out, RETRAIN_CURRENT_MODEL_DIR=folder)
        assert run.code == 0, run.stderr
        current = comparison(out)["current"]
        assert current["status"] == status and words in current["error"] and current["dir"] == folder


def test_a_pinned_evaluation_set_is_the_decision_rows_and_an_unreadable_one_fails_before_training(
    tmp_path, text_model
):
    data = write_text_dataset(str(tmp_path / "data"))
    pinned = tmp_path / "pinned"
    pinned.mkdir()
    (pinned / "test.csv").write_text("review,label\nawful broken,negative\ngreat love,positive\nslow late,negative\n")
    out = str(tmp_path / "model")
    run = train(data, text_model, out, RETRAIN_EVAL_DATA_DIR=str(pinned))
    assert run.code == 0, run.stderr
    c = comparison(out)
    assert c["source"] == "evaluation.dataset" and c["split"] == "test"
    assert c["truth"] == ["negative", "positive", "negative"]

    run = train(data, text_model, str(tmp_path / "other"), RETRAIN_EVAL_DATA_DIR=str(tmp_path / "nowhere"))
    assert run.code == 2
    assert run.last_error.startswith("error: RETRAIN_EVAL_DATA_DIR: the pinned evaluation set cannot be read")
    assert not any("epoch" in line.get("message", "") for line in run.lines)
