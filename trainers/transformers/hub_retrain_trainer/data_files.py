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
    # The builder `load_dataset_builder` made for the whole folder, prepared (written to Arrow) on first use.
    builder: Any = None
    prepared: bool = False

    def rel(self, path: str) -> str:
        prefix = os.path.join(self.root, "")
        # A prefix cut for the paths built from the root (os.path.relpath costs more than the rest, per image).
        shown = path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, self.root)
        return shown.replace(os.sep, "/")


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


def _card_names_files(root: str) -> bool:
    """Whether the dataset card (README.md's YAML) or .huggingface.yaml lists its own `configs` and data files."""
    if os.path.exists(os.path.join(root, ".huggingface.yaml")):
        return True
    try:
        with open(os.path.join(root, "README.md"), encoding="utf-8") as handle:
            head = handle.read(65536)
    except (OSError, UnicodeDecodeError):
        return False
    return head.startswith("---") and "\nconfigs:" in head.split("\n---", 1)[0]


def _split_files(root: str, files: list[str]) -> dict[str, list[str]]:
    """
    The files of each split by `datasets`' own patterns and order (`_get_data_files_patterns`: the Hub's sharded
    names, then folder names, then file names, then everything as train), matched against the folder's file list
    walked once, where `datasets` globs the tree again for each of its 46 patterns (a minute for 20,000 images).
    """
    import re

    from datasets.data_files import FILES_TO_IGNORE, _get_data_files_patterns
    from datasets.load import _ALL_ALLOWED_EXTENSIONS
    from fsspec.utils import glob_translate

    candidates = [f for f in files if os.path.basename(f) not in FILES_TO_IGNORE]

    def matching(pattern: str) -> list[str]:
        regex = re.compile(glob_translate(pattern))
        found = [f for f in candidates if regex.match(f)]
        if not found:
            raise FileNotFoundError(pattern)
        return found

    try:
        patterns = _get_data_files_patterns(matching)
    except FileNotFoundError:
        return {}
    out: dict[str, list[str]] = {}
    for split, split_patterns in patterns.items():
        chosen: set[str] = set()
        for pattern in split_patterns:
            try:
                chosen.update(matching(pattern))
            except FileNotFoundError:
                continue
        usable = [f for f in chosen if any(f".{x}" in _ALL_ALLOWED_EXTENSIONS for x in f.split("/")[-1].split(".")[1:])]
        if usable:
            out[split] = [os.path.join(root, f) for f in sorted(usable)]
    return out


def _builder(root: str, files: list[str]) -> Any:
    """`load_dataset_builder` for the folder: on the files of each split, or the folder itself when its card says."""
    import datasets
    from datasets.data_files import DataFilesList, _get_origin_metadata
    from datasets.load import infer_module_for_data_files
    from datasets.packaged_modules import (
        _MODULE_TO_EXTENSIONS,
        _MODULE_TO_METADATA_EXTENSIONS,
        _MODULE_TO_METADATA_FILE_NAMES,
    )

    if _card_names_files(root):
        return datasets.load_dataset_builder(root)
    by_split = _split_files(root, files)
    if not by_split:
        raise FileNotFoundError(root)
    module, options = infer_module_for_data_files(by_split)
    if module is None:
        raise FileNotFoundError(root)
    # As load_dataset(root) does: only the files the chosen builder reads, and its metadata files.
    extensions = _MODULE_TO_EXTENSIONS[module] + _MODULE_TO_METADATA_EXTENSIONS[module]
    names = _MODULE_TO_METADATA_FILE_NAMES[module]

    def reads(path: str) -> bool:
        name = os.path.basename(path)
        return name in names or any(f".{x}" in extensions for x in name.split(".")[1:])

    data_files = {
        # Resolved already: a DataFilesList is taken as it is, where a list of paths would be globbed path by path.
        split: DataFilesList(kept, _get_origin_metadata(kept))
        for split, paths in by_split.items()
        if (kept := [p for p in paths if reads(p)])
    }
    return datasets.load_dataset_builder(module, data_files=data_files, **options)


