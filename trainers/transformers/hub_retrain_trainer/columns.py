"""
Which columns are the label and the input, and how a cell becomes a class name or a text: the TypeScript
baseline's rules (trainers/data/columns.ts, values.ts; trainers/README.md, "Dataset layouts") with its error
messages. `datasets` reads the files (data.py); this module only decides what the rows mean.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from .contract import InputError

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
class Table:
    """What the column rules look at: a split's first file, its columns, and a sample of its first rows."""

    where: str
    columns: list[str]
    sample: list[dict[str, Any]] = field(default_factory=list)
    # Label names of integer class columns (a `ClassLabel` feature: Hub Parquet metadata, image folder names).
    class_labels: dict[str, list[str]] = field(default_factory=dict)
    # Columns `datasets` reads as images (its `Image` feature).
    image_columns: list[str] = field(default_factory=list)


def _find(columns: list[str], wanted: str) -> str | None:
    return next((c for c in columns if c.lower() == wanted.lower()), None)


def _list_columns(table: Table) -> str:
    return ", ".join(f'"{c}"' for c in table.columns) if table.columns else "(none)"


def require_column(table: Table, column: str, param: str) -> str:
    if column in table.columns:
        return column
    raise InputError(
        f'{table.where}: column "{column}" (RETRAIN_PARAMS.{param}) not found; columns are {_list_columns(table)}'
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
        f"{table.where}: no label column found; columns are {_list_columns(table)}. "
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
        f"{table.where}: no text column found; columns are {_list_columns(table)}. "
        f"Expected one of {', '.join(TEXT_COLUMNS)}, or name it with RETRAIN_PARAMS.text_column"
    )


def _longest_string_column(table: Table, label: str) -> str | None:
    """Unknown schema: the string column with the longest values is the text far more often than not."""
    best, best_length = None, 0
    for column in table.columns:
        if column == label:
            continue
        values = [row.get(column) for row in table.sample]
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
    if table.image_columns:
        return table.image_columns[0]
    first = table.sample[0] if table.sample else {}
    for column in table.columns:
        value = first.get(column)
        if isinstance(value, (bytes, bytearray)) or (isinstance(value, dict) and "bytes" in value):
            return column
    raise InputError(
        f"{table.where}: no image column found; columns are {_list_columns(table)}. "
        f"Expected a column of images ({{bytes, path}}) or file names ({', '.join(IMAGE_COLUMNS)}), "
        "or name it with RETRAIN_PARAMS.image_column"
    )


def require_same_column(where: str, columns: list[str], column: str, first: Table) -> None:
    if column in columns:
        return
    raise InputError(
        f'{where}: column "{column}" (read from {first.where}) is missing; '
        f"columns are {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}"
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
        if value == -1 or value != value:  # -1, and NaN (a missing number)
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
        return None if value != value else _number_text(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    raise InputError(f"{where()}: expected text, found {_describe(value)}")


def image_of(value: Any, folder: str, table: str, where: Callable[[], str]) -> dict[str, Any] | None:
    """
    A cell of the image column as `datasets`' Image struct: `{bytes, path}` as it is, raw bytes, or a file name
    relative to the table's folder (an imagefolder metadata file), which must exist.
    """
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": bytes(value), "path": None}
    if isinstance(value, dict):
        data, path = value.get("bytes"), value.get("path")
        if isinstance(data, (bytes, bytearray)):
            return {"bytes": bytes(data), "path": path if isinstance(path, str) else None}
        if isinstance(path, str) and path:
            return _image_file(path, folder, table, where)
        return None
    if isinstance(value, str):
        return _image_file(value, folder, table, where) if value.strip() else None
    raise InputError(f"{where()}: expected an image ({{bytes, path}}, bytes or a file name), found {_describe(value)}")


def _image_file(name: str, folder: str, table: str, where: Callable[[], str]) -> dict[str, Any]:
    path = name if os.path.isabs(name) else os.path.join(folder, name)
    if not os.path.exists(path):
        shown = os.path.relpath(path, folder) if os.path.isabs(name) else name
        raise InputError(f'{where()}: image file "{shown}" not found next to {table}')
    return {"bytes": None, "path": path}


def _describe(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else f"a {type(value).__name__}"
