"""serve.py: the local predict endpoint's model process loads once, answers JSON lines by id, survives bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import TRAINER


def serve(model: str, requests: list[dict[str, object]]) -> subprocess.CompletedProcess[str]:
    """serve.py on the model, fed the requests as JSON lines on its stdin, run to the end of its input."""
    return subprocess.run(
        [sys.executable, os.path.join(TRAINER, "serve.py"), model],
        input="".join(json.dumps(r) + "\n" for r in requests),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=TRAINER,
    )

def test_serve_answers_each_request_by_id_and_survives_a_bad_one(text_model: str) -> None:
    requests = [
        {"id": 1, "input": "great love perfect"},
        {"id": 2, "input": 42},
        {"id": 3, "input": "awful broken refund"},
    ]
    ran = serve(text_model, requests)
    assert ran.returncode == 0, ran.stderr
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    ready, *answers = lines
    assert ready["ready"] is True and ready["task"] == "text-classification"
    labels = ready["labels"]
    assert [a["id"] for a in answers] == [1, 2, 3]
    for answer in (answers[0], answers[2]):
        assert answer["label"] in labels
        assert list(answer["scores"]) == labels
    assert answers[1]["error"] == 'expected "input" to be a string'


def test_serve_refuses_a_folder_that_is_not_a_model(tmp_path) -> None:
    ran = subprocess.run(
        [sys.executable, os.path.join(TRAINER, "serve.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=TRAINER,
    )
    assert ran.returncode == 2
    assert "holds no config.json" in ran.stderr


def test_serve_answers_an_image_sent_as_base64_and_says_what_bad_base64_is(image_model: str) -> None:
    import base64
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(png, format="PNG")
    requests = [
        {"id": 1, "input": base64.b64encode(png.getvalue()).decode("ascii")},
        {"id": 2, "input": "not base64!"},
    ]
    ran = serve(image_model, requests)
    assert ran.returncode == 0, ran.stderr
    ready, first, second = [json.loads(line) for line in ran.stdout.splitlines()]
    assert ready["task"] == "image-classification"
    assert first["id"] == 1 and first["label"] in ready["labels"]
    assert list(first["scores"]) == ready["labels"]
    assert second["id"] == 2
    assert second["error"].startswith('expected "input" to be an image\'s bytes as base64')
    assert "Incorrect padding" not in second["error"]
