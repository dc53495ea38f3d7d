"""
Dataset layouts and column detection, the same rules as the TypeScript baseline (trainers/data/*.ts and
trainers/README.md, "Dataset layouts"), with the same error messages: CSV / TSV / JSON Lines / JSON / Parquet
files split by the Hub's naming rules, image folders, and the Hub's raw Parquet layout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .contract import InputError

SPLITS = ("train", "validation", "test")
# The Hub's own data-files rules: a keyword delimited by separators or digits, in a file or folder name.
SPLIT_KEYWORDS = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "test": "test",
    "testing": "test",
    "eval": "test",
    "evaluation": "test",
}
TABLE_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
}
# Metadata the `datasets` library writes next to the data (save_to_disk, old Hub repos): not rows.
METADATA_FILES = {"dataset_info.json", "dataset_infos.json", "dataset_dict.json", "state.json"}
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".avif"}

TEXT_COLUMNS = [
    "text",
    "sentence",
    "review",
    "content",
    "body",
    "document",
    "comment",
    "message",
    "utterance",
    "tweet",
    "sms",
    "question",
    "title",
    "input",
]
TEXT_PAIRS = [
    ["sentence1", "sentence2"],
    ["premise", "hypothesis"],
    ["question1", "question2"],
    ["question", "sentence"],
]
LABEL_COLUMNS = ["label", "labels", "target", "class", "category", "sentiment", "intent", "topic", "y"]
IMAGE_COLUMNS = ["image", "img", "picture", "photo", "file_name", "filename", "image_path", "path", "file"]


@dataclass
class DataFile:
    path: str
    relative_path: str
    format: str = ""


@dataclass
class Table:
    file: DataFile
    columns: list[str]
    rows: list[dict[str, Any]]
    # Label names of integer class columns, where the file says (the Hub's Parquet `ClassLabel` metadata).
    class_labels: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Example:
    # Text, or an image as {"path": ...} / {"bytes": ..., "name": ...}.
    input: Any
    label: str


@dataclass
class LoadedDataset:
    splits: dict[str, list[Example]] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    skipped_rows: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        """The `dataset` object of metrics.json, with the baseline's key names."""
        return {
            "files": self.files,
            "ignoredFiles": self.ignored_files,
            "skippedRows": self.skipped_rows,
            "columns": self.columns,
        }


# ---------------------------------------------------------------------------------------------- files


