"""
The two trainers read a dataset alike: the TypeScript baseline's own reader (`node trainers/bin/inspect.js`) and
this trainer's, `datasets` (data.summary), pick the same splits, files, columns, rows and labels, over the
example datasets and the layouts of trainers/README.md ("Dataset layouts").
"""

import json
import os
import shutil
import subprocess

import pytest
from conftest import HUB_PARQUET, REPO

from hub_retrain_trainer.contract import parse_params
from hub_retrain_trainer.data import summary


def write(folder, name, text):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def png(folder, name, colour=(200, 40, 40)):
    from PIL import Image

    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", (8, 8), colour).save(path)


REVIEWS = "review,label\ngreat product,positive\nawful thing,negative\nlove it,positive\nbroken,negative\n"


def csv_with_a_bom_semicolons_and_names_next_to_codes(root):
    write(root, "train.csv", "\ufeffcomment;label;label_text\ngreat;1;good\nawful;0;bad\nfine;1;good\n")
    write(root, "test.csv", "comment\nwhat\n")  # Kaggle-style: no labels


def tsv_named_dev(root):
    write(root, "train.tsv", "text\tlabel\na\tx\nb\ty\nc\tx\n")
    write(root, "dev.tsv", "text\tlabel\nd\tx\ne\ty\n")


def json_lines_in_split_folders_with_sentence_pairs(root):
    rows = [{"premise": "a", "hypothesis": "b", "label": 1}, {"premise": "c", "hypothesis": "d", "label": 0}]
    write(root, "train/part-0.jsonl", "\n".join(json.dumps(r) for r in rows + [{**rows[0], "label": -1}]))
    write(root, "validation/part-0.jsonl", "\n".join(json.dumps(r) for r in rows))


def json_array_and_object_holding_one_array(root):
    write(root, "train.json", json.dumps({"data": [{"text": "a", "label": "x"}, {"text": "b", "label": "y"}]}))
    write(root, "test.json", json.dumps([{"text": "c", "label": "x"}, {"text": "d", "label": "y"}]))


def files_that_name_no_split(root):
    rows = "".join(f"row {i},{'ab'[i % 2]}\n" for i in range(20))
    write(root, "part1.csv", "text,label\n" + rows)
    write(root, "more/part2.csv", "text,label\n" + rows)


def a_file_naming_no_split_among_named_ones(root):
    write(root, "train.csv", REVIEWS)
    write(root, "test.csv", REVIEWS)
    write(root, "contest.csv", REVIEWS)


def sharded_hub_files_with_a_split_of_their_own(root):
    write(root, "data/train-00000-of-00001.csv", REVIEWS)
    write(root, "data/test-00000-of-00001.csv", REVIEWS)
    write(root, "data/unsupervised-00000-of-00001.csv", "review,label\nhmm,\n")


def sharded_hub_names_before_folders(root):
    rows = "\n".join(json.dumps({"text": f"t{i}", "label": "xy"[i % 2]}) for i in range(6))
    write(root, "data/train-00000-of-00002.jsonl", rows)
    write(root, "data/train-00001-of-00002.jsonl", rows)
    write(root, "valid/part.jsonl", rows)


def folders_before_file_names(root):
    write(root, "training/contest.csv", REVIEWS)
    write(root, "eval.csv", REVIEWS)


CARD = """---
license: mit
configs:
- config_name: raw
  data_files: train.csv
- config_name: reviews
  default: true
  data_files:
  - split: train
    path: "reviews/*.csv"
  - split: test
    path: holdout/final.csv
  - split: unlabelled
    path: holdout/extra.csv
---
# Reviews
"""


def a_card_naming_its_files(root):
    # The default config's files, not the ones the file names would pick (train.csv) nor another config's.
    write(root, "README.md", CARD)
    write(root, "train.csv", "review,label\nnot this one,neutral\n")
    write(root, "reviews/2023.csv", REVIEWS)
    write(root, "reviews/2024.csv", REVIEWS)
    write(root, "reviews/old/2019.csv", REVIEWS)  # `*` stays within one folder
    write(root, "holdout/final.csv", REVIEWS)
    write(root, "holdout/extra.csv", REVIEWS)