def resolve(root: str, modules: tuple[str, ...], missing: Callable[[str], InputError]) -> Resolved:
    """The builder and the files of each split, as `datasets` (and so the Hub) resolves them for this folder."""
    if not os.path.isdir(root):
        raise InputError(f"the dataset folder {root} does not exist or cannot be read")
    import datasets

    datasets.disable_progress_bars()
    files = _folder_files(root)
    try:
        builder = _builder(root, files)
    except FileNotFoundError:  # EmptyDatasetError: no data files at all
        raise missing(found_note(files)) from None
    if builder.name not in modules:
        raise missing(found_note(files))
    data_files = builder.config.data_files or {}
    splits = {s: sorted(str(f) for f in data_files[s]) for s in SPLITS if s in data_files}
    found = Resolved(root, builder.name, splits, [], builder)
    used = {found.rel(f) for paths in splits.values() for f in paths}
    found.ignored = [
        f
        for f in files
        if f not in used
        and os.path.splitext(f)[1].lower() in DATA_EXTENSIONS
        and os.path.basename(f) not in METADATA_FILES
    ]
    return found


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
    options = {s: _builder_options(found, found.module, f) for s, f in found.splits.items()}
    try:
        if any(options.values()):  # options of the files (a CSV separator, a JSON field): a builder per split
            return datasets.load_dataset(found.module, data_files={split: files}, split=split, **options[split])
        # The folder's own builder, as load_dataset(root) runs it (its files are not resolved a second time).
        if not found.prepared:
            found.builder.download_and_prepare()
            found.prepared = True
        return found.builder.as_dataset(split=split)
    except (datasets.exceptions.DatasetGenerationError, ValueError, pa.ArrowException, UnicodeDecodeError) as err:
        # The builder prepares every split at once: the file at fault may be another split's.
        others = [f for paths in found.splits.values() for f in paths if f not in files]
        for path in files + others:
            _check_file(found, path, options.get(split) or {})
        cause = err.__cause__ or err
        detail = str(cause).strip().split("\n", 1)[0]
        kind = {"csv": "CSV", "json": "JSON", "parquet": "Parquet"}.get(found.module, "data")
        raise InputError(f"{where_of(found, files)}: not a readable {kind} file ({detail})") from None


def _check_file(found: Resolved, path: str, options: dict[str, Any]) -> None:
    """
    The file and line `datasets` stopped at, in the words the baseline uses (trainers/data/read-table.ts): its
    errors name neither. Run only once a load failed, a file at a time, streaming (memory stays small).
    """
    shown = found.rel(path)
    name = os.path.basename(path)
    if (found.module == "csv" and name not in IMAGEFOLDER_METADATA) or name == "metadata.csv":
        _check_csv(path, shown, options.get("sep") or ("\t" if path.lower().endswith(".tsv") else ","))
    elif found.module == "json" or name == "metadata.jsonl":
        if "field" not in options:
            _check_json_lines(path, shown)  # an array document (`[...]`) fails at its first line too
    elif found.module == "parquet" or name == "metadata.parquet":
        _check_parquet(path, shown)


def _check_csv(path: str, shown: str, sep: str) -> None:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=sep, strict=True)
            header: list[str] | None = None
            for line in reader:
                if not any(cell != "" for cell in line):
                    continue
                if header is None:
                    header = line
                elif len(line) != len(header):
                    raise InputError(
                        f"{shown}: not a readable CSV file (line {reader.line_num} has {len(line)} fields, "
                        f"the header {len(header)})"
                    )
    except csv.Error as err:
        raise InputError(f"{shown}: not a readable CSV file ({err})") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{shown}: not UTF-8 text ({err.reason})") from None


def _check_json_lines(path: str, shown: str) -> None:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(f"{shown}:{number}: not valid JSON ({err.msg})") from None
                if not isinstance(value, dict):
                    raise InputError(f"{shown}:{number}: expected a JSON object per line")
    except UnicodeDecodeError as err:
        raise InputError(f"{shown}: not UTF-8 text ({err.reason})") from None


def _check_parquet(path: str, shown: str) -> None:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
        for group in range(file.num_row_groups):
            file.read_row_group(group)
    except Exception as err:  # noqa: BLE001 - any reader failure is a file we cannot use
        raise InputError(f"{shown}: not a readable Parquet file ({err})") from None


def where_of(found: Resolved, files: list[str]) -> str:
    data = [found.rel(f) for f in files]
    return data[0] if len(data) == 1 else f"{data[0]} (and {len(data) - 1} more files)"
