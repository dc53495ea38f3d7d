from collections import Counter

import pytest
from sklearn.metrics import accuracy_score, f1_score

from hub_retrain_trainer.contract import InputError
from hub_retrain_trainer.data import Example, LoadedDataset
from hub_retrain_trainer.evaluation import choose_eval_split, class_labels, evaluate


def test_metrics_agree_with_scikit_learn():
    train = ["a"] * 5 + ["b"] * 3 + ["c"]
    truth = ["a", "a", "b", "b", "c", "c", "a"]
    predicted = ["a", "b", "b", "b", "a", "d", "a"]  # "d" only predicted: macro F1 counts it, as sklearn does
    metrics = evaluate(train, truth, predicted)
    assert metrics["accuracy"] == pytest.approx(accuracy_score(truth, predicted))
    assert metrics["macro_f1"] == pytest.approx(f1_score(truth, predicted, average="macro", zero_division=0))
    assert metrics["baseline_label"] == "a"
    assert metrics["baseline_accuracy"] == pytest.approx(3 / 7)
    assert metrics["per_class"]["b"] == {"train_rows": 3, "support": 2, "predicted": 3, "correct": 2,
                                         "precision": 2 / 3, "recall": 1.0, "f1": 0.8}
    assert metrics["confusion"]["labels"] == ["a", "b", "c", "d"]


def test_without_validation_a_stratified_seeded_hold_out():
    rows = [Example(f"t{i}", "x" if i % 4 else "y") for i in range(40)] + [Example("lonely", "z")]
    dataset = LoadedDataset(splits={"train": rows})
    first = choose_eval_split(dataset, 0.25, seed=5)
    again = choose_eval_split(dataset, 0.25, seed=5)
    assert [e.input for e in first.eval] == [e.input for e in again.eval]
    assert Counter(e.label for e in first.eval) == {"x": 8, "y": 2}  # a class with one row stays in train
    assert first.source == "train (seeded 25% hold-out)"
    assert len(first.train) + len(first.eval) == 41


def test_validation_then_test_are_preferred():
    dataset = LoadedDataset(splits={"train": [Example("a", "x")], "test": [Example("b", "y")], "validation": []})
    assert choose_eval_split(dataset, 0.2, 1).source == "test"


def test_labels_must_be_classes():
    with pytest.raises(InputError, match=r'one class only \("x"\)'):
        class_labels(["x", "x"])
    with pytest.raises(InputError, match=r"the label column has 30 distinct values in 30 rows"):
        class_labels([str(i) for i in range(30)])
    with pytest.raises(InputError, match=r"no labelled training rows \(test: 1 labelled rows\)"):
        choose_eval_split(LoadedDataset(splits={"test": [Example("b", "y")]}), 0.2, 1)


def test_labels_are_counted_and_held_out_by_arrow_and_numpy_alike_for_a_memory_mapped_split(tmp_path):
    # The training split as training reads it (Rows over an Arrow file): counted by value_counts, grouped into numpy
    # row numbers; the same counts and the same seeded hold-out as for a list of the same rows.
    import datasets

    from hub_retrain_trainer.data import Rows, label_codes, label_counts

    labels = ["x" if i % 4 else "y" for i in range(40)] + ["z"]
    table = datasets.Dataset.from_dict({"input": [f"t{i}" for i in range(41)], "label": labels})
    path = str(tmp_path / "train")
    table.save_to_disk(path)
    rows = Rows(datasets.load_from_disk(path))
    listed = [Example(f"t{i}", label) for i, label in enumerate(labels)]
    assert label_counts(rows) == label_counts(listed) == {"x": 30, "y": 10, "z": 1}
    assert label_codes(rows, ["x", "y", "z"]).tolist() == label_codes(listed, ["x", "y", "z"]).tolist()
    assert label_codes(rows, ["x", "y", "z"]).dtype.itemsize == 4
    held = choose_eval_split(LoadedDataset(splits={"train": rows}), 0.25, seed=5)
    same = choose_eval_split(LoadedDataset(splits={"train": listed}), 0.25, seed=5)
    assert isinstance(held.eval, Rows) and isinstance(held.train, Rows)
    assert [e.input for e in held.eval] == [e.input for e in same.eval]
    assert [e.input for e in held.train] == [e.input for e in same.train]
    assert label_counts(held.eval) == {"x": 8, "y": 2}
    inputs = [e.input for e in held.eval]
    assert inputs == sorted(inputs, key=lambda t: int(t[1:]))  # in file order
