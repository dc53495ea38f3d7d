"""Shared fixtures: tiny models built offline once per session, small datasets, and the commands as processes."""

from __future__ import annotations

import atexit
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINER = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(TRAINER))
HUB_PARQUET = os.path.join(REPO, "trainers", "test", "fixtures", "hub-parquet")

# The datasets cache of the suite's runs, in and out of process: a folder of its own, removed at the end.
DATASETS_CACHE = tempfile.mkdtemp(prefix="hub-retrain-datasets-")
os.environ["HF_DATASETS_CACHE"] = DATASETS_CACHE
atexit.register(shutil.rmtree, DATASETS_CACHE, True)

sys.path.insert(0, HERE)
from tiny_models import tiny_image_model, tiny_text_model  # noqa: E402

# Words that make the classes easy to tell apart, so a tiny model learns them in two epochs.
GOOD = ["great", "love", "perfect", "excellent", "happy", "works", "fast", "sturdy"]
BAD = ["awful", "broken", "refund", "slow", "cheap", "returned", "useless", "late"]


def sentences(words: list[str], count: int, rng: random.Random) -> list[str]:
    filler = ["the", "item", "was", "and", "it", "is", "really", "delivery", "box"]
    return [" ".join(rng.choice(words + filler) for _ in range(8)) + " " + rng.choice(words) for _ in range(count)]


def write_text_dataset(folder: str, train: int = 24, validation: int = 8) -> str:
    rng = random.Random(7)
    os.makedirs(folder, exist_ok=True)
    for split, count in (("train", train), ("validation", validation)):
        rows = [(t, "positive") for t in sentences(GOOD, count // 2, rng)]
        rows += [(t, "negative") for t in sentences(BAD, count // 2, rng)]
        with open(os.path.join(folder, f"{split}.csv"), "w", encoding="utf-8") as handle:
            handle.write("review,label\n" + "".join(f"{t},{label}\n" for t, label in rows))
    return folder


def write_image_dataset(folder: str, per_class: int = 8) -> str:
    from PIL import Image

    rng = random.Random(3)
    for split, count in (("train", per_class), ("validation", per_class // 2)):
        for label, colour in (("red", (200, 40, 40)), ("blue", (40, 40, 200))):
            os.makedirs(os.path.join(folder, split, label), exist_ok=True)
            for i in range(count):
                pixel = tuple(max(0, min(255, c + rng.randint(-40, 40))) for c in colour)
                Image.new("RGB", (40, 40), pixel).save(os.path.join(folder, split, label, f"{i}.png"))
    return folder


@pytest.fixture(scope="session")
def text_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = str(tmp_path_factory.mktemp("tiny-bert"))
    texts = sentences(GOOD + BAD, 200, random.Random(1))
    return tiny_text_model(folder, texts)


@pytest.fixture(scope="session")
def image_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    return tiny_image_model(str(tmp_path_factory.mktemp("tiny-vit")))


@dataclass
class Run:
    code: int
    lines: list[dict]
    stderr: str

    @property
    def last_error(self) -> str:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")][-1]


def run_script(script: str, args: list[str] | None = None, env: dict[str, str] | None = None) -> Run:
    """A trainer command as the backend runs it: a child process with only the environment it is given."""
    child = subprocess.run(
        [sys.executable, os.path.join(TRAINER, script), *(args or [])],
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "HF_HUB_OFFLINE": "1",
            "OMP_NUM_THREADS": "1",  # the test suites share two cores
            "HF_DATASETS_CACHE": DATASETS_CACHE,
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = []
    for line in child.stdout.splitlines():
        lines.append(json.loads(line))  # stdout carries JSON lines only
    return Run(child.returncode, lines, child.stderr)
