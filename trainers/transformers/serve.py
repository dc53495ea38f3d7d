"""
`python serve.py <model-folder>`: loads a transformers classifier once and answers predictions as JSON lines, for
hub-retrain's local predict endpoint (the same protocol as the TypeScript trainers' `serve`): first
`{"ready": true, "labels": [...]}`, then one `{"id", "label", "scores"}` (or `{"id", "error"}`) per request line
`{"id", "input"}` (text, or an image's bytes as base64). It exits when stdin closes.
"""

import base64
import io
import json
import os
import sys

from hub_retrain_trainer.contract import InputError, Reporter, run_entry
from predict import _cuda, _task_of


def main(report: Reporter) -> None:
    if len(sys.argv) != 2:
        raise InputError("usage: serve.py <model-folder>")
    folder = sys.argv[1]
    if not os.path.isfile(os.path.join(folder, "config.json")):
        raise InputError(f"{folder} holds no config.json: not a transformers model folder")
    from transformers import AutoConfig, pipeline

    config = AutoConfig.from_pretrained(folder)
    task = _task_of(folder, config.architectures or [])
    classifier = pipeline(task, model=folder, top_k=None, device=-1 if not _cuda() else 0)
    order = [config.id2label[i] for i in sorted(config.id2label)]
    out = report.stream

    def write(line: dict) -> None:
        out.write(json.dumps(line) + "\n")
        out.flush()

    write({"ready": True, "task": task, "labels": order})
    for line in sys.stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            value = request.get("input")
            if not isinstance(value, str):
                raise InputError('expected "input" to be a string')
            if task == "image-classification":
                from PIL import Image

                scored = classifier(Image.open(io.BytesIO(image_bytes(value))).convert("RGB"))
            else:
                scored = classifier(value)
            if scored and isinstance(scored[0], list):
                scored = scored[0]
            by_label = {item["label"]: float(item["score"]) for item in scored}
            scores = {label: round(by_label.get(label, 0.0), 6) for label in order}
            write({"id": request_id, "label": max(scores, key=lambda label: scores[label]), "scores": scores})
        except Exception as err:  # one bad request never ends the server
            write({"id": request_id, "error": str(err)})


def image_bytes(value: str) -> bytes:
    """An image model's input: the image's bytes as base64, said plainly when it is not."""
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise InputError(
            'expected "input" to be an image\'s bytes as base64 (A-Z, a-z, 0-9, "+", "/", padded with "=")'
        ) from None


if __name__ == "__main__":
    run_entry(main)
