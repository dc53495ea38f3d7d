"""
The trainer as the local backend runs it: a child process, the RETRAIN_* environment, JSON lines on stdout,
a model folder transformers loads, and predict.py on that folder. Tiny models, two epochs: seconds of training.
"""

import json
import os

import pytest
from conftest import run_script, write_image_dataset, write_text_dataset

PARAMS = json.dumps({"epochs": 2, "learning_rate": 0.005, "batch_size": 8})


def train(task, data, model, out, params=PARAMS, **extra):
    return run_script(
        "train.py",
        env={
            "RETRAIN_DATA_DIR": data,
            "RETRAIN_OUTPUT_DIR": out,
            "RETRAIN_TASK": task,
            "RETRAIN_BASE_MODEL": model,
            "RETRAIN_PARAMS": params,
            **extra,
        },
    )


def check_contract(run, out):
    assert run.code == 0, run.stderr
    progress = [line["progress"] for line in run.lines if "progress" in line]
    assert progress == sorted(progress) and progress[-1] == 1
    assert run.lines[-1]["message"] == "done"
    assert {"accuracy", "macro_f1", "baseline_accuracy", "eval_rows", "train_rows"} <= set(run.lines[-1]["metrics"])
    epochs = [line for line in run.lines if line.get("message", "").endswith("evaluated")]
    assert [line["message"] for line in epochs] == ["epoch 1/2 evaluated", "epoch 2/2 evaluated"]
    assert "eval_accuracy" in epochs[0]["metrics"]
    files = sorted(os.listdir(out))
    assert {"config.json", "model.safetensors", "metrics.json", "eval_results.json", "README.md"} <= set(files)
    assert not [f for f in files if f.startswith("checkpoint") or f.endswith((".bin", ".pt"))]
    with open(os.path.join(out, "metrics.json")) as handle:
        metrics = json.load(handle)
    with open(os.path.join(out, "eval_results.json")) as handle:
        results = json.load(handle)
    assert results["eval_accuracy"] == metrics["accuracy"] and results["eval_samples"] == metrics["eval_rows"]
    assert metrics["device"] == "cpu" and metrics["trainer"] == "transformers"
    return metrics


def check_consistent(metrics):
    """The reported numbers agree with each other (what a tiny random model can promise, unlike learning)."""
    matrix = metrics["confusion"]["matrix"]
    assert sum(map(sum, matrix)) == metrics["eval_rows"]
    correct = sum(matrix[i][i] for i in range(len(matrix)))
    assert metrics["accuracy"] == pytest.approx(correct / metrics["eval_rows"])
    assert sum(c["support"] for c in metrics["per_class"].values()) == metrics["eval_rows"]
    assert sum(c["train_rows"] for c in metrics["per_class"].values()) == metrics["train_rows"]
    support = metrics["per_class"][metrics["baseline_label"]]["support"]
    assert metrics["baseline_accuracy"] == pytest.approx(support / metrics["eval_rows"])


