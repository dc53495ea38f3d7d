"""Dataset layouts and column detection: the baseline's rules (trainers/README.md) and its error messages."""

import io
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import HUB_PARQUET

from hub_retrain_trainer.contract import InputError
from hub_retrain_trainer.data import Rows, load_image_dataset, load_text_dataset


def write(folder, name, text):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


@pytest.mark.parametrize(
    "paths, splits, ignored",
    [
        (["train.csv", "test.csv", "contest.csv"], {"train": ["train.csv"], "test": ["test.csv"]}, ["contest.csv"]),
        (
            ["data/train-00000-of-00001.csv", "data/validation-00000-of-00001.csv"],
            {"train": ["data/train-00000-of-00001.csv"], "validation": ["data/validation-00000-of-00001.csv"]},
            [],
        ),
        (
            ["data/valid_2.csv", "data/train_1.csv"],
            {"train": ["data/train_1.csv"], "validation": ["data/valid_2.csv"]},
            [],
        ),
        (["train/part.csv", "dev/part.csv"], {"train": ["train/part.csv"], "validation": ["dev/part.csv"]}, []),
        # Folder names are looked at before file names, for the whole dataset (datasets' data-files rules).
        (["training/contest.csv", "eval.csv"], {"train": ["training/contest.csv"]}, ["eval.csv"]),
        (["a.csv", "b/c.csv"], {"train": ["a.csv", "b/c.csv"]}, []),
    ],
)
def test_splits_follow_the_hubs_data_files_rules(tmp_path, paths, splits, ignored):
    for path in paths:
        write(tmp_path, path, "text,label\nfine,a\n")
    dataset = load_text_dataset(str(tmp_path), {})
    assert dataset.files == splits
    assert dataset.ignored_files == ignored
    assert dataset.builder == "csv"


def test_hub_parquet_with_class_label_names(tmp_path):
    dataset = load_text_dataset(os.path.join(HUB_PARQUET, "text"), {})
    assert set(dataset.splits) == {"train", "test"}
    assert {e.label for e in dataset.splits["train"]} == {"negative", "positive"}
    assert dataset.columns == {"text": "text", "label": "label"}
    assert dataset.files["train"] == ["data/train-00000-of-00001.parquet"]


def test_semicolon_csv_with_a_bom_and_names_next_to_codes(tmp_path):
    write(tmp_path, "train.csv", "\ufeffcomment;label;label_text\ngreat;1;good\nawful;0;bad\n\n")
    dataset = load_text_dataset(str(tmp_path), {})
    assert [(e.input, e.label) for e in dataset.splits["train"]] == [("great", "good"), ("awful", "bad")]
    assert dataset.columns == {"text": "comment", "label": "label_text"}


def test_sentence_pairs_json_lines_json_arrays_and_unlabelled_rows(tmp_path):
    rows = [{"premise": "a", "hypothesis": "b", "label": 1}, {"premise": "c", "hypothesis": "d", "label": -1}]
    write(tmp_path, "train.jsonl", "\n".join(json.dumps(r) for r in rows))
    write(tmp_path, "validation.jsonl", json.dumps({"premise": "e", "hypothesis": "f", "label": 0}))
    write(tmp_path, "notes/readme.jsonl", "{}")  # names no split while others do: ignored
    dataset = load_text_dataset(str(tmp_path), {})
    assert [(e.input, e.label) for e in dataset.splits["train"]] == [("a\nb", "1")]
    assert dataset.skipped_rows == {"train": 1, "validation": 0}
    assert dataset.ignored_files == ["notes/readme.jsonl"]
    assert dataset.columns["text"] == "premise+hypothesis"
    assert isinstance(dataset.splits["train"], Rows)  # memory-mapped Arrow, not a list

    arrays = tmp_path / "arrays"
    write(arrays, "train.json", json.dumps({"rows": [{"text": "x", "label": "a"}, {"text": "y", "label": "b"}]}))
    write(arrays, "test.json", json.dumps([{"text": "z", "label": "a"}]))
    dataset = load_text_dataset(str(arrays), {})
    assert [(e.input, e.label) for e in dataset.splits["train"]] == [("x", "a"), ("y", "b")]
    assert [(e.input, e.label) for e in dataset.splits["test"]] == [("z", "a")]


def test_csv_cells_are_text_and_a_test_file_without_labels_is_unlabelled(tmp_path):
    write(tmp_path, "train.csv", "id,text,label\n1,NA,1.0\n2,null,b\n3,,c\n")
    write(tmp_path, "test.csv", "id,text\n4,what\n")
    dataset = load_text_dataset(str(tmp_path), {})
    assert [(e.input, e.label) for e in dataset.splits["train"]] == [("NA", "1.0"), ("null", "b")]
    assert dataset.skipped_rows == {"train": 1, "test": 1}
    assert len(dataset.splits["test"]) == 0


