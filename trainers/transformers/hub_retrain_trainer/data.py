"""
Reads a run's dataset folder with `datasets`. `load_dataset_builder` resolves the data files, their splits and
the packaged builder (csv, json, parquet, imagefolder with its metadata file) by the Hub's data-files rules, as
the dataset viewer and AutoTrain read the same repository. Each split is loaded with `load_dataset` into
memory-mapped Arrow in the datasets cache (HF_DATASETS_CACHE; a new revision is new files, so a new cache entry,
and a run of the same revision again reads it back), then reduced in batches to two columns, `input` and `label`
(a class name), by the column rules of columns.py. No split is ever held in Python lists.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from .columns import (
    Table,
    choose_image_column,
    choose_label_column,
    choose_text_columns,
    image_of,
    label_of,
    require_same_column,
    text_of,
)
from .contract import InputError

SPLITS = ("train", "validation", "test")
TABLE_MODULES = ("csv", "json", "parquet")
IMAGE_MODULES = ("imagefolder", *TABLE_MODULES)
# Files that can hold rows or images: those a folder holds but no split uses are reported as ignored.
DATA_EXTENSIONS = {".csv", ".tsv", ".jsonl", ".json", ".parquet", ".jpg", ".jpeg", ".png", ".webp", ".gif"}
DATA_EXTENSIONS |= {".tif", ".tiff", ".avif", ".bmp"}
# What `datasets` writes next to the data (save_to_disk, old Hub repos) and the imagefolder's metadata files.
METADATA_FILES = {"dataset_info.json", "dataset_infos.json", "dataset_dict.json", "state.json"}
IMAGEFOLDER_METADATA = {"metadata.csv", "metadata.jsonl", "metadata.parquet"}
BATCH = 1000


@dataclass
class Example:
    # Text, or an image as `datasets`' Image struct {"bytes", "path"}.
    input: Any
    label: str


class Rows(Sequence[Example]):
    """A split's labelled rows: a memory-mapped `datasets.Dataset` of `input` and `label`, read as Examples."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return Rows(self.table.select(range(*index.indices(len(self)))))
        row = self.table[int(index)]
        return Example(row["input"], row["label"])

    def __iter__(self) -> Iterator[Example]:
        for batch in self.table.iter(batch_size=BATCH):
            for value, label in zip(batch["input"], batch["label"]):
                yield Example(value, label)

    @property
    def labels(self) -> list[str]:
        return self.table.select_columns(["label"]).with_format("arrow")[:]["label"].to_pylist()


def labels_of(rows: Sequence[Example]) -> list[str]:
    return rows.labels if isinstance(rows, Rows) else [row.label for row in rows]


def take(rows: Sequence[Example], indices: list[int]) -> Sequence[Example]:
    """The rows at `indices`: an index mapping over the same Arrow file, or a list."""
    return Rows(rows.table.select(indices)) if isinstance(rows, Rows) else [rows[i] for i in indices]


@dataclass
class LoadedDataset:
    splits: dict[str, Sequence[Example]] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    skipped_rows: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    # The packaged `datasets` builder that read the files (csv, json, parquet, imagefolder).
    builder: str = ""

    def detail(self) -> dict[str, Any]:
        """The `dataset` object of metrics.json, with the baseline's key names."""
        return {
            "files": self.files,
            "ignoredFiles": self.ignored_files,
            "skippedRows": self.skipped_rows,
            "columns": self.columns,
            "builder": self.builder,
        }


# ---------------------------------------------------------------------------------------------- files


@dataclass
class Resolved:
    root: str
    module: str
    splits: dict[str, list[str]]
    ignored: list[str]

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.root).replace(os.sep, "/")


