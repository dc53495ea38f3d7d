"""
`python predict.py <model-folder> <text | image-path | ->`: one prediction with a transformers pipeline, printed
as {"label", "scores"} with a probability per label in the model's label order (as the baseline's predict).
`-` reads the text, or the image's bytes, from stdin.
"""

import io
import json
import os
import sys

from hub_retrain_trainer.contract import InputError, Reporter, run_entry


def main(report: Reporter) -> None:
    if len(sys.argv) != 3:
        raise InputError("usage: predict.py <model-folder> <text | image-path | ->")
    folder, argument = sys.argv[1], sys.argv[2]
    if not os.path.isfile(os.path.join(folder, "config.json")):
        raise InputError(f"{folder} holds no config.json: not a transformers model folder")
    from transformers import AutoConfig, pipeline

    config = AutoConfig.from_pretrained(folder)
    task = _task_of(folder, config.architectures or [])
    classifier = pipeline(task, model=folder, top_k=None, device=-1 if not _cuda() else 0)
    if task == "image-classification":
        from PIL import Image

        data = sys.stdin.buffer.read() if argument == "-" else None
        if data is None and not os.path.isfile(argument):
            raise InputError(f"{argument}: no such image file")
        image = Image.open(io.BytesIO(data) if data is not None else argument).convert("RGB")
        scored = classifier(image)
    else:
        text = sys.stdin.read() if argument == "-" else argument
        scored = classifier(text)
    if scored and isinstance(scored[0], list):  # one input's list of {label, score}, in a list
        scored = scored[0]
    by_label = {item["label"]: float(item["score"]) for item in scored}
    order = [config.id2label[i] for i in sorted(config.id2label)]
    scores = {label: round(by_label.get(label, 0.0), 6) for label in order}
    best = max(scores, key=lambda label: scores[label])
    report.stream.write(json.dumps({"label": best, "scores": scores}) + "\n")


def _task_of(folder: str, architectures: list[str]) -> str:
    """The task the trainer recorded in metrics.json, else the one the model's class names."""
    try:
        with open(os.path.join(folder, "metrics.json"), encoding="utf-8") as handle:
            task = json.load(handle).get("task")
        if task in ("text-classification", "image-classification"):
            return task
    except (OSError, ValueError):
        pass
    if any(name.endswith("ForImageClassification") for name in architectures):
        return "image-classification"
    if any(name.endswith("ForSequenceClassification") for name in architectures):
        return "text-classification"
    raise InputError(f"{folder}: a {', '.join(architectures) or 'model'} is not a text or image classifier")


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


if __name__ == "__main__":
    run_entry(main)
