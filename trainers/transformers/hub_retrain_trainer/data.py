"""
A run's dataset as the trainer uses it: per split, the labelled rows as a memory-mapped `datasets.Dataset` of
two columns, `input` (a text, or an image struct) and `label` (a class name), made in batches from what
data_files.py loads, by the column rules of columns.py. No split is ever held in Python lists.
"""

from __future__ import annotations

import os
from collections import Counter
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
from .data_files import IMAGEFOLDER_METADATA, SPLITS, Resolved, load_split, resolve, where_of

TABLE_MODULES = ("csv", "json", "parquet")
IMAGE_MODULES = ("imagefolder", *TABLE_MODULES)
BATCH = 1000
LABEL_BATCH = 100_000


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
    """Every row's label in a list: for the evaluation rows only (their truth), never the training split."""
    return rows.labels if isinstance(rows, Rows) else [row.label for row in rows]


def _label_batches(rows: Rows) -> Iterator[Any]:
    """The label column as Arrow arrays of LABEL_BATCH rows, read from the memory-mapped file."""
    for batch in rows.table.select_columns(["label"]).with_format("arrow").iter(batch_size=LABEL_BATCH):
        yield batch["label"]


def label_counts(rows: Sequence[Example]) -> dict[str, int]:
    """Rows per label, counted by Arrow (`value_counts`) a batch at a time: memory follows the classes, not the rows."""
    counts: Counter[str] = Counter()
    if not isinstance(rows, Rows):
        counts.update(row.label for row in rows)
        return dict(counts)
    import pyarrow.compute as pc

    for column in _label_batches(rows):
        for item in pc.value_counts(column).to_pylist():
            counts[item["values"]] += item["counts"]
    return dict(counts)


def label_codes(rows: Sequence[Example], labels: list[str]) -> Any:
    """Each row's label as its index in `labels`: a numpy int32 array, 4 bytes a row (no list of strings)."""
    import numpy as np

    if not isinstance(rows, Rows):
        index = {label: i for i, label in enumerate(labels)}
        return np.fromiter((index[row.label] for row in rows), dtype=np.int32, count=len(rows))
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [
        pc.index_in(column, value_set=pa.array(labels).cast(column.type)).to_numpy(zero_copy_only=False)
        for column in _label_batches(rows)
    ]
    return np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, dtype=np.int32)


def take(rows: Sequence[Example], indices: Any) -> Sequence[Example]:
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

    def value(row: dict[str, Any], columns: list[str], where: Callable[[], str], *_: str) -> str | None:
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
                parents = (os.path.dirname(os.path.dirname(found.rel(p))) or "." for p in paths)
                out.files[split] = list(dict.fromkeys(parents))
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
    value_type = Image(decode=False) if kind == "image" else Value("string")
    features = Features({"input": value_type, "label": Value("string")})
    chosen: tuple[Table, str, list[str]] | None = None
    for split, files in found.splits.items():
        data = [f for f in files if os.path.basename(f) not in IMAGEFOLDER_METADATA] or files
        tables = [f for f in files if os.path.basename(f) in IMAGEFOLDER_METADATA] or data
        out.files[split] = [found.rel(f) for f in (tables if found.module == "imagefolder" else data)]
        where = where_of(found, tables)
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
                item = value(row, input_columns, at, folder, table_name)
                if label is not None and item is not None:
                    kept["input"].append(item)
                    kept["label"].append(label)
            return kept

        if kind == "text" and all(dataset.features[c] == Value("string") for c in [label_column, *input_columns]):
            # Text and labels that are strings already (every CSV): the same rules, as Arrow compute on a batch.
            labelled = dataset.with_format("arrow").map(
                _StringRows(label_column, input_columns),
                batched=True,
                batch_size=10 * BATCH,
                remove_columns=dataset.column_names,
                features=features,
                desc=f"{split}: labelled rows",
            )
        else:
            labelled = dataset.map(
                rows,
                batched=True,
                batch_size=BATCH,
                with_indices=True,
                remove_columns=dataset.column_names,
                features=features,
                desc=f"{split}: labelled rows",
            )
        labelled = labelled.with_format(None)
        out.splits[split] = Rows(labelled)
        out.skipped_rows[split] = len(dataset) - len(labelled)
    if chosen is not None:
        out.columns = {kind: "+".join(chosen[2]), "label": chosen[1]}
    return out


class _StringRows:
    """
    label_of and text_of for string columns, on a whole Arrow batch: the label trimmed, a row kept when its label
    and one of its texts hold more than white space, the texts of a row joined by newlines.
    """

    def __init__(self, label: str, inputs: list[str]) -> None:
        self.label, self.inputs = label, inputs

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        def filled(column: Any) -> Any:
            return pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(column), ""), False)

        label = pc.utf8_trim_whitespace(batch.column(self.label))
        texts = [batch.column(c) for c in self.inputs]
        present = [filled(t) for t in texts]
        keep = filled(label)
        any_text = present[0]
        for more in present[1:]:
            any_text = pc.or_(any_text, more)
        keep = pc.and_(keep, any_text)
        if len(texts) == 1:
            text = texts[0]
        else:  # only the parts that hold text, as text_of and value do
            parts = [pc.if_else(p, t, pa.scalar(None, pa.string())) for p, t in zip(present, texts)]
            # A row with no text at all is dropped below; an empty first part keeps it in place until then (the
            # join skips all-null rows instead of answering null for them).
            parts[0] = pc.if_else(any_text, parts[0], "")
            text = pc.binary_join_element_wise(*parts, "\n", null_handling="skip")
        return pa.table({"input": pc.filter(text, keep), "label": pc.filter(label, keep)})


def _class_names(dataset: Any, column: str) -> list[str] | None:
    from datasets import ClassLabel

    feature = dataset.features.get(column)
    return list(feature.names) if isinstance(feature, ClassLabel) else None


def load_dataset_for(task: str, root: str, params: dict[str, Any]) -> LoadedDataset:
    return load_text_dataset(root, params) if task == "text-classification" else load_image_dataset(root, params)


def summary(task: str, root: str, params: dict[str, Any]) -> dict[str, Any]:
    """What the trainer would train on, in the shape of the baseline's `inspect` (trainers/inspect.ts)."""
    from .evaluation import choose_eval_split

    dataset = load_dataset_for(task, root, params)
    splits = {}
    for name in SPLITS:
        if name in dataset.splits:
            labels = label_counts(dataset.splits[name])
            splits[name] = {"rows": len(dataset.splits[name]), "labels": dict(sorted(labels.items()))}
    return {
        "task": task,
        "splits": splits,
        "eval_split": choose_eval_split(dataset, params["eval_fraction"], params["seed"]).source,
        "columns": dataset.columns,
        "files": dataset.files,
        "ignored_files": dataset.ignored_files,
        "skipped_rows": dataset.skipped_rows,
    }
