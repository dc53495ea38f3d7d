"""
`python job.py <dataset> <revision> <base_model> <output_repo> <task> [<pipeline>]`: what a Hugging Face Jobs run
of hub-retrain executes (src/backends/hf-jobs/job-request.ts writes this folder into the job and runs it with
`uv run --frozen`). It downloads the dataset at the exact revision, fine-tunes the base model with the same
trainer as the local backend, and pushes the model folder (weights, config, tokenizer or image processor,
metrics.json, eval_results.json, README.md) to the output repo with the HF_TOKEN secret.

RETRAIN_PARAMS (the job's env) holds the training parameters; RETRAIN_CURRENT_MODEL (with
RETRAIN_CURRENT_MODEL_REVISION and RETRAIN_CURRENT_RUN) names the model in service, measured on the same rows
(comparison.json, pushed with the model), and RETRAIN_EVAL_DATASET (with RETRAIN_EVAL_REVISION) a pinned
evaluation set; RETRAIN_WORK_DIR (default /tmp/hub-retrain) is
where the model is written. With HF_HUB_OFFLINE=1 the dataset and base model come from the Hugging Face cache
and nothing is pushed: the model stays in $RETRAIN_WORK_DIR/model.
"""

import os
import sys

from hub_retrain_trainer.contract import TASKS, InputError, Reporter, TrainerEnv, parse_params, run_entry


def main(report: Reporter) -> None:
    if len(sys.argv) not in (6, 7):
        raise InputError("usage: job.py <dataset> <revision> <base_model> <output_repo> <task> [<pipeline>]")
    dataset, revision, base_model, output_repo, task = sys.argv[1:6]
    pipeline = sys.argv[6] if len(sys.argv) == 7 else output_repo.split("/")[-1]
    if task not in TASKS:
        raise InputError(f"task: expected one of {', '.join(TASKS)}, not {task!r}")
    params = parse_params(os.environ.get("RETRAIN_PARAMS") or "{}")
    token = os.environ.get("HF_TOKEN") or None
    work = os.environ.get("RETRAIN_WORK_DIR") or "/tmp/hub-retrain"

    from huggingface_hub import HfApi, constants, snapshot_download
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    report(progress=0, message=f"downloading {dataset} at {revision}")
    try:
        data_dir = snapshot_download(dataset, repo_type="dataset", revision=revision, token=token)
    except RepositoryNotFoundError:
        raise InputError(f"dataset {dataset}: not found, or HF_TOKEN cannot read it") from None
    except RevisionNotFoundError:
        raise InputError(f"dataset {dataset}: no revision {revision}") from None

    from hub_retrain_trainer.job_comparison import fetch_comparison_inputs, note_unreadable_current
    from hub_retrain_trainer.training import train

    output_dir = os.path.join(work, "model")
    env = TrainerEnv(data_dir, output_dir, task, base_model, params, dataset, revision, pipeline)
    # The model in service and the pinned evaluation set, when the service named them (issue 23).
    unreadable = fetch_comparison_inputs(env, os.environ, work, token, report)
    train(env, report)
    if unreadable:
        note_unreadable_current(output_dir, unreadable)
    if constants.HF_HUB_OFFLINE:
        report(message=f"HF_HUB_OFFLINE is set: the model stays in {output_dir}; nothing was pushed to {output_repo}")
        return
    api = HfApi(token=token)
    api.create_repo(output_repo, repo_type="model", private=True, exist_ok=True)
    commit = api.upload_folder(
        repo_id=output_repo,
        folder_path=output_dir,
        commit_message=f"hub-retrain: {pipeline} on {dataset}@{revision[:7]}",
    )
    report(message=f"pushed the model to {output_repo} ({commit.oid[:7]})")


if __name__ == "__main__":
    run_entry(main)