def _folder_files(root: str) -> list[str]:
    """Files under `root` by relative path, hidden files and folders skipped, links followed (a cache snapshot)."""
    found: list[str] = []
    for folder, dirs, names in os.walk(root, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith(".") and os.path.isfile(os.path.join(folder, name)):
                found.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(found)


def found_note(other: list[str]) -> str:
    if not other:
        return "; the folder holds no files"
    shown = ", ".join(other[:8])
    return f"; found {shown}{f', ... ({len(other)} files)' if len(other) > 8 else ''}"


def resolve(root: str, modules: tuple[str, ...], missing: Callable[[str], InputError]) -> Resolved:
    """The builder and the files of each split, as `datasets` (and so the Hub) resolves them for this folder."""
    if not os.path.isdir(root):
        raise InputError(f"the dataset folder {root} does not exist or cannot be read")
    import datasets

    datasets.disable_progress_bars()
    files = _folder_files(root)
    try:
        builder = datasets.load_dataset_builder(root)
    except FileNotFoundError:  # EmptyDatasetError: no data files at all
        raise missing(found_note(files)) from None
    if builder.name not in modules:
        raise missing(found_note(files))
    data_files = builder.config.data_files or {}
    splits = {s: sorted(str(f) for f in data_files[s]) for s in SPLITS if s in data_files}
    used = {os.path.relpath(f, root).replace(os.sep, "/") for paths in splits.values() for f in paths}
    ignored = [
        f
        for f in files
        if f not in used
        and os.path.splitext(f)[1].lower() in DATA_EXTENSIONS
        and os.path.basename(f) not in METADATA_FILES
    ]
    return Resolved(root, builder.name, splits, ignored)


def _sniff_delimiter(header: str) -> str:
    # Spreadsheets in many locales save ";"-separated ".csv" files: pick the separator the header uses most.
    best, best_count = ",", 0
    for candidate in (",", ";", "\t", "|"):
        count = header.count(candidate)
        if count > best_count:
            best, best_count = candidate, count
    return best


def _first_line(path: str, shown: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.readline().rstrip("\r\n")
    except UnicodeDecodeError as err:
        raise InputError(f"{shown}: not UTF-8 text ({err.reason})") from None


def _builder_options(found: Resolved, module: str, files: list[str]) -> dict[str, Any]:
    """What the packaged builder needs to read these files as the baseline does."""
    from datasets import Features, Value

    data = [f for f in files if os.path.basename(f) not in IMAGEFOLDER_METADATA]
    if module == "csv" and data:
        first = _first_line(data[0], found.rel(data[0]))
        sep = "\t" if data[0].lower().endswith(".tsv") else _sniff_delimiter(first)
        header = next(csv.reader([first], delimiter=sep), [])
        for path in data[1:]:
            other = next(csv.reader([_first_line(path, found.rel(path))], delimiter=sep), [])
            for column in header:
                require_same_column(found.rel(path), other, column, Table(found.rel(data[0]), header))
        # Every cell a string, "NA" and "null" included, as the baseline's CSV reader gives them.
        features = Features({column: Value("string") for column in header})
        return {"sep": sep, "keep_default_na": False, "encoding": "utf-8-sig", "features": features}
    if module == "json" and data and data[0].lower().endswith(".json"):
        return _json_field(data[0], found.rel(data[0]))
    return {}


def _json_field(path: str, shown: str) -> dict[str, Any]:
    """A JSON document that is an object holding one array of objects: read that array (`field`)."""
    with open(path, encoding="utf-8-sig") as handle:
        first = handle.readline()
        try:
            value = json.loads(first)
            lines = bool(handle.read().strip())  # more objects after the first line: JSON Lines
        except json.JSONDecodeError:
            lines = False
            try:
                value = json.loads(first + handle.read())
            except json.JSONDecodeError as err:
                raise InputError(f"{shown}: not valid JSON ({err.msg})") from None
    if lines or not isinstance(value, dict):
        return {}
    arrays = [k for k, v in value.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
    if len(arrays) == 1 and not any(isinstance(v, list) for k, v in value.items() if k != arrays[0]):
        return {"field": arrays[0]}
    return {}  # one object: a single row of JSON Lines


def load_split(found: Resolved, split: str) -> Any:
    """One split as a memory-mapped `datasets.Dataset`, through the packaged builder."""
    import datasets
    import pyarrow as pa

    files = found.splits[split]
    options = _builder_options(found, found.module, files)
    try:
        return datasets.load_dataset(found.module, data_files={split: files}, split=split, **options)
    except (datasets.exceptions.DatasetGenerationError, ValueError, pa.ArrowException, UnicodeDecodeError) as err:
        cause = err.__cause__ or err
        detail = str(cause).strip().split("\n", 1)[0]
        raise InputError(f"{_where(found, files)}: `datasets` cannot read it ({detail})") from None


def _where(found: Resolved, files: list[str]) -> str:
    data = [found.rel(f) for f in files]
    return data[0] if len(data) == 1 else f"{data[0]} (and {len(data) - 1} more files)"


# -------------------------------------------------------------------------------------------- loaders


def _table(dataset: Any, where: str) -> Table:
    from datasets import ClassLabel, Image

    features = dataset.features
    images = [c for c, f in features.items() if isinstance(f, Image)]
    plain = _undecoded(dataset, images)
    return Table(
        where=where,
        columns=list(dataset.column_names),
        sample=plain.select(range(min(200, len(plain)))).to_list(),
        class_labels={c: list(f.names) for c, f in features.items() if isinstance(f, ClassLabel)},
        image_columns=images,
    )


def _undecoded(dataset: Any, columns: list[str]) -> Any:
    from datasets import Image

    for column in columns:
        dataset = dataset.cast_column(column, Image(decode=False))
    return dataset


def load_text_dataset(root: str, params: dict[str, Any]) -> LoadedDataset:
    found = resolve(
        root,
        TABLE_MODULES,
        lambda note: InputError(
            f"no data files in {root}: expected CSV, TSV, JSON Lines, JSON or Parquet files "
            f"(train.csv, data/train-00000-of-00001.parquet, train/part.jsonl, ...){note}"
        ),
    )

    def inputs(table: Table, label: str) -> list[str]:
        return choose_text_columns(table, label, params.get("text_column"))

    def value(row: dict[str, Any], columns: list[str], where: Callable[[], str]) -> str | None:
        parts = [t for t in (text_of(row[c], where) for c in columns) if t is not None]
        return "\n".join(parts) if parts else None

    return _labelled_splits(found, params, inputs, value, "text")


def load_image_dataset(root: str, params: dict[str, Any]) -> LoadedDataset:
    found = resolve(
        root,
        IMAGE_MODULES,
        lambda note: InputError(
            f"no images in {root}: expected image folders (train/<label>/*.jpg|png) or Parquet files with an "
            f"image column{note}"
        ),
    )
    metadata = [f for paths in found.splits.values() for f in paths if os.path.basename(f) in IMAGEFOLDER_METADATA]
    if found.module == "imagefolder" and not metadata:
        unlabelled = next((f for paths in found.splits.values() for f in paths if "/" not in found.rel(f)), None)
        if unlabelled is not None:
            raise InputError(
                f"{found.rel(unlabelled)}: an image outside any folder has no label; expected <label>/image.jpg "
                "or train/<label>/image.jpg"
            )

    def inputs(table: Table, label: str) -> list[str]:
        return [choose_image_column(table, label, params.get("image_column"))]

    def value(row: dict[str, Any], columns: list[str], where: Callable[[], str], folder: str, table: str) -> Any:
        return image_of(row[columns[0]], folder, table, where)

    out = _labelled_splits(found, params, inputs, value, "image")
    if found.module == "imagefolder":
        if metadata:  # the column as the metadata file names it (`datasets` reads `file_name` as `image`)
            out.columns["image"] = "file_name" if out.columns.get("image") == "image" else out.columns["image"]
        else:  # folders: the folder holding an image is its label, the split comes from the folders above
            out.columns = {}
            for split, paths in found.splits.items():
                out.files[split] = list(dict.fromkeys(os.path.dirname(os.path.dirname(found.rel(p))) for p in paths))
    return out


def _labelled_splits(
    found: Resolved,
    params: dict[str, Any],
    inputs: Callable[[Table, str], list[str]],
    value: Callable[..., Any],
    kind: str,
) -> LoadedDataset:
    """
    Labelled rows per split: train's first file decides the label and input columns, every other split must have
    the inputs, and a split without the label column is unlabelled (a Kaggle-style test.csv).
    """
    from datasets import Dataset, Features, Image, Value

    out = LoadedDataset(ignored_files=found.ignored, builder=found.module)
    features = Features({"input": Image(decode=False) if kind == "image" else Value("string"), "label": Value("string")})
    chosen: tuple[Table, str, list[str]] | None = None
    for split, files in found.splits.items():
        data = [f for f in files if os.path.basename(f) not in IMAGEFOLDER_METADATA] or files
        tables = [f for f in files if os.path.basename(f) in IMAGEFOLDER_METADATA] or data
        out.files[split] = [found.rel(f) for f in (tables if found.module == "imagefolder" else data)]
        where = _where(found, tables)
        dataset = load_split(found, split)
        if chosen is None:
            first = _table(dataset, where)
            label = choose_label_column(first, params.get("label_column"))
            chosen = (first, label, inputs(first, label))
        first, label_column, input_columns = chosen
        for column in input_columns:
            require_same_column(where, list(dataset.column_names), column, first)
        if label_column not in dataset.column_names:
            out.splits[split] = Rows(Dataset.from_dict({"input": [], "label": []}, features=features))
            out.skipped_rows[split] = len(dataset)
            continue
        names = _class_names(dataset, label_column)
        images = [c for c in input_columns if isinstance(dataset.features[c], Image)]
        dataset = _undecoded(dataset.select_columns(list(dict.fromkeys([label_column, *input_columns]))), images)
        folder = os.path.dirname(tables[0])
        table_name = found.rel(tables[0])

        def rows(batch: dict[str, list[Any]], indices: list[int]) -> dict[str, list[Any]]:
            kept: dict[str, list[Any]] = {"input": [], "label": []}
            for k, i in enumerate(indices):
                at = lambda i=i: f"{where}: row {i + 1}"  # noqa: E731
                row = {c: batch[c][k] for c in batch}
                label = label_of(row[label_column], names, at)
                if kind == "image":
                    item = value(row, input_columns, at, folder, table_name)
                else:
                    item = value(row, input_columns, at)
                if label is not None and item is not None:
                    kept["input"].append(item)
                    kept["label"].append(label)
            return kept

        labelled = dataset.map(
            rows,
            batched=True,
            batch_size=BATCH,
            with_indices=True,
            remove_columns=dataset.column_names,
            features=features,
            desc=f"{split}: labelled rows",
        )
        out.splits[split] = Rows(labelled)
        out.skipped_rows[split] = len(dataset) - len(labelled)
    if chosen is not None:
        out.columns = {kind: "+".join(chosen[2]), "label": chosen[1]}
    return out


def _class_names(dataset: Any, column: str) -> list[str] | None:
    from datasets import ClassLabel

    feature = dataset.features.get(column)
    return list(feature.names) if isinstance(feature, ClassLabel) else None


def load_dataset_for(task: str, root: str, params: dict[str, Any]) -> LoadedDataset:
    return load_text_dataset(root, params) if task == "text-classification" else load_image_dataset(root, params)