def test_unusable_datasets_get_the_baselines_messages(tmp_path):
    write(tmp_path, "train.csv", "text,score\nfine,3\n")
    with pytest.raises(InputError) as err:
        load_text_dataset(str(tmp_path), {})
    assert str(err.value) == (
        'train.csv: no label column found; columns are "text", "score". Expected one of label, labels, target, '
        "class, category, sentiment, intent, topic, y, or name it with RETRAIN_PARAMS.label_column"
    )
    with pytest.raises(InputError, match=r'train.csv: column "stars" \(RETRAIN_PARAMS.label_column\) not found'):
        load_text_dataset(str(tmp_path), {"label_column": "stars"})
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.md").write_text("# nothing")
    with pytest.raises(InputError, match=r"no data files in .*; found README.md"):
        load_text_dataset(str(empty), {})
    write(tmp_path / "multi", "train.jsonl", json.dumps({"text": "a", "labels": ["x", "y"]}))
    with pytest.raises(InputError, match=r"train.jsonl: row 1: the label is a list"):
        load_text_dataset(str(tmp_path / "multi"), {})


def _truncated_parquet(folder, name):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    pq.write_table(pa.table({"text": ["a", "b"] * 200, "label": ["x", "y"] * 200}), path)
    with open(path, "rb") as handle:
        whole = handle.read()
    with open(path, "wb") as handle:
        handle.write(whole[: len(whole) // 2])


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda root: write(root, "train.csv", "text,label\na,x\nb,y,z\nc,x\n"),
            r"^train.csv: not a readable CSV file \(line 3 has 3 fields, the header 2\)$",
        ),
        (
            # The bad line in the second file of the split: the message names that file and line.
            lambda root: [
                write(root, "train/a.jsonl", '{"text": "a", "label": "x"}\n'),
                write(root, "train/b.jsonl", '{"text": "b", "label": "y"}\n\n{"text": oops}\n'),
            ],
            r"^train/b.jsonl:3: not valid JSON \(Expecting value\)$",
        ),
        (
            lambda root: _truncated_parquet(root, "train.parquet"),
            r"^train.parquet: not a readable Parquet file \(.+\)$",
        ),
        (
            # A broken file in another split than the one read first: prepared together, named all the same.
            lambda root: [
                write(root, "train.csv", "text,label\na,x\nb,y\n"),
                write(root, "test.csv", "text,label\na,x\nb,y,z\n"),
            ],
            r"^test.csv: not a readable CSV file \(line 3 has 3 fields, the header 2\)$",
        ),
    ],
    ids=["ragged-csv", "bad-json-line", "truncated-parquet", "bad-file-in-another-split"],
)
def test_an_unreadable_file_is_named_with_its_line_as_the_baseline_names_it(tmp_path, make, message):
    make(str(tmp_path))
    with pytest.raises(InputError, match=message):
        load_text_dataset(str(tmp_path), {})


def test_image_folders_and_hub_image_parquet(tmp_path):
    from PIL import Image

    for split in ("train", "validation"):
        for label in ("cat", "dog"):
            os.makedirs(tmp_path / split / label)
            Image.new("RGB", (8, 8)).save(tmp_path / split / label / "test_1.png")  # the file name is no split
    dataset = load_image_dataset(str(tmp_path), {})
    assert {s: [e.label for e in rows] for s, rows in dataset.splits.items()} == {
        "train": ["cat", "dog"],
        "validation": ["cat", "dog"],
    }
    hub = load_image_dataset(os.path.join(HUB_PARQUET, "images"), {})
    example = hub.splits["train"][0]
    assert "bytes" in example.input and hub.columns["image"] == "image"


def test_image_tables_with_file_names(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"file_name": ["a.png", "missing.png"], "label": ["x", "y"]}), buffer)
    (tmp_path / "metadata.parquet").write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match=r'metadata.parquet: row 2: image file "missing.png" not found'):
        load_image_dataset(str(tmp_path), {})


def test_an_image_outside_any_folder_has_no_label(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "b.png")
    with pytest.raises(InputError, match=r"b.png: an image outside any folder has no label"):
        load_image_dataset(str(tmp_path), {})


def test_a_dataset_card_that_names_its_data_files_is_followed(tmp_path):
    write(tmp_path, "README.md", "---\nconfigs:\n  - config_name: default\n    data_files:\n"
          "      - split: train\n        path: mine.csv\n      - split: test\n        path: holdout.csv\n---\n# card\n")
    write(tmp_path, "mine.csv", "text,label\na,x\nb,y\n")
    write(tmp_path, "holdout.csv", "text,label\nc,x\n")
    write(tmp_path, "train.csv", "text,label\nnot,read\n")  # the card's files win over the naming rules
    dataset = load_text_dataset(str(tmp_path), {})
    assert dataset.files == {"train": ["mine.csv"], "test": ["holdout.csv"]}
    assert dataset.ignored_files == ["train.csv"]


def test_string_pairs_join_the_texts_that_are_there_and_skip_blank_rows(tmp_path):
    write(tmp_path, "train.csv", "sentence1,sentence2,label\na,,x\n,  ,y\nc,d, x \ne,f,  \n")
    dataset = load_text_dataset(str(tmp_path), {})
    assert [(e.input, e.label) for e in dataset.splits["train"]] == [("a", "x"), ("c\nd", "x")]
    assert dataset.skipped_rows == {"train": 2}
    assert dataset.columns["text"] == "sentence1+sentence2"
