"""
`python preflight.py`: the checks the local backend runs before it starts a training run, in a second or two
(nothing heavy is imported): the locked dependencies are installed, and RETRAIN_BASE_MODEL can be loaded.
Exit 0 with one JSON line on success; the trainer's exit codes and `error:` line otherwise.
"""

import os
from importlib import metadata

from hub_retrain_trainer.base_model import locate_base_model
from hub_retrain_trainer.contract import InputError, Reporter, run_entry

REQUIRED = ("torch", "transformers", "datasets", "accelerate", "safetensors", "huggingface-hub", "pillow")


def main(report: Reporter) -> None:
    missing = []
    for name in REQUIRED:
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        raise InputError(
            f"the transformers trainer's Python environment lacks {', '.join(missing)}: "
            "run `npm run setup:transformers` (uv sync --project trainers/transformers --frozen)"
        )
    name = (os.environ.get("RETRAIN_BASE_MODEL") or "").strip()
    if not name:
        raise InputError("RETRAIN_BASE_MODEL: required: the model to fine-tune (a Hub model id or a local folder)")
    located = locate_base_model(name, os.environ.get("HF_TOKEN"), os.environ.get("HF_ENDPOINT"))
    report(message=f"base model {name} can be loaded ({located})")


if __name__ == "__main__":
    run_entry(main)
