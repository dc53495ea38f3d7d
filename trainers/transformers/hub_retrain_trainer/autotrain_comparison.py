"""
AutoTrain's evaluation step (issue 23): AutoTrain trains with its own code, which measures no model in service, so
after its training the service downloads both models (the candidate AutoTrain pushed, and the model in service at
its pinned commit) and this measures them on the same rows by the same code as the trainer's own comparison
(comparison.py), writing `comparison.json` for the gate.

The decision rows: the pinned evaluation set (RETRAIN_EVAL_DATA_DIR); else the dataset's `test` split; else the
split AutoTrain chose its best epoch on (RETRAIN_VALID_SPLIT, said so: `selectedOn`); else a `validation` split
AutoTrain was not given. Never the rows AutoTrain trained on (RETRAIN_TRAIN_SPLIT): with nothing else there is no
comparison (exit 2), and the gate compares the numbers as recorded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .comparison import DecisionRows, pinned_rows, write_comparison
from .contract import TASKS, InputError, Reporter, TrainerEnv, parse_params
from .data import LoadedDataset, load_dataset_for


def autotrain_decision_rows(
    env: TrainerEnv, dataset: LoadedDataset, train_split: str, valid_split: str | None
) -> tuple[DecisionRows, str | None]:
    """The rows the gate decides on, and the split AutoTrain chose its best epoch on (None: it chose on none)."""
    if env.eval_data_dir:
        return pinned_rows(env), valid_split
    candidates = [("test", valid_split), (valid_split, valid_split), ("validation", None)]
    for name, selected_on in candidates:
        if name and name != train_split and dataset.splits.get(name):
            return DecisionRows(dataset.splits[name], name, "dataset"), selected_on
    found = ", ".join(f"{name} ({len(rows)} rows)" for name, rows in dataset.splits.items()) or "none"
    raise InputError(
        f"no rows AutoTrain did not train on: the dataset's splits are {found} and AutoTrain trained on "
        f"{train_split}; add a test or validation split, or name a pinned evaluation.dataset"
    )


def compare(source: Mapping[str, str], report: Reporter) -> None:
    get = lambda name: (source.get(name) or "").strip()  # noqa: E731
    names = ("RETRAIN_DATA_DIR", "RETRAIN_CANDIDATE_DIR", "RETRAIN_OUTPUT_DIR")
    problems = [f"{name}: required" for name in names if not get(name)]
    if get("RETRAIN_TASK") not in TASKS:
        problems.append(f"RETRAIN_TASK: expected one of {', '.join(TASKS)}")
    if problems:
        raise InputError("; ".join(problems))
    candidate = get("RETRAIN_CANDIDATE_DIR")
    if not os.path.isfile(os.path.join(candidate, "config.json")):
        raise InputError(f"RETRAIN_CANDIDATE_DIR: {candidate} holds no config.json: not a transformers model")
    env = TrainerEnv(
        data_dir=os.path.abspath(get("RETRAIN_DATA_DIR")),
        output_dir=os.path.abspath(get("RETRAIN_OUTPUT_DIR")),
        task=get("RETRAIN_TASK"),
        base_model=candidate,
        params=parse_params(get("RETRAIN_PARAMS") or "{}"),
        current_model_dir=get("RETRAIN_CURRENT_MODEL_DIR") or None,
        eval_data_dir=get("RETRAIN_EVAL_DATA_DIR") or None,
    )
    report(progress=0, message=f"loading {env.data_dir}")
    dataset = load_dataset_for(env.task, env.data_dir, env.params)
    decision, selected_on = autotrain_decision_rows(
        env, dataset, get("RETRAIN_TRAIN_SPLIT") or "train", get("RETRAIN_VALID_SPLIT") or None
    )
    report(progress=0.1, message=f"measuring the model AutoTrain pushed on {len(decision.rows)} {decision.split} rows")

    import torch

    device = "cuda" if env.params["device"] != "cpu" and torch.cuda.is_available() else "cpu"
    os.makedirs(env.output_dir, exist_ok=True)
    write_comparison(env, decision, selected_on, device, report, candidate_dir=candidate)
    report(progress=1, message="done", metrics={"eval_rows": len(decision.rows)})
