"""
AutoTrain's evaluation Job (compare_job.py), run offline from a prepared Hugging Face cache (HF_HUB_OFFLINE=1, as
snapshot_download then reads it): the candidate at AutoTrain's commit, the dataset at the run's revision, the model in
service at its recorded commit and a pinned evaluation set, measured by compare.py's code. Nothing is pushed offline.
Tiny models do not learn: these assert rows, sources and consistency.
"""

import json
import os
import shutil

from conftest import run_script, write_text_dataset

PARAMS = json.dumps({"text_column": "review", "label_column": "label"})
CANDIDATE, CANDIDATE_SHA = "acme/reviews-autotrain", "a" * 40
DATASET, REVISION = "acme/reviews", "b" * 40
IN_SERVICE, IN_SERVICE_SHA, IN_SERVICE_RUN = "acme/reviews-old", "c" * 40, "d" * 40
EVAL_SET, EVAL_SHA = "acme/reviews-eval", "e" * 40
IN_SERVICE_ENV = {
    "RETRAIN_CURRENT_MODEL": IN_SERVICE,
    "RETRAIN_CURRENT_MODEL_REVISION": IN_SERVICE_SHA,
    "RETRAIN_CURRENT_RUN": IN_SERVICE_RUN,
}


def cached(hf_home, kind, repo, sha):
    return os.path.join(hf_home, "hub", f"{kind}--{repo.replace('/', '--')}", "snapshots", sha)


def prepared_cache(tmp_path, text_model):
    hf_home = str(tmp_path / "hf-home")
    shutil.copytree(text_model, cached(hf_home, "models", CANDIDATE, CANDIDATE_SHA))
    write_text_dataset(cached(hf_home, "datasets", DATASET, REVISION))
    return hf_home


def compare_job(hf_home, work, **extra):
    env = {
        "HF_HOME": hf_home,
        "RETRAIN_WORK_DIR": work,
        "RETRAIN_PARAMS": PARAMS,
        "RETRAIN_TRAIN_SPLIT": "train",
        "RETRAIN_VALID_SPLIT": "validation",
        **extra,
    }
    return run_script("compare_job.py", [CANDIDATE, CANDIDATE_SHA, DATASET, REVISION, "text-classification"], env)


def written(work):
    with open(os.path.join(work, "comparison", "comparison.json")) as handle:
        return json.load(handle)


def test_both_models_from_the_hub_cache_on_the_pinned_rows_named_after_the_run_in_service(tmp_path, text_model):
    hf_home = prepared_cache(tmp_path, text_model)
    shutil.copytree(text_model, cached(hf_home, "models", IN_SERVICE, IN_SERVICE_SHA))
    write_text_dataset(cached(hf_home, "datasets", EVAL_SET, EVAL_SHA), train=4, validation=6)
    work = str(tmp_path / "work")
    run = compare_job(
        hf_home,
        work,
        **IN_SERVICE_ENV,
        RETRAIN_EVAL_DATASET=EVAL_SET,
        RETRAIN_EVAL_REVISION=EVAL_SHA,
    )
    assert run.code == 0, run.stderr
    result = written(work)
    # The pinned set's 6 rows, not the run's 8; AutoTrain chose its epoch on the run's validation split.
    assert (result["source"], result["split"], len(result["truth"])) == ("evaluation.dataset", "validation", 6)
    assert result["selectedOn"] == "validation"
    # The service matches the comparison to the model in service by the folder's name: the run that made it.
    assert result["current"]["dir"] == os.path.join(work, "in-service", IN_SERVICE_RUN)
    # The same model, the same rows, the same code: the same predictions.
    assert result["current"]["predicted"] == result["candidate"]["predicted"]
    assert "nothing was pushed" in run.lines[-1]["message"]


def test_a_model_in_service_missing_from_the_hub_is_said_so_and_the_candidate_still_measured(tmp_path, text_model):
    hf_home = prepared_cache(tmp_path, text_model)
    work = str(tmp_path / "work")
    run = compare_job(
        hf_home,
        work,
        **IN_SERVICE_ENV,
    )
    assert run.code == 0, run.stderr
    result = written(work)
    assert (result["source"], len(result["truth"])) == ("dataset", 8)
    assert result["current"]["status"] == "unreadable"
    assert result["current"]["error"].startswith(f"cannot download {IN_SERVICE} at {IN_SERVICE_SHA[:7]}")
    assert len(result["candidate"]["predicted"]) == 8


def test_a_candidate_revision_the_cache_does_not_hold_is_bad_input(tmp_path, text_model):
    hf_home = prepared_cache(tmp_path, text_model)
    shutil.rmtree(cached(hf_home, "models", CANDIDATE, CANDIDATE_SHA))
    run = compare_job(hf_home, str(tmp_path / "work"))
    assert run.code == 2
    assert run.last_error == (
        f"error: the model AutoTrain pushed, {CANDIDATE}: not in the Hugging Face cache at {CANDIDATE_SHA} (HF_HUB_OFFLINE)"
    )
    assert not os.path.exists(os.path.join(str(tmp_path / "work"), "comparison", "comparison.json"))
