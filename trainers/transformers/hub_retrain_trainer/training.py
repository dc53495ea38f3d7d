"""
Fine-tunes the base model with the transformers Trainer: a classification head sized to the dataset's labels
(a mismatched head is replaced), evaluation each epoch on the validation split (or a seeded stratified
hold-out), the best checkpoint kept, then `save_pretrained`, metrics.json, eval_results.json and a model card.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from typing import Any

from .base_model import locate_base_model
from .comparison import decision_rows, write_comparison
from .contract import InputError, Reporter, TrainerEnv
from .data import label_counts, labels_of, load_dataset_for
from .encoding import balanced_loss, load_model
from .evaluation import accuracy, choose_eval_split, class_labels, evaluate, macro_f1
from .model_card import model_card

METRICS_FILE = "metrics.json"
# What the Jobs backend reads from the pushed repo (src/backends/hf-jobs/model-metrics.ts), named as the
# transformers example scripts name it.
EVAL_RESULTS_FILE = "eval_results.json"


def train(env: TrainerEnv, report: Reporter) -> dict[str, Any]:
    started = time.perf_counter()
    params = env.params
    report(progress=0, message=f"loading {env.data_dir}")
    dataset = load_dataset_for(env.task, env.data_dir, params)
    split = choose_eval_split(dataset, params["eval_fraction"], params["seed"])
    # Rows per label, counted by Arrow: no list of every training label (a million rows is a million strings).
    train_counts = label_counts(split.train)
    labels = class_labels(train_counts)
    # Before training: a pinned evaluation set that cannot be read fails the run now, not after the work.
    decision = decision_rows(env, dataset, split)
    report(
        progress=0.02,
        message=f"{len(split.train)} training rows, {len(split.eval)} evaluation rows ({split.source}), "
        f"{len(labels)} classes",
    )
    source = locate_base_model(env.base_model, os.environ.get("HF_TOKEN"), os.environ.get("HF_ENDPOINT"))
    report(progress=0.03, message=f"loading {env.base_model}")

    import datasets
    import torch
    import transformers
    from transformers import EarlyStoppingCallback, Trainer, TrainingArguments, set_seed

    from .callbacks import KeepBestCallback, ProgressCallback

    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()

    device = _device(params["device"], torch)
    set_seed(params["seed"])
    loaded = load_model(env.task, source, labels, params)
    model, processor = loaded["model"], loaded["processor"]
    train_rows, eval_rows = loaded["encode"](split.train), loaded["encode"](split.eval)
    loaded_at = time.perf_counter()

    steps_per_epoch = math.ceil(len(split.train) / (params["batch_size"] * params["gradient_accumulation_steps"]))
    steps = min(steps_per_epoch * params["epochs"], params["max_steps"] or math.inf)
    checkpoints = tempfile.mkdtemp(prefix="hub-retrain-best-")
    best = KeepBestCallback(checkpoints)
    callbacks = [ProgressCallback(report, params["epochs"]), best]
    if params["early_stopping_patience"] is not None:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=params["early_stopping_patience"]))
    try:
        args = TrainingArguments(
            output_dir=checkpoints,
            num_train_epochs=params["epochs"],
            max_steps=params["max_steps"] or -1,
            learning_rate=params["learning_rate"],
            per_device_train_batch_size=params["batch_size"],
            per_device_eval_batch_size=params["batch_size"],
            gradient_accumulation_steps=params["gradient_accumulation_steps"],
            auto_find_batch_size=params["auto_find_batch_size"],
            weight_decay=params["weight_decay"],
            # A float below 1 is a share of the training steps (TrainingArguments.warmup_steps).
            warmup_steps=params["warmup_ratio"],
            eval_strategy="steps" if params["eval_steps"] else "epoch",
            eval_steps=params["eval_steps"],
            # What EarlyStoppingCallback watches; KeepBestCallback keeps the best evaluation's model.
            metric_for_best_model="accuracy",
            greater_is_better=True,
            save_strategy="no",
            logging_strategy="steps",
            logging_steps=max(1, min(steps_per_epoch, steps) // 4),
            report_to="none",
            disable_tqdm=True,
            seed=params["seed"],
            data_seed=params["seed"],
            use_cpu=device == "cpu",
            bf16=device == "cuda" and torch.cuda.is_bf16_supported(),
            fp16=device == "cuda" and not torch.cuda.is_bf16_supported(),
            remove_unused_columns=False,
            torch_compile=params["torch_compile"],
            dataloader_num_workers=params["dataloader_num_workers"],
            dataloader_pin_memory=device == "cuda",
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=train_rows,
            eval_dataset=eval_rows,
            processing_class=processor,
            data_collator=loaded["collator"],
            compute_metrics=_compute_metrics,
            compute_loss_func=balanced_loss(train_counts, labels) if params["class_weights"] == "balanced" else None,
            callbacks=callbacks,
        )
        trained = trainer.train()
        report(
            progress=0.92,
            message=f"evaluating the best model (epoch {best.best_epoch} of {params['epochs']}, step {best.best_step})",
        )
        trainer.model = trainer.model_wrapped = loaded["reload"](checkpoints).to(args.device)
        prediction = trainer.predict(eval_rows)
    finally:
        shutil.rmtree(checkpoints, ignore_errors=True)
    predicted = [labels[int(i)] for i in prediction.predictions.argmax(-1)]
    evaluation = evaluate(train_counts, labels_of(split.eval), predicted)

    os.makedirs(env.output_dir, exist_ok=True)
    trainer.model.save_pretrained(env.output_dir, safe_serialization=True)
    processor.save_pretrained(env.output_dir)
    # Both models on the same rows, by the same code (the service's gate reads comparison.json).
    write_comparison(env, decision, split.source, args.device, report)
    hyperparameters = {k: params[k] for k in _HYPERPARAMETERS if params.get(k) is not None}
    metrics: dict[str, Any] = {
        "task": env.task,
        **evaluation,
        "eval_loss": _round(prediction.metrics.get("test_loss")),
        "train_loss": _round(trained.training_loss),
        "train_rows": len(split.train),
        "num_classes": len(labels),
        "num_parameters": sum(p.numel() for p in trainer.model.parameters()),
        "train_seconds": _round(time.perf_counter() - loaded_at),
        "startup_seconds": _round(loaded_at - started),
        "seconds_per_epoch": _round(trained.metrics["train_runtime"] / max(trainer.state.epoch or 0, 1e-9)),
        "epochs": params["epochs"],
        "epochs_trained": _round(trainer.state.epoch),
        "steps": trainer.state.global_step,
        "best_epoch": best.best_epoch,
        "best_step": best.best_step,
        "eval_split": split.source,
        "labels": labels,
        "base_model": env.base_model,
        "trainer": "transformers",
        "device": str(args.device),
        "device_name": torch.cuda.get_device_name(args.device) if args.device.type == "cuda" else args.device.type,
        "precision": "bf16" if args.bf16 else "fp16" if args.fp16 else "fp32",
        "hyperparameters": hyperparameters,
        "training_arguments": _effective_arguments(trainer),
        "dataset": dataset.detail(),
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
    }
    _write_json(os.path.join(env.output_dir, EVAL_RESULTS_FILE), _eval_results(metrics, len(split.eval)))
    with open(os.path.join(env.output_dir, "README.md"), "w", encoding="utf-8") as handle:
        handle.write(model_card(env, metrics))
    _write_json(os.path.join(env.output_dir, METRICS_FILE), metrics)  # last: its presence means "complete"
    report(progress=1, message="done", metrics=summary(metrics))
    return metrics


_HYPERPARAMETERS = (
    "epochs",
    "learning_rate",
    "batch_size",
    "max_length",
    "image_size",
    "weight_decay",
    "warmup_ratio",
    "seed",
    "eval_fraction",
    "gradient_accumulation_steps",
    "auto_find_batch_size",
    "max_steps",
    "eval_steps",
    "early_stopping_patience",
    "class_weights",
    "torch_compile",
    "dataloader_num_workers",
)


# What the Trainer ran with, read back from it (not from RETRAIN_PARAMS): proof the real-hardware options reached it.
_EFFECTIVE_ARGUMENTS = (
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "auto_find_batch_size",
    "max_steps",
    "eval_strategy",
    "eval_steps",
    "dataloader_num_workers",
    "torch_compile",
)


def _effective_arguments(trainer: Any) -> dict[str, Any]:
    from transformers import EarlyStoppingCallback

    out: dict[str, Any] = {}
    for key in _EFFECTIVE_ARGUMENTS:
        value = getattr(trainer.args, key)
        out[key] = getattr(value, "value", value)  # an enum (eval_strategy) as its string
    stopping = [c for c in trainer.callback_handler.callbacks if isinstance(c, EarlyStoppingCallback)]
    out["early_stopping_patience"] = stopping[0].early_stopping_patience if stopping else None
    out["weighted_loss"] = trainer.compute_loss_func is not None
    return out


def summary(metrics: dict[str, Any]) -> dict[str, float]:
    """The numbers of the last progress line (a backend's status holds numbers only)."""
    keys = ("accuracy", "macro_f1", "baseline_accuracy", "eval_rows", "train_rows")
    return {k: metrics[k] for k in keys}


def _eval_results(metrics: dict[str, Any], eval_rows: int) -> dict[str, float]:
    out = {f"eval_{k}": metrics[k] for k in ("accuracy", "macro_f1", "baseline_accuracy", "baseline_macro_f1")}
    out.update(eval_loss=metrics["eval_loss"], eval_samples=eval_rows, train_samples=metrics["train_rows"])
    out["epoch"] = float(metrics["epochs"])
    return {k: v for k, v in out.items() if v is not None}


def _device(wanted: str, torch: Any) -> str:
    if wanted == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if wanted == "cuda":
        raise InputError('RETRAIN_PARAMS.device: "cuda" was asked for, but no CUDA device is available')
    return "auto"  # the Trainer's own choice: Apple's MPS when present, else the CPU


def _compute_metrics(prediction: Any) -> dict[str, float]:
    """The per-epoch evaluation the best epoch is chosen by (label ids; the final report uses names)."""
    predicted = prediction.predictions.argmax(-1).tolist()
    truth = prediction.label_ids.tolist()
    return {"accuracy": accuracy(truth, predicted), "macro_f1": macro_f1(truth, predicted)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _write_json(path: str, value: Any) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2)
    os.replace(tmp, path)


