"""Trainer callbacks (imported once torch and transformers are): progress lines, and the best epoch kept."""

from __future__ import annotations

import math
import os
from typing import Any

from transformers import TrainerCallback

from .contract import Reporter

# The share of the run's progress bar that training takes (loading before, the final evaluation after).
TRAINING_FROM, TRAINING_TO = 0.05, 0.9


class ProgressCallback(TrainerCallback):
    """The Trainer's logs as the contract's JSON lines: one per logging step and one per evaluated epoch."""

    def __init__(self, report: Reporter, epochs: int) -> None:
        self.report = report
        self.epochs = epochs

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **_: Any) -> None:
        logs = logs or {}
        progress = TRAINING_FROM + (TRAINING_TO - TRAINING_FROM) * state.global_step / max(1, state.max_steps)
        epoch = float(logs.get("epoch", state.epoch or 0))
        shown = min(self.epochs, max(1, math.ceil(epoch - 1e-9)))
        if "eval_loss" in logs:
            metrics = {k: logs[k] for k in ("eval_loss", "eval_accuracy", "eval_macro_f1") if k in logs}
            self.report(progress, f"epoch {shown}/{self.epochs} evaluated", {"epoch": round(epoch, 3), **metrics})
        elif "loss" in logs:
            self.report(
                progress,
                f"epoch {shown}/{self.epochs}, step {state.global_step}/{state.max_steps}",
                {"epoch": round(epoch, 3), "train_loss": logs["loss"]},
            )


class KeepBestCallback(TrainerCallback):
    """
    Saves the model with `save_pretrained` whenever an evaluation beats the best so far (higher accuracy; on a
    tie, lower loss). The Trainer's own load_best_model_at_end reloads a checkpoint's raw state dict, which
    misses the weights of models whose layout transformers converts on load (ViT in transformers 5);
    `from_pretrained` on this folder does not.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.best: tuple[float, float] | None = None
        self.best_epoch: int | None = None
        self.best_step: int | None = None

    def on_evaluate(
        self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None, **kw: Any
    ) -> None:
        metrics = metrics or {}
        score = (metrics.get("eval_accuracy", 0.0), -metrics.get("eval_loss", math.inf))
        if self.best is not None and score <= self.best:
            return
        self.best = score
        # The epoch in progress, 1-based (evaluations every `eval_steps` fall inside one); and the step.
        self.best_epoch = max(1, math.ceil((state.epoch or 0) - 1e-9))
        self.best_step = state.global_step
        os.makedirs(self.folder, exist_ok=True)
        kw["model"].save_pretrained(self.folder, safe_serialization=True)
