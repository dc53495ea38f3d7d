"""
Which files of a dataset folder feed which split, and how the packaged `datasets` builder reads them. The folder
goes through `load_dataset_builder`, so the splits, the builder (csv, json, parquet, imagefolder and its
metadata file) and the files it ignores are what the Hub's data-files rules make of it: what the dataset viewer
and AutoTrain read from the same repository. Each split is then loaded with `load_dataset` into memory-mapped
Arrow in the datasets cache (HF_DATASETS_CACHE): a new revision is new files and so a new cache entry, and a
second run of the same revision reads it back.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from typing import Any, Callable

from .columns import Table, require_same_column
from .contract import InputError

SPLITS = ("train", "validation", "test")
# Files that can hold rows or images: those a folder holds but no split uses are reported as ignored.
DATA_EXTENSIONS = {".csv", ".tsv", ".jsonl", ".json", ".parquet", ".jpg", ".jpeg", ".png", ".webp", ".gif"}
DATA_EXTENSIONS |= {".tif", ".tiff", ".avif", ".bmp"}
# What `datasets` writes next to the data (save_to_disk, old Hub repos), and the imagefolder's metadata files.
METADATA_FILES = {"dataset_info.json", "dataset_infos.json", "dataset_dict.json", "state.json"}
IMAGEFOLDER_METADATA = {"metadata.csv", "metadata.jsonl", "metadata.parquet"}


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
        raise InputError(f"{where_of(found, files)}: `datasets` cannot read it ({detail})") from None


def where_of(found: Resolved, files: list[str]) -> str:
    data = [found.rel(f) for f in files]
    return data[0] if len(data) == 1 else f"{data[0]} (and {len(data) - 1} more files)"
