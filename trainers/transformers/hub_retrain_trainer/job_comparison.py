"""
For a Hugging Face Jobs run (job.py): fetch the model in service from its Hub repo at the commit its run pushed,
and the pinned evaluation set at its revision, so the trainer measures both models on the same rows
(comparison.py). A model in service that cannot be downloaded is no failure of the run: comparison.json says
so (`unreadable`). A pinned evaluation set that cannot be downloaded is bad input (exit 2), before training.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from .comparison import COMPARISON_FILE
from .contract import InputError, Reporter, TrainerEnv


def fetch_comparison_inputs(
    env: TrainerEnv, source: Mapping[str, str], work: str, token: str | None, report: Reporter
) -> dict[str, str] | None:
    """Sets env.current_model_dir and env.eval_data_dir; returns the model in service it could not download."""
    from huggingface_hub import snapshot_download

    eval_dataset, eval_revision = source.get("RETRAIN_EVAL_DATASET"), source.get("RETRAIN_EVAL_REVISION")
    if eval_dataset:
        report(message=f"downloading the pinned evaluation set {eval_dataset} at {eval_revision}")
        try:
            env.eval_data_dir = snapshot_download(
                eval_dataset, repo_type="dataset", revision=eval_revision, token=token
            )
        except Exception as err:  # noqa: BLE001 - any reason it cannot be read is said the same way
            raise InputError(
                f"evaluation.dataset: the pinned evaluation set {eval_dataset} at {eval_revision} cannot be read: "
                f"{_first_line(err)}"
            ) from None
    names = ("RETRAIN_CURRENT_MODEL", "RETRAIN_CURRENT_MODEL_REVISION", "RETRAIN_CURRENT_RUN")
    model, revision, run = (source.get(name) for name in names)
    if not (model and revision and run):
        return None
    # Named after the run in service: the service matches the comparison to the model it holds in service by it.
    folder = os.path.join(work, "in-service", run)
    env.current_model_dir = folder
    report(message=f"downloading the model in service {model} at {revision[:7]}")
    try:
        snapshot = snapshot_download(model, repo_type="model", revision=revision, token=token)
    except Exception as err:  # noqa: BLE001 - the run goes on; the gate is told it could not compare
        error = f"cannot download {model} at {revision[:7]}: {_first_line(err)}"
        return {"dir": folder, "status": "unreadable", "error": error}
    os.makedirs(os.path.dirname(folder), exist_ok=True)
    os.symlink(snapshot, folder)
    return None


def note_unreadable_current(output_dir: str, current: dict[str, Any]) -> None:
    """Replaces what the trainer found (an empty folder) with why the model in service could not be fetched."""
    path = os.path.join(output_dir, COMPARISON_FILE)
    with open(path, encoding="utf-8") as handle:
        comparison = json.load(handle)
    comparison["current"] = current
    with open(f"{path}.tmp", "w", encoding="utf-8") as handle:
        json.dump(comparison, handle)
    os.replace(f"{path}.tmp", path)


def _first_line(err: Exception) -> str:
    return str(err).strip().split("\n", 1)[0]