def scan_dataset(root: str) -> tuple[list[DataFile], list[DataFile], list[str]]:
    """Tables, images and other files under `root`, sorted by relative path; hidden files and folders skipped."""
    if not os.path.isdir(root):
        raise InputError(f"the dataset folder {root} does not exist or cannot be read")
    tables: list[DataFile] = []
    images: list[DataFile] = []
    other: list[str] = []
    # followlinks: a Hugging Face cache snapshot links each file to a blob.
    for folder, dirs, names in os.walk(root, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = os.path.join(folder, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            ext = os.path.splitext(name)[1].lower()
            if ext in TABLE_EXTENSIONS and name not in METADATA_FILES:
                tables.append(DataFile(path, relative, TABLE_EXTENSIONS[ext]))
            elif ext in IMAGE_EXTENSIONS:
                images.append(DataFile(path, relative))
            else:
                other.append(relative)
    key: Callable[[DataFile], str] = lambda f: f.relative_path  # noqa: E731
    return sorted(tables, key=key), sorted(images, key=key), sorted(other)


def found_note(other: list[str]) -> str:
    if not other:
        return "; the folder holds no files"
    shown = ", ".join(other[:8])
    return f"; found {shown}{f', ... ({len(other)} files)' if len(other) > 8 else ''}"


def _split_of_name(name: str) -> str | None:
    for token in re.split(r"[-._\s\d]+", name.lower()):
        if token in SPLIT_KEYWORDS:
            return SPLIT_KEYWORDS[token]
    return None


def split_of_path(relative_path: str, folder_only: bool = False) -> str | None:
    """The file name first (`train.csv`, `data/test-00000-of-00001.parquet`), then its folders from the deepest."""
    parts = [p for p in re.split(r"[\\/]", relative_path) if p]
    file = parts.pop() if parts else None
    if file is not None and not folder_only:
        split = _split_of_name(re.sub(r"\.[^.]*$", "", file))
        if split:
            return split
    for part in reversed(parts):
        split = _split_of_name(part)
        if split:
            return split
    return None


def assign_splits(files: list[Any], split_of: Callable[[Any], str | None]) -> tuple[dict[str, list[Any]], list[Any]]:
    """When no file names a split everything is train; when some do, files that name none are left out."""
    named = [(f, split_of(f)) for f in files]
    any_named = any(s is not None for _, s in named)
    by_split: dict[str, list[Any]] = {}
    ignored: list[Any] = []
    for f, split in named:
        target = split if any_named else "train"
        if target is None:
            ignored.append(f)
        else:
            by_split.setdefault(target, []).append(f)
    return {s: by_split[s] for s in SPLITS if s in by_split}, ignored


# --------------------------------------------------------------------------------------------- tables


def read_table(file: DataFile) -> Table:
    if file.format == "parquet":
        return _read_parquet(file)
    try:
        with open(file.path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError as err:
        raise InputError(f"{file.relative_path}: not UTF-8 text ({err.reason})") from None
    if file.format in ("csv", "tsv"):
        rows = _read_csv(text, file)
    elif file.format == "jsonl":
        rows = _read_json_lines(text, file)
    else:
        rows = _read_json(text, file)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return Table(file, list(columns), rows)


def _read_csv(text: str, file: DataFile) -> list[dict[str, Any]]:
    delimiter = "\t" if file.format == "tsv" else _sniff_delimiter(text)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
        lines = [line for line in reader if any(cell != "" for cell in line)]
    except csv.Error as err:
        raise InputError(f"{file.relative_path}: not a readable CSV file ({err})") from None
    if not lines:
        return []
    header, body = lines[0], lines[1:]
    for number, line in enumerate(body, start=2):
        if len(line) != len(header):
            raise InputError(
                f"{file.relative_path}: not a readable CSV file (row {number} has {len(line)} fields, "
                f"the header {len(header)})"
            )
    return [dict(zip(header, line)) for line in body]


def _sniff_delimiter(text: str) -> str:
    # Spreadsheets in many locales save ";"-separated ".csv" files: pick the separator the header uses most.
    header = text.split("\n", 1)[0]
    best, best_count = ",", 0
    for candidate in (",", ";", "\t", "|"):
        count = header.count(candidate)
        if count > best_count:
            best, best_count = candidate, count
    return best


def _read_json_lines(text: str, file: DataFile) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{file.relative_path}:{number}: not valid JSON ({err.msg})") from None
        if not isinstance(value, dict):
            raise InputError(f"{file.relative_path}:{number}: expected a JSON object per line")
        rows.append(value)
    return rows


def _read_json(text: str, file: DataFile) -> list[dict[str, Any]]:
    """An array of objects, an object holding one such array, or JSON Lines (`datasets`' to_json)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return _read_json_lines(text, file)
    if isinstance(value, list):
        arrays = [value]
    else:
        arrays = [v for v in value.values() if isinstance(v, list)] if isinstance(value, dict) else []
    if len(arrays) == 1 and all(isinstance(row, dict) for row in arrays[0]):
        return arrays[0]
    raise InputError(
        f"{file.relative_path}: expected JSON Lines, an array of objects, or an object holding one array of objects"
    )


def _read_parquet(file: DataFile) -> Table:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(file.path)
    except Exception as err:  # noqa: BLE001 - any reader failure is a file we cannot use
        raise InputError(f"{file.relative_path}: not a readable Parquet file ({err})") from None
    return Table(file, list(table.column_names), table.to_pylist(), _class_labels(table.schema.metadata or {}))


def _class_labels(metadata: dict[bytes, bytes]) -> dict[str, list[str]]:
    """`datasets` stores its features under the `huggingface` key; a ClassLabel lists its names there."""
    raw = metadata.get(b"huggingface")
    if not raw:
        return {}
    try:
        features = json.loads(raw).get("info", {}).get("features")
    except (ValueError, AttributeError):
        return {}  # metadata we cannot read only costs us the label names
    out: dict[str, list[str]] = {}
    if isinstance(features, dict):
        for column, feature in features.items():
            names = feature.get("names") if isinstance(feature, dict) else None
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                out[column] = names
    return out


# -------------------------------------------------------------------------------------------- columns


def _find(columns: list[str], wanted: str) -> str | None:
    return next((c for c in columns if c.lower() == wanted.lower()), None)


def _list_columns(table: Table) -> str:
    return ", ".join(f'"{c}"' for c in table.columns) if table.columns else "(none)"


def require_column(table: Table, column: str, param: str) -> str:
    if column in table.columns:
        return column
    raise InputError(
        f'{table.file.relative_path}: column "{column}" (RETRAIN_PARAMS.{param}) not found; '
        f"columns are {_list_columns(table)}"
    )


def choose_label_column(table: Table, override: str | None) -> str:
    if override is not None:
        return require_column(table, override, "label_column")
    for wanted in LABEL_COLUMNS:
        column = _find(table.columns, wanted)
        if column is None:
            continue
        # Integer codes next to their names (`label` + `label_text`): train on the names.
        if column not in table.class_labels:
            named = _find(table.columns, f"{column}_text") or _find(table.columns, f"{column}_name")
            if named is not None:
                return named
        return column
    raise InputError(
        f"{table.file.relative_path}: no label column found; columns are {_list_columns(table)}. "
        f"Expected one of {', '.join(LABEL_COLUMNS)}, or name it with RETRAIN_PARAMS.label_column"
    )


def choose_text_columns(table: Table, label: str, override: str | list[str] | None) -> list[str]:
    if override is not None:
        names = [override] if isinstance(override, str) else override
        return [require_column(table, c, "text_column") for c in names]
    for wanted in TEXT_COLUMNS:
        column = _find(table.columns, wanted)
        if column is not None and column != label:
            return [column]
    for pair in TEXT_PAIRS:
        columns = [_find(table.columns, wanted) for wanted in pair]
        if all(c is not None for c in columns):
            return [c for c in columns if c is not None]
    longest = _longest_string_column(table, label)
    if longest is not None:
        return [longest]
    raise InputError(
        f"{table.file.relative_path}: no text column found; columns are {_list_columns(table)}. "
        f"Expected one of {', '.join(TEXT_COLUMNS)}, or name it with RETRAIN_PARAMS.text_column"
    )


def _longest_string_column(table: Table, label: str) -> str | None:
    """Unknown schema: the string column with the longest values is the text far more often than not."""
    sample = table.rows[:200]
    best, best_length = None, 0
    for column in table.columns:
        if column == label:
            continue
        values = [row.get(column) for row in sample]
        if not all(v is None or isinstance(v, str) for v in values):
            continue
        length = sum(len(v) for v in values if isinstance(v, str))
        if length > best_length:
            best, best_length = column, length
    return best


def choose_image_column(table: Table, label: str, override: str | None) -> str:
    if override is not None:
        return require_column(table, override, "image_column")
    for wanted in IMAGE_COLUMNS:
        column = _find(table.columns, wanted)
        if column is not None and column != label:
            return column
    # The Hub's Image feature is a struct {bytes, path}, whatever the column is called.
    first = table.rows[0] if table.rows else {}
    for column in table.columns:
        value = first.get(column)
        if isinstance(value, (bytes, bytearray)) or (isinstance(value, dict) and "bytes" in value):
            return column
    raise InputError(
        f"{table.file.relative_path}: no image column found; columns are {_list_columns(table)}. "
        f"Expected a column of images ({{bytes, path}}) or file names ({', '.join(IMAGE_COLUMNS)}), "
        "or name it with RETRAIN_PARAMS.image_column"
    )


def require_same_column(table: Table, column: str, first: Table) -> None:
    if column in table.columns:
        return
    raise InputError(
        f'{table.file.relative_path}: column "{column}" (read from {first.file.relative_path}) is missing; '
        f"columns are {', '.join(f'{chr(34)}{c}{chr(34)}' for c in table.columns)}"
    )


# --------------------------------------------------------------------------------------------- values


def label_of(value: Any, names: list[str] | None, where: Callable[[], str]) -> str | None:
    """A cell as a class name, or None for an unlabelled row (empty, null, or the Hub's hidden-test -1)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)):
        if value == -1:
            return None
        if names is not None and float(value).is_integer() and 0 <= int(value) < len(names):
            return names[int(value)]
        return _number_text(value)
    raise InputError(
        f"{where()}: the label is {'a list' if isinstance(value, list) else 'not a single value'}; "
        "these trainers do single-label classification (name another column with RETRAIN_PARAMS.label_column)"
    )


def _number_text(value: int | float) -> str:
    # As JavaScript's String(n) spells it, so both trainers name the classes alike: 1.0 is "1".
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def text_of(value: Any, where: Callable[[], str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    raise InputError(f"{where()}: expected text, found {_describe(value)}")


def _describe(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else f"a {type(value).__name__}"


# -------------------------------------------------------------------------------------------- loaders


def load_text_dataset(root: str, params: dict[str, Any]) -> LoadedDataset:
    tables, _, other = scan_dataset(root)
    if not tables:
        raise InputError(
            f"no data files in {root}: expected CSV, TSV, JSON Lines, JSON or Parquet files "
            f"(train.csv, data/train-00000-of-00001.parquet, train/part.jsonl, ...){found_note(other)}"
        )

    def text_in(row: dict[str, Any], columns: list[str], _: DataFile, where: Callable[[], str]) -> str | None:
        parts = [t for t in (text_of(row.get(c), where) for c in columns) if t is not None]
        return "\n".join(parts) if parts else None

    return _examples_from_tables(
        tables,
        params,
        inputs=lambda table, label: choose_text_columns(table, label, params.get("text_column")),
        input_of=text_in,
        kind="text",
    )


def load_image_dataset(root: str, params: dict[str, Any]) -> LoadedDataset:
    tables, images, other = scan_dataset(root)
    if tables:
        return _images_from_tables(tables, params)
    if images:
        return _images_from_folders(images)
    raise InputError(
        f"no images in {root}: expected image folders (train/<label>/*.jpg|png) or Parquet files with an image "
        f"column{found_note(other)}"
    )


def _images_from_folders(images: list[DataFile]) -> LoadedDataset:
    unlabelled = next((image for image in images if "/" not in image.relative_path), None)
    if unlabelled is not None:
        raise InputError(
            f"{unlabelled.relative_path}: an image outside any folder has no label; expected <label>/image.jpg "
            "or train/<label>/image.jpg"
        )
    # The folder holding an image is its label; the split comes from the folders above it.
    by_split, ignored = assign_splits(
        images, lambda image: split_of_path(os.path.dirname(image.relative_path), folder_only=True)
    )
    out = LoadedDataset(ignored_files=[f.relative_path for f in ignored])
    for split, files in by_split.items():
        out.splits[split] = [Example({"path": f.path}, f.relative_path.split("/")[-2]) for f in files]
        out.files[split] = list(dict.fromkeys(os.path.dirname(os.path.dirname(f.relative_path)) for f in files))
        out.skipped_rows[split] = 0
    return out


def _images_from_tables(tables: list[DataFile], params: dict[str, Any]) -> LoadedDataset:
    return _examples_from_tables(
        tables,
        params,
        inputs=lambda table, label: [choose_image_column(table, label, params.get("image_column"))],
        input_of=lambda row, columns, file, where: _image_of(row.get(columns[0]), file, where),
        kind="image",
    )


def _examples_from_tables(
    tables: list[DataFile],
    params: dict[str, Any],
    inputs: Callable[[Table, str], list[str]],
    input_of: Callable[[dict[str, Any], list[str], DataFile, Callable[[], str]], Any],
    kind: str,
) -> LoadedDataset:
    """
    Labelled examples from tables: the first file read (train's first) decides the label and input columns, every
    other file must have the inputs, and a file without the label column is unlabelled (a Kaggle-style test.csv).
    """
    by_split, ignored = assign_splits(tables, lambda t: split_of_path(t.relative_path))
    out = LoadedDataset(ignored_files=[t.relative_path for t in ignored])
    chosen: tuple[Table, str, list[str]] | None = None
    for split, files in by_split.items():
        examples = out.splits.setdefault(split, [])
        out.files[split] = []
        skipped = 0
        for file in files:
            table = read_table(file)
            out.files[split].append(file.relative_path)
            if chosen is None:
                label = choose_label_column(table, params.get("label_column"))
                chosen = (table, label, inputs(table, label))
            first, label_column, input_columns = chosen
            for column in input_columns:
                require_same_column(table, column, first)
            labelled = label_column in table.columns
            names = table.class_labels.get(label_column)
            for i, row in enumerate(table.rows):
                where = lambda i=i, file=file: f"{file.relative_path}: row {i + 1}"  # noqa: E731
                label = label_of(row.get(label_column), names, where) if labelled else None
                value = input_of(row, input_columns, file, where)
                if label is None or value is None:
                    skipped += 1
                else:
                    examples.append(Example(value, label))
        out.skipped_rows[split] = skipped
    if chosen is not None:
        out.columns = {kind: "+".join(chosen[2]), "label": chosen[1]}
    return out


def _image_of(value: Any, table: DataFile, where: Callable[[], str]) -> dict[str, Any] | None:
    """A cell of the image column: `{bytes, path}` (the Hub's Image feature), raw bytes, or a file name."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": bytes(value), "name": where()}
    if isinstance(value, dict):
        data, path = value.get("bytes"), value.get("path")
        if isinstance(data, (bytes, bytearray)):
            return {"bytes": bytes(data), "name": path if isinstance(path, str) else where()}
        if isinstance(path, str):
            return _image_file(path, table, where)
        return None
    if isinstance(value, str):
        return _image_file(value, table, where) if value.strip() else None
    raise InputError(f"{where()}: expected an image ({{bytes, path}}, bytes or a file name), found {_describe(value)}")


def _image_file(name: str, table: DataFile, where: Callable[[], str]) -> dict[str, Any]:
    path = os.path.join(os.path.dirname(table.path), name)
    if not os.path.exists(path):
        raise InputError(f'{where()}: image file "{name}" not found next to {table.relative_path}')
    return {"path": path}


def load_dataset_for(task: str, root: str, params: dict[str, Any]) -> LoadedDataset:
    return load_text_dataset(root, params) if task == "text-classification" else load_image_dataset(root, params)
