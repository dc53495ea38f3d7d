"""
The trainer process contract (trainers/README.md), the same as the TypeScript baseline's: the RETRAIN_*
environment, JSON lines on stdout, exit code 2 with one `error:` line for bad input, 1 for anything else.
"""

from __future__ import annotations

import json
import math
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

TASKS = ("text-classification", "image-classification")
EXIT_INPUT_ERROR = 2
EXIT_FAILURE = 1


class InputError(Exception):
    """A problem with what the trainer was given (environment, parameters, dataset, base model): exit 2."""


class Reporter:
    """Writes progress lines as JSON, one object per line, to the stream the backend reads."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last = 0.0

    def __call__(
        self, progress: float | None = None, message: str | None = None, metrics: dict[str, float] | None = None
    ) -> None:
        line: dict[str, Any] = {}
        if progress is not None:
            # Progress never goes back, whatever a stage reports.
            self._last = max(self._last, min(1.0, max(0.0, progress)))
            line["progress"] = round(self._last, 3)
        if message is not None:
            line["message"] = message
        if metrics:
            line["metrics"] = {k: _number(v) for k, v in metrics.items() if _finite(v)}
        self.stream.write(json.dumps(line) + "\n")
        self.stream.flush()


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: float) -> float:
    return value if isinstance(value, int) else round(float(value), 4)


def claim_stdout() -> TextIO:
    """
    The real stdout, for the JSON lines only. File descriptor 1 is pointed at stderr, so whatever the
    libraries print (a warning, a C extension's chatter) lands in the log and never in the protocol.
    """
    sys.stdout.flush()
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol


# RETRAIN_PARAMS of this trainer. Unknown keys are an error, so a typo never goes unnoticed.
def _integer(lo: int, hi: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        number = _numeric(value)
        if not isinstance(number, (int, float)) or isinstance(number, bool) or number != int(number):
            raise ValueError("expected an integer")
        number = int(number)
        if number < lo or (hi is not None and number > hi):
            raise ValueError(f"expected an integer from {lo}" + (f" to {hi}" if hi is not None else " up"))
        return number

    return check


def _real(
    lo: float, hi: float | None = None, *, open_lo: bool = False, open_hi: bool = False
) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        number = _numeric(value)
        if not _finite(number):
            raise ValueError("expected a number")
        number = float(number)
        if (number <= lo if open_lo else number < lo) or (
            hi is not None and (number >= hi if open_hi else number > hi)
        ):
            bound = f"{'>' if open_lo else '>='} {lo:g}" + (
                f" and {'<' if open_hi else '<='} {hi:g}" if hi is not None else ""
            )
            raise ValueError(f"expected a number {bound}")
        return number

    return check


def _numeric(value: Any) -> Any:
    # Backends often pass knobs as strings ("20"); read a numeric string as the number it spells.
    if isinstance(value, str) and value.strip():
        try:
            return int(value) if value.strip().lstrip("+-").isdigit() else float(value)
        except ValueError:
            return value
    return value


def _column(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a column name")
    return value


def _columns(value: Any) -> str | list[str]:
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    return _column(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("expected true or false")


def _class_weights(value: Any) -> str:
    if value not in ("none", "balanced"):
        raise ValueError('expected "none" or "balanced"')
    return value


def _device(value: Any) -> str:
    if value not in ("auto", "cpu", "cuda"):
        raise ValueError('expected "auto", "cpu" or "cuda"')
    return value


PARAMS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "text_column": (_columns, None),
    "image_column": (_column, None),
    "label_column": (_column, None),
    "seed": (_integer(0, 0xFFFFFFFF), 42),
    "eval_fraction": (_real(0, 1, open_lo=True, open_hi=True), 0.2),
    "epochs": (_integer(1, 1000), 3),
    "learning_rate": (_real(0, open_lo=True), 5e-5),
    "batch_size": (_integer(1, 4096), 16),
    "max_length": (_integer(8, 65536), 256),
    "image_size": (_integer(16, 4096), None),
    "weight_decay": (_real(0), 0.01),
    "warmup_ratio": (_real(0, 1, open_hi=True), 0.1),
    "device": (_device, "auto"),
    # Real-hardware options, each handed to TrainingArguments or the Trainer as it is (trainers/README.md).
    "gradient_accumulation_steps": (_integer(1, 4096), 1),
    "auto_find_batch_size": (_boolean, False),
    "max_steps": (_integer(1), None),
    "eval_steps": (_integer(1), None),
    "early_stopping_patience": (_integer(1, 1000), None),
    "class_weights": (_class_weights, "none"),
    "torch_compile": (_boolean, False),
    "dataloader_num_workers": (_integer(0, 64), 0),
}


def parse_params(text: str) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"RETRAIN_PARAMS: not valid JSON ({err})") from None
    if not isinstance(raw, dict):
        raise InputError("RETRAIN_PARAMS: expected a JSON object")
    problems = [f"RETRAIN_PARAMS.{key}: unknown key" for key in raw if key not in PARAMS]
    params: dict[str, Any] = {}
    for key, (check, default) in PARAMS.items():
        if key not in raw or raw[key] is None:
            params[key] = default
            continue
        try:
            params[key] = check(raw[key])
        except ValueError as err:
            problems.append(f"RETRAIN_PARAMS.{key}: {err}")
    if problems:
        raise InputError("; ".join(problems))
    return params


@dataclass
class TrainerEnv:
    data_dir: str
    output_dir: str
    task: str
    base_model: str
    params: dict[str, Any]
    # Provenance for the model card, when the backend knows it.
    dataset: str | None = None
    revision: str | None = None
    pipeline: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # The model in service, measured on the same rows as the new one (comparison.py); None: no model in service.
    current_model_dir: str | None = None
    # A pinned evaluation set: the rows both models are measured on.
    eval_data_dir: str | None = None


def read_env(source: dict[str, str] | os._Environ[str] = os.environ) -> TrainerEnv:
    problems: list[str] = []
    get = lambda name: (source.get(name) or "").strip()  # noqa: E731
    data_dir, output_dir, task, base_model = (
        get("RETRAIN_DATA_DIR"),
        get("RETRAIN_OUTPUT_DIR"),
        get("RETRAIN_TASK"),
        get("RETRAIN_BASE_MODEL"),
    )
    if not data_dir:
        problems.append("RETRAIN_DATA_DIR: required: the dataset folder")
    if not output_dir:
        problems.append("RETRAIN_OUTPUT_DIR: required: the folder to write the model to")
    if task not in TASKS:
        problems.append(f"RETRAIN_TASK: expected one of {', '.join(TASKS)}")
    if not base_model:
        problems.append("RETRAIN_BASE_MODEL: required: the model to fine-tune (a Hub model id or a local folder)")
    if problems:
        raise InputError("; ".join(problems))
    data_dir = os.path.abspath(data_dir)
    if not os.path.isdir(data_dir):
        raise InputError(f"RETRAIN_DATA_DIR: {data_dir} is not a folder")
    return TrainerEnv(
        data_dir=data_dir,
        output_dir=os.path.abspath(output_dir),
        task=task,
        base_model=base_model,
        params=parse_params(get("RETRAIN_PARAMS") or "{}"),
        dataset=get("RETRAIN_DATASET") or None,
        revision=get("RETRAIN_REVISION") or None,
        pipeline=get("RETRAIN_PIPELINE") or None,
        # A missing model in service is not an input error: the comparison says it could not be measured.
        current_model_dir=_folder(get("RETRAIN_CURRENT_MODEL_DIR")),
        eval_data_dir=_folder(get("RETRAIN_EVAL_DATA_DIR")),
    )


def _folder(path: str) -> str | None:
    return os.path.abspath(path) if path else None


def run_entry(main: Callable[[Reporter], None]) -> None:
    """Runs a command and exits: 0, 2 with one `error:` line for bad input, 1 with the stack otherwise."""
    report = Reporter(claim_stdout())
    try:
        main(report)
    except InputError as err:
        report(message=f"failed: {err}")
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_INPUT_ERROR)
    except Exception as err:  # noqa: BLE001 - the contract: anything else is exit 1 with its stack
        report(message=f"failed: {err}")
        traceback.print_exc()
        sys.exit(EXIT_FAILURE)
    sys.exit(0)