def a_card_naming_a_data_dir(root):
    write(root, "README.md", "---\nconfigs:\n- config_name: default\n  data_dir: current\n---\n")
    write(root, "old/train/part.csv", "review,label\nnot this one,neutral\n")  # the folder rule outside data_dir
    write(root, "current/train.csv", REVIEWS)
    write(root, "current/valid.csv", REVIEWS)


def image_folders_per_split(root):
    for split in ("train", "validation"):
        for label, colour in (("cat", (200, 40, 40)), ("dog", (40, 40, 200))):
            for i in range(2):
                png(root, f"{split}/{label}/{i}.png", colour)


def image_folders_of_one_split(root):
    for label in ("cat", "dog"):
        for i in range(3):
            png(root, f"{label}/{i}.png")


def imagefolder_with_a_metadata_file(root):
    for i in range(4):
        png(root, f"train/{i}.png")
    write(root, "train/metadata.csv", "file_name,label\n" + "".join(f"{i}.png,{'ab'[i % 2]}\n" for i in range(4)))


def folder(path):
    def copy(root):
        shutil.copytree(path, root, dirs_exist_ok=True)

    copy.__name__ = os.path.relpath(path, REPO)
    return copy


LAYOUTS = [
    ("text-classification", folder(os.path.join(REPO, "examples", "datasets", "product-reviews"))),
    ("text-classification", folder(os.path.join(HUB_PARQUET, "text"))),
    ("text-classification", folder(os.path.join(HUB_PARQUET, "zstd"))),
    ("image-classification", folder(os.path.join(HUB_PARQUET, "images"))),
    ("text-classification", csv_with_a_bom_semicolons_and_names_next_to_codes),
    ("text-classification", tsv_named_dev),
    ("text-classification", json_lines_in_split_folders_with_sentence_pairs),
    ("text-classification", json_array_and_object_holding_one_array),
    ("text-classification", files_that_name_no_split),
    ("text-classification", a_file_naming_no_split_among_named_ones),
    ("text-classification", sharded_hub_files_with_a_split_of_their_own),
    ("text-classification", sharded_hub_names_before_folders),
    ("text-classification", folders_before_file_names),
    ("text-classification", a_card_naming_its_files),
    ("text-classification", a_card_naming_a_data_dir),
    ("image-classification", image_folders_per_split),
    ("image-classification", image_folders_of_one_split),
    ("image-classification", imagefolder_with_a_metadata_file),
]


def baseline_inspect(root, task):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the TypeScript baseline's reader (trainers/bin/inspect.js)")
    child = subprocess.run(
        [node, os.path.join(REPO, "trainers", "bin", "inspect.js"), root, "--task", task],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout)


@pytest.mark.parametrize("task, make", LAYOUTS, ids=[m.__name__ for _, m in LAYOUTS])
def test_both_trainers_pick_the_same_splits_files_columns_and_labels(tmp_path, task, make):
    root = str(tmp_path / "data")
    os.makedirs(root, exist_ok=True)
    make(root)
    assert summary(task, root, parse_params("{}")) == baseline_inspect(root, task)


@pytest.mark.parametrize("task, make", LAYOUTS, ids=[m.__name__ for _, m in LAYOUTS])
def test_our_split_matching_is_what_datasets_resolves(tmp_path, task, make):
    # data_files.py matches `datasets`' split patterns against one walk of the folder (fast for 20,000 images):
    # what it picks must stay what `load_dataset_builder` itself resolves for the same folder, at any version.
    import datasets

    from hub_retrain_trainer.contract import InputError
    from hub_retrain_trainer.data import IMAGE_MODULES, TABLE_MODULES
    from hub_retrain_trainer.data_files import SPLITS, resolve

    root = str(tmp_path / "data")
    os.makedirs(root, exist_ok=True)
    make(root)
    modules = IMAGE_MODULES if task == "image-classification" else TABLE_MODULES
    found = resolve(root, modules, lambda note: InputError(f"no data{note}"))
    builder = datasets.load_dataset_builder(root)
    theirs = builder.config.data_files
    assert builder.name == found.module
    assert found.splits == {s: sorted(str(f) for f in theirs[s]) for s in SPLITS if s in theirs}
