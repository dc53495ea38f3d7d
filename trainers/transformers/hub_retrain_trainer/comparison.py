"""
The new model and the model in service, measured on the same rows by the same code (issue 23): both models'
predictions on the rows the promotion gate decides on, written to `comparison.json` beside metrics.json, in the
TypeScript baseline's format (trainers/core/compare-models.ts). The service computes the metrics and the paired
test from it (src/registry/promotion.ts).

The decision rows: the pinned evaluation set (RETRAIN_EVAL_DATA_DIR: its test split, else validation, else
train); else the dataset's `test` split when the best epoch was chosen on `validation`; else the rows the best
epoch was chosen on (said so: `selectedOn` equals `split`). A model in service this trainer cannot load is said
so, never a failure of the run: `foreign` (another trainer's model), `unreadable` (missing or corrupt).
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .contract import InputError, Reporter, TrainerEnv
from .data import Example, LoadedDataset, labels_of, load_dataset_for
from .evaluation import EvalSplit

COMPARISON_FILE = "comparison.json"
_BATCH = 32


@dataclass
class DecisionRows:
    # A split's memory-mapped Rows (data.py), or a list.
    rows: Sequence[Example]
    split: str
    # `dataset` or `evaluation.dataset`.
    source: str


def pinned_rows(env: TrainerEnv) -> DecisionRows:
    """The pinned evaluation set's rows (RETRAIN_EVAL_DATA_DIR): its test split, else validation, else train."""
    try:
        pinned = load_dataset_for(env.task, env.eval_data_dir or "", env.params)
    except (InputError, OSError) as err:
        raise InputError(f"RETRAIN_EVAL_DATA_DIR: the pinned evaluation set cannot be read: {err}") from None
    for name in ("test", "validation", "train"):
        rows = pinned.splits.get(name, [])
        if rows:
            return DecisionRows(rows, name, "evaluation.dataset")
    raise InputError("RETRAIN_EVAL_DATA_DIR: the pinned evaluation set has no labelled rows")


def decision_rows(env: TrainerEnv, dataset: LoadedDataset, split: EvalSplit) -> DecisionRows:
    if env.eval_data_dir:
        return pinned_rows(env)
    test = dataset.splits.get("test", [])
    if split.source == "validation" and test:
        return DecisionRows(test, "test", "dataset")
    return DecisionRows(split.eval, split.source, "dataset")


def write_comparison(
    env: TrainerEnv,
    decision: DecisionRows,
    selected_on: str | None,
    device: Any,
    report: Reporter,
    candidate_dir: str | None = None,
) -> dict[str, Any]:
    """comparison.json in env.output_dir; the new model is the one saved there, or in `candidate_dir`."""
    started = time.perf_counter()
    candidate = predict_folder(env.task, candidate_dir or env.output_dir, decision.rows, env.params, device)
    seconds: dict[str, float | None] = {"candidate": round(time.perf_counter() - started, 3), "current": None}
    current: dict[str, Any] | None = None
    if env.current_model_dir:
        report(
            progress=0.96,
            message=f"measuring the model in service on the same {len(decision.rows)} {decision.split} rows",
        )
        started = time.perf_counter()
        current = measure_current(env.task, env.current_model_dir, decision.rows, env.params, device)
        seconds["current"] = round(time.perf_counter() - started, 3)
    comparison = {
        "version": 1,
        "split": decision.split,
        "source": decision.source,
        "selectedOn": selected_on,
        "truth": labels_of(decision.rows),
        "candidate": candidate,
        "current": current,
        "seconds": seconds,
    }
    path = os.path.join(env.output_dir, COMPARISON_FILE)
    with open(f"{path}.tmp", "w", encoding="utf-8") as handle:
        json.dump(comparison, handle)
    os.replace(f"{path}.tmp", path)
    return comparison


def measure_current(
    task: str, folder: str, rows: Sequence[Example], params: dict[str, Any], device: Any
) -> dict[str, Any]:
    if not os.path.isdir(folder):
        return {"dir": folder, "status": "unreadable", "error": f"the model folder {folder} does not exist"}
    if not os.path.isfile(os.path.join(folder, "config.json")):
        foreign = _foreign(folder)
        if foreign:
            return {"dir": folder, "status": "foreign", "error": foreign}
        return {"dir": folder, "status": "unreadable", "error": f"{folder} holds no config.json"}
    try:
        return {"dir": folder, **predict_folder(task, folder, rows, params, device)}
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        first = str(err).strip().split("\n", 1)[0]
        return {"dir": folder, "status": "unreadable", "error": f"cannot load {folder}: {first}"}


def _foreign(folder: str) -> str | None:
    """Another trainer's model (the TypeScript baseline's) or a pointer to a Hub model, from its model.json."""
    try:
        with open(os.path.join(folder, "model.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    if manifest.get("format") == "hub-retrain-linear-classifier":
        return "a TypeScript baseline model, which the transformers trainer does not load"
    if isinstance(manifest.get("model"), str):
        return f"a pointer to the Hub model {manifest['model']}, which this trainer does not load"
    return None


def predict_folder(
    task: str, folder: str, rows: Sequence[Example], params: dict[str, Any], device: Any
) -> dict[str, list[str]]:
    """Each row's predicted label by the model saved in `folder` (its own tokenizer or image processor)."""
    import torch
    from transformers import (
        AutoImageProcessor,
        AutoModelForImageClassification,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    if task == "text-classification":
        processor = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForSequenceClassification.from_pretrained(folder)
        if processor.pad_token is None and processor.eos_token is not None:
            processor.pad_token = processor.eos_token
        max_length = min(params["max_length"], processor.model_max_length or params["max_length"])
    else:
        processor = AutoImageProcessor.from_pretrained(folder)
        model = AutoModelForImageClassification.from_pretrained(folder)
    model.to(device).eval()
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    size = params.get("image_size")
    resize = {"size": {"height": size, "width": size}} if size else {}
    predicted: list[str] = []
    with torch.no_grad():
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            if task == "text-classification":
                inputs = processor(
                    [r.input for r in batch], truncation=True, max_length=max_length, padding=True, return_tensors="pt"
                )
            else:
                inputs = processor([_image(r.input) for r in batch], return_tensors="pt", **resize)
            logits = model(**{k: v.to(device) for k, v in inputs.items()}).logits
            predicted.extend(id2label[int(i)] for i in logits.argmax(-1).tolist())
    return {"labels": [id2label[i] for i in sorted(id2label)], "predicted": predicted}


def _image(cell: dict[str, Any]) -> Any:
    """An image row's input: `datasets`' Image struct, its bytes when it holds them, else its file."""
    from PIL import Image

    source = io.BytesIO(cell["bytes"]) if cell.get("bytes") else cell["path"]
    return Image.open(source).convert("RGB")