def test_text_fine_tuning_end_to_end(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    out = str(tmp_path / "model")
    run = train("text-classification", data, text_model, out)
    metrics = check_contract(run, out)
    assert metrics["labels"] == ["negative", "positive"]
    assert metrics["dataset"]["columns"] == {"text": "review", "label": "label"}
    assert metrics["eval_split"] == "validation" and metrics["train_rows"] == 24
    assert metrics["hyperparameters"]["learning_rate"] == 0.005 and metrics["best_epoch"] in (1, 2)
    assert metrics["dataset"]["builder"] == "csv" and metrics["steps"] == 6  # 24 rows in batches of 8, 2 epochs
    check_consistent(metrics)

    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(out)
    assert model.config.id2label == {0: "negative", 1: "positive"}  # the base model's 3-way head was replaced
    assert model.classifier.out_features == 2
    AutoTokenizer.from_pretrained(out)

    card = open(os.path.join(out, "README.md")).read()
    assert card.startswith("---\nlibrary_name: transformers\npipeline_tag: text-classification\n")
    assert "base_model:" not in card  # a local folder is no Hub model to link to
    assert "## Training parameters" in card and "| learning_rate | 0.005 |" in card

    answer = run_script("predict.py", [out, "awful broken refund"])
    assert answer.code == 0, answer.stderr
    prediction = answer.lines[-1]
    assert prediction["label"] in ("negative", "positive")
    assert list(prediction["scores"]) == ["negative", "positive"]
    assert sum(prediction["scores"].values()) == pytest.approx(1, abs=1e-3)


def test_image_fine_tuning_end_to_end(tmp_path, image_model):
    data = write_image_dataset(str(tmp_path / "data"))
    out = str(tmp_path / "model")
    run = train(
        "image-classification", data, image_model, out, RETRAIN_DATASET="acme/swatches", RETRAIN_REVISION="f" * 40
    )
    metrics = check_contract(run, out)
    assert metrics["labels"] == ["blue", "red"]
    check_consistent(metrics)

    from transformers import AutoImageProcessor, AutoModelForImageClassification

    model = AutoModelForImageClassification.from_pretrained(out)
    assert model.config.id2label == {0: "blue", 1: "red"} and model.classifier.out_features == 2
    AutoImageProcessor.from_pretrained(out)
    card = open(os.path.join(out, "README.md")).read()
    assert 'datasets:\n  - "acme/swatches"' in card and f'revision: "{"f" * 40}"' in card

    answer = run_script("predict.py", [out, os.path.join(data, "validation", "red", "0.png")])
    assert answer.code == 0, answer.stderr
    # A tiny random ViT need not have learnt anything: the answer is one of its labels, with a probability each.
    assert answer.lines[-1]["label"] in ("blue", "red")
    assert sum(answer.lines[-1]["scores"].values()) == pytest.approx(1, abs=1e-3)


def test_bad_input_exits_2_with_one_error_line_before_loading_anything(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    cases = [
        ('{"epoch": 2}', text_model, "RETRAIN_PARAMS.epoch: unknown key"),
        (PARAMS, str(tmp_path), f"RETRAIN_BASE_MODEL: {tmp_path} holds no config.json"),
        ('{"label_column": "stars"}', text_model, 'train.csv: column "stars" (RETRAIN_PARAMS.label_column) not found'),
    ]
    for params, model, expected in cases:
        run = train("text-classification", data, model, str(tmp_path / "out"), params)
        assert run.code == 2
        assert run.stderr.strip().splitlines() == [run.last_error]
        assert run.last_error.startswith(f"error: {expected}")
        assert run.lines[-1] == {"message": f"failed: {run.last_error[len('error: '):]}"}
    assert not os.path.exists(tmp_path / "out" / "metrics.json")


def test_real_hardware_options_reach_the_trainer(tmp_path, text_model):
    data = write_text_dataset(str(tmp_path / "data"))
    out = str(tmp_path / "model")
    params = {
        "epochs": 5,
        "batch_size": 4,
        "gradient_accumulation_steps": 2,
        "max_steps": 6,
        "eval_steps": 1,
        # A learning rate this small leaves the accuracy where it was: the second evaluation does not improve on
        # the first, so a patience of 1 stops the run at step 2 of 6.
        "learning_rate": 1e-12,
        "early_stopping_patience": 1,
        "class_weights": "balanced",
        "dataloader_num_workers": 1,
        "auto_find_batch_size": "false",
    }
    run = train("text-classification", data, text_model, out, json.dumps(params))
    assert run.code == 0, run.stderr
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    assert metrics["steps"] == 2
    assert [line["message"] for line in run.lines if line.get("message", "").endswith("evaluated")] == [
        "epoch 1/5 evaluated",
        "epoch 1/5 evaluated",
    ]
    expected = {**params, "auto_find_batch_size": False}  # "false" read as the boolean it spells
    assert {key: metrics["hyperparameters"].get(key) for key in expected} == expected
    # What the Trainer itself ran with (trainer.args, its callbacks, its loss), not an echo of the params.
    assert metrics["training_arguments"] == {
        "per_device_train_batch_size": 4,
        "gradient_accumulation_steps": 2,
        "auto_find_batch_size": False,
        "max_steps": 6,
        "eval_strategy": "steps",
        "eval_steps": 1,
        "dataloader_num_workers": 1,
        "torch_compile": False,
        "early_stopping_patience": 1,
        "weighted_loss": True,
    }
    check_consistent(metrics)

    bad = train("text-classification", data, text_model, out, '{"class_weights": "inverse", "max_steps": 0}')
    assert bad.code == 2
    assert bad.last_error == (
        'error: RETRAIN_PARAMS.max_steps: expected an integer from 1 up; '
        'RETRAIN_PARAMS.class_weights: expected "none" or "balanced"'
    )


def test_balanced_class_weights_are_scikit_learns_in_a_weighted_cross_entropy():
    import numpy as np
    import torch
    from sklearn.utils.class_weight import compute_class_weight

    from hub_retrain_trainer.encoding import balanced_loss

    train_labels = ["a"] * 6 + ["b"] * 2
    loss = balanced_loss({"a": 6, "b": 2}, ["a", "b"])  # rows per label (data.label_counts), as training passes
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    target = torch.tensor([0, 1, 1])
    balanced = compute_class_weight("balanced", classes=np.array(["a", "b"]), y=np.array(train_labels))
    weights = torch.tensor(balanced, dtype=torch.float32)
    assert weights.tolist() == pytest.approx([8 / 12, 8 / 4])
    expected = torch.nn.functional.cross_entropy(logits, target, weight=weights)
    assert loss({"logits": logits}, target).item() == pytest.approx(expected.item())
    summed = torch.nn.functional.cross_entropy(logits, target, weight=weights, reduction="sum") / 5
    assert loss({"logits": logits}, target, num_items_in_batch=5).item() == pytest.approx(summed.item())
