"""
`python compare_job.py <candidate_model> <candidate_revision> <dataset> <revision> <task>`: AutoTrain's evaluation
step as a small Hugging Face Job (`backend.evaluation.runner: "hf-jobs"`; src/backends/autotrain/evaluation-job.ts
writes this folder into the job and runs it with `uv run --frozen`, as job.py). It downloads the model AutoTrain
pushed at that commit and the dataset at the run's revision, the model in service (RETRAIN_CURRENT_MODEL, with
RETRAIN_CURRENT_MODEL_REVISION and RETRAIN_CURRENT_RUN) and the pinned evaluation set (RETRAIN_EVAL_DATASET, with
RETRAIN_EVAL_REVISION) as job.py does, measures both models on the same rows with compare.py's code
(autotrain_comparison.py: RETRAIN_PARAMS names the columns, RETRAIN_TRAIN_SPLIT and RETRAIN_VALID_SPLIT the splits
AutoTrain trained and chose on), and pushes `comparison.json` to the candidate's repo with the HF_TOKEN secret.

RETRAIN_WORK_DIR (default /tmp/hub-retrain) is where comparison.json is written. With HF_HUB_OFFLINE=1 everything
comes from the Hugging Face cache and nothing is pushed: comparison.json stays in $RETRAIN_WORK_DIR/comparison.
"""

import os
import sys

from hub_retrain_trainer.contract import TASKS, InputError, Reporter, TrainerEnv, run_entry


def download(repo: str, revision: str, repo_type: str, token: str | None, what: str) -> str:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

    try:
        return snapshot_download(repo, repo_type=repo_type, revision=revision, token=token)
    except RepositoryNotFoundError:
        raise InputError(f"{what} {repo}: not found, or HF_TOKEN cannot read it") from None
    except RevisionNotFoundError:
        raise InputError(f"{what} {repo}: no revision {revision}") from None
    except LocalEntryNotFoundError:
        raise InputError(f"{what} {repo}: not in the Hugging Face cache at {revision} (HF_HUB_OFFLINE)") from None


def main(report: Reporter) -> None:
    if len(sys.argv) != 6:
        raise InputError("usage: compare_job.py <candidate_model> <candidate_revision> <dataset> <revision> <task>")
    candidate, candidate_revision, dataset, revision, task = sys.argv[1:6]
    if task not in TASKS:
        raise InputError(f"task: expected one of {', '.join(TASKS)}, not {task!r}")
    token = os.environ.get("HF_TOKEN") or None
    work = os.environ.get("RETRAIN_WORK_DIR") or "/tmp/hub-retrain"
    output_dir = os.path.join(work, "comparison")

    report(progress=0, message=f"downloading {candidate} at {candidate_revision[:7]} and {dataset} at {revision[:7]}")
    candidate_dir = download(candidate, candidate_revision, "model", token, "the model AutoTrain pushed,")
    data_dir = download(dataset, revision, "dataset", token, "dataset")

    from hub_retrain_trainer.autotrain_comparison import compare
    from hub_retrain_trainer.job_comparison import fetch_comparison_inputs, note_unreadable_current

    # The model in service and the pinned evaluation set, as job.py fetches them for its own comparison.
    env = TrainerEnv(data_dir, output_dir, task, candidate_dir, {})
    unreadable = fetch_comparison_inputs(env, os.environ, work, token, report)
    source = {
        **{name: value for name, value in os.environ.items() if name.startswith("RETRAIN_")},
        "RETRAIN_DATA_DIR": data_dir,
        "RETRAIN_TASK": task,
        "RETRAIN_CANDIDATE_DIR": candidate_dir,
        "RETRAIN_OUTPUT_DIR": output_dir,
        "RETRAIN_CURRENT_MODEL_DIR": env.current_model_dir if not unreadable else "",
        "RETRAIN_EVAL_DATA_DIR": env.eval_data_dir or "",
    }
    compare(source, report)
    if unreadable:
        note_unreadable_current(output_dir, unreadable)

    from huggingface_hub import HfApi, constants

    if constants.HF_HUB_OFFLINE:
        report(message=f"HF_HUB_OFFLINE is set: comparison.json stays in {output_dir}; nothing was pushed")
        return
    commit = HfApi(token=token).upload_file(
        path_or_fileobj=os.path.join(output_dir, "comparison.json"),
        path_in_repo="comparison.json",
        repo_id=candidate,
        repo_type="model",
        commit_message=f"hub-retrain: both models measured on {dataset}@{revision[:7]}",
    )
    report(message=f"pushed comparison.json to {candidate} ({commit.oid[:7]})")


if __name__ == "__main__":
    run_entry(main)
