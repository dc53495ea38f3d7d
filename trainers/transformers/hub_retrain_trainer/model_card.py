"""The model card (README.md) the Hub renders: metadata, then what was trained on what, how, and how well."""

from __future__ import annotations

import json
import re
from typing import Any

from .base_model import looks_like_path
from .contract import TrainerEnv

HUB_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
TASK_NAMES = {"text-classification": "Text Classification", "image-classification": "Image Classification"}


def model_card(env: TrainerEnv, metrics: dict[str, Any]) -> str:
    hub_base = None if looks_like_path(env.base_model) else env.base_model
    hub_dataset = env.dataset if env.dataset and HUB_REPO.match(env.dataset) else None
    name = env.pipeline or "hub-retrain model"
    meta: list[str] = ["---", "library_name: transformers", f"pipeline_tag: {env.task}"]
    if hub_base:
        meta.append(f"base_model: {_yaml(hub_base)}")
    if hub_dataset:
        meta += ["datasets:", f"  - {_yaml(hub_dataset)}"]
    meta += ["tags:", "  - hub-retrain"]
    meta += ["model-index:", f"  - name: {_yaml(name)}", "    results:", "      - task:"]
    meta += [f"          type: {env.task}", f"          name: {TASK_NAMES[env.task]}"]
    if hub_dataset:
        meta += ["        dataset:", f"          name: {_yaml(hub_dataset)}", f"          type: {_yaml(hub_dataset)}"]
        meta += [f"          split: {_yaml(metrics['eval_split'])}"]
        if env.revision:
            meta.append(f"          revision: {_yaml(env.revision)}")
    meta += [
        "        metrics:",
        "          - type: accuracy",
        f"            value: {metrics['accuracy']:.4f}",
        "            name: Accuracy",
        "          - type: f1",
        f"            value: {metrics['macro_f1']:.4f}",
        "            name: Macro F1",
        "            args:",
        "              average: macro",
        "---",
    ]
    revision = f" at revision `{env.revision}`" if env.revision else ""
    rows = [
        ("Base model", f"`{env.base_model}`"),
        ("Dataset", f"`{env.dataset or env.data_dir}`{revision}"),
        ("Task", f"`{env.task}`"),
        ("Labels", ", ".join(f"`{label}`" for label in metrics["labels"])),
        ("Rows", f"{metrics['train_rows']} training, {metrics['eval_rows']} evaluation ({metrics['eval_split']})"),
        ("Device", f"{metrics['device']} ({metrics['device_name']}, {metrics['precision']})"),
        ("Trainer", f"transformers {metrics['versions']['transformers']}, torch {metrics['versions']['torch']}"),
    ]
    body = [
        "",
        f"# {name}",
        "",
        f"`{env.base_model}` fine-tuned for {env.task.replace('-', ' ')} by "
        f"hub-retrain on `{env.dataset or env.data_dir}`{revision}.",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in rows],
        "",
        "## Evaluation",
        "",
        "| metric | this model | majority class |",
        "| --- | --- | --- |",
        f"| accuracy | {metrics['accuracy']:.4f} | {metrics['baseline_accuracy']:.4f} |",
        f"| macro F1 | {metrics['macro_f1']:.4f} | {metrics['baseline_macro_f1']:.4f} |",
        "",
        f"Best epoch: {metrics['best_epoch']} of {metrics['epochs']}; evaluation loss {metrics['eval_loss']}.",
        "",
        "| label | training rows | support | precision | recall | F1 |",
        "| --- | --- | --- | --- | --- | --- |",
        *[
            f"| {label} | {c['train_rows']} | {c['support']} | "
            f"{c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} |"
            for label, c in metrics["per_class"].items()
        ],
        "",
        "## Training parameters",
        "",
        "| parameter | value |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in metrics["hyperparameters"].items()],
        "",
        "## Use",
        "",
        "```python",
        "from transformers import pipeline",
        "",
        f'classifier = pipeline("{env.task}", model="<this repo or folder>")',
        "```",
        "",
    ]
    return "\n".join(meta + body)


def _yaml(value: str) -> str:
    """A YAML scalar: JSON strings are valid YAML and quote whatever needs quoting."""
    return json.dumps(value)
