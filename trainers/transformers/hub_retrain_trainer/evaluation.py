"""Which rows evaluate the model, and the metrics the baseline reports (trainers/core/metrics.ts), alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from .contract import InputError
from .data import Example, LoadedDataset, label_codes, label_counts, take


@dataclass
class EvalSplit:
    # Lists, or Rows: index mappings over the split's Arrow file.
    train: Sequence[Example]
    eval: Sequence[Example]
    # `validation`, `test`, or `train (seeded 20% hold-out)`.
    source: str


def choose_eval_split(dataset: LoadedDataset, eval_fraction: float, seed: int) -> EvalSplit:
    """The dataset's validation split when it has labelled rows, else test, else a stratified seeded hold-out."""
    train = dataset.splits.get("train", [])
    if not len(train):
        found = [f"{name}: {len(rows)} labelled rows" for name, rows in dataset.splits.items()]
        raise InputError(
            f"no labelled training rows ({', '.join(found) if found else 'no splits found'}); "
            "expected a train split (train.csv, train/..., or files that name no split)"
        )
    for name in ("validation", "test"):
        rows = dataset.splits.get(name, [])
        if len(rows):
            return EvalSplit(train, rows, name)
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = sorted(label_counts(train))
    # Row numbers grouped by label, in numpy arrays (8 bytes a row), not a Python list per class.
    codes = label_codes(train, labels)
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes, minlength=len(labels)))
    kept: list[Any] = []
    held: list[Any] = []
    for start, end in zip([0, *ends[:-1]], ends):
        group = order[start:end]
        rng.shuffle(group)
        # A class with a single row stays in train: the model cannot learn a class it never sees.
        count = 0 if len(group) < 2 else max(1, round(len(group) * eval_fraction))
        held.append(group[:count])
        kept.append(group[count:])
    held_rows = np.sort(np.concatenate(held))
    if not len(held_rows):
        raise InputError(f"too few training rows ({len(train)}) to hold out an evaluation split")
    # In file order: the rows are read from disk in runs, not at random.
    source = f"train (seeded {round(eval_fraction * 100)}% hold-out)"
    return EvalSplit(take(train, np.sort(np.concatenate(kept))), take(train, held_rows), source)


def class_labels(train_labels: Mapping[str, int] | Sequence[str]) -> list[str]:
    """The classes of the training rows, given as their labels or as rows per label (data.label_counts)."""
    counts = train_labels if isinstance(train_labels, Mapping) else Counter(train_labels)
    rows = sum(counts.values())
    labels = sorted(counts)
    if len(labels) < 2:
        what = "no labels" if not labels else f'one class only ("{labels[0]}")'
        raise InputError(f"the training rows hold {what}; a classifier needs at least two")
    # A float or id column picked as the label gives a class per row: that is not a classification dataset.
    if len(labels) > 20 and len(labels) > rows / 2:
        raise InputError(
            f"the label column has {len(labels)} distinct values in {rows} rows; "
            "expected class names (name the right column with RETRAIN_PARAMS.label_column)"
        )
    return labels


def evaluate(train: Mapping[str, int] | Sequence[str], truth: list[str], predicted: list[str]) -> dict[str, Any]:
    """
    `train`: the training rows per label (data.label_counts), or their labels.
    Accuracy and macro F1 (scikit-learn's, over the classes in the truth or the predictions), per-class counts,
    the confusion matrix and the majority-class baseline: the baseline trainer's metrics.json keys.
    """
    if not truth or len(truth) != len(predicted):
        raise ValueError("expected as many predictions as evaluation rows, and at least one")
    train_counts = Counter(train)  # a mapping's counts, or a list's labels counted
    labels = sorted(set(train_counts) | set(truth) | set(predicted))
    # Ties go to the first label in sorted order, so the baseline is reproducible.
    baseline_label = min(train_counts, key=lambda label: (-train_counts[label], label))
    baseline = [baseline_label] * len(truth)
    matrix = confusion_matrix(truth, predicted, labels=labels).tolist()
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_class = {
        label: {
            "train_rows": train_counts.get(label, 0),
            "support": int(support[i]),
            "predicted": sum(row[i] for row in matrix),
            "correct": matrix[i][i],
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
        }
        for i, label in enumerate(labels)
    }
    return {
        "accuracy": accuracy(truth, predicted),
        "macro_f1": macro_f1(truth, predicted),
        "baseline_accuracy": accuracy(truth, baseline),
        "baseline_macro_f1": macro_f1(truth, baseline),
        "baseline_label": baseline_label,
        "eval_rows": len(truth),
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": matrix},
    }


def accuracy(truth: list[Any], predicted: list[Any]) -> float:
    return float(accuracy_score(truth, predicted))


def macro_f1(truth: list[Any], predicted: list[Any]) -> float:
    return float(f1_score(truth, predicted, average="macro", zero_division=0))
