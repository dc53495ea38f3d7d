"""
The base model with a head for the dataset's labels, and the rows as the model reads them: tokenised (text) or
decoded and processed (images) batch by batch as the Trainer's data loader asks, with `datasets`' with_transform
over the memory-mapped rows. Nothing is encoded ahead: memory follows the batch, not the dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .contract import InputError
from .data import Example, Rows


class TextTransform:
    """A batch of rows as token ids and label ids (a class, not a closure: data loader workers pickle it)."""

    def __init__(self, tokenizer: Any, max_length: int, index: dict[str, int]) -> None:
        self.tokenizer, self.max_length, self.index = tokenizer, max_length, index

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, Any]:
        out = dict(self.tokenizer(batch["input"], truncation=True, max_length=self.max_length))
        out["labels"] = [self.index[label] for label in batch["label"]]
        return out


class ImageTransform:
    """A batch of rows as pixel values and label ids."""

    def __init__(self, processor: Any, resize: dict[str, Any], index: dict[str, int]) -> None:
        self.processor, self.resize, self.index = processor, resize, index

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, Any]:
        images = [image.convert("RGB") for image in batch["input"]]
        out = self.processor(images, return_tensors="pt", **self.resize)
        return {"pixel_values": out["pixel_values"], "labels": [self.index[label] for label in batch["label"]]}


def _table(rows: Sequence[Example], image: bool) -> Any:
    from datasets import Dataset, Features, Image, Value

    if isinstance(rows, Rows):
        table = rows.table
    else:  # a list of Examples (tests, callers that build rows themselves)
        features = Features({"input": Image(decode=False) if image else Value("string"), "label": Value("string")})
        table = Dataset.from_dict({"input": [r.input for r in rows], "label": [r.label for r in rows]}, features)
    return table.cast_column("input", Image()) if image else table


def load_model(task: str, source: str, labels: list[str], params: dict[str, Any]) -> dict[str, Any]:
    from transformers import (
        AutoImageProcessor,
        AutoModelForImageClassification,
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        default_data_collator,
    )

    head = {
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
        # The base model's own head (ImageNet's 1,000 classes, a sentiment model's 2) is replaced.
        "ignore_mismatched_sizes": True,
    }
    index = head["label2id"]
    try:
        if task == "text-classification":
            tokenizer = AutoTokenizer.from_pretrained(source)
            model = AutoModelForSequenceClassification.from_pretrained(source, **head)
            if tokenizer.pad_token is None and tokenizer.eos_token is not None:
                tokenizer.pad_token = tokenizer.eos_token  # decoder-only models ship none
            if model.config.pad_token_id is None:
                model.config.pad_token_id = tokenizer.pad_token_id
        else:
            processor = AutoImageProcessor.from_pretrained(source)
            model = AutoModelForImageClassification.from_pretrained(source, **head)
    except (OSError, ValueError) as err:
        first = str(err).strip().split("\n", 1)[0]
        raise InputError(f"RETRAIN_BASE_MODEL: {source} cannot be loaded for {task}: {first}") from None

    if task == "text-classification":
        max_length = min(params["max_length"], tokenizer.model_max_length or params["max_length"])
        text = TextTransform(tokenizer, max_length, index)
        return {
            "model": model,
            "processor": tokenizer,
            "encode": lambda rows: _table(rows, image=False).with_transform(text),
            "collator": DataCollatorWithPadding(tokenizer),
            "reload": AutoModelForSequenceClassification.from_pretrained,
        }

    size = params.get("image_size")
    images = ImageTransform(processor, {"size": {"height": size, "width": size}} if size else {}, index)
    return {
        "model": model,
        "processor": processor,
        "encode": lambda rows: _table(rows, image=True).with_transform(images),
        "collator": default_data_collator,
        "reload": AutoModelForImageClassification.from_pretrained,
    }


def balanced_loss(train_counts: dict[str, int], labels: list[str]) -> Any:
    """
    `class_weights: "balanced"`: cross-entropy weighted by scikit-learn's balanced class weights
    (sklearn.utils.class_weight.compute_class_weight: n_rows / (n_classes * rows of the class)), from the rows per
    label (data.label_counts) rather than a list of every training label; as the Trainer's `compute_loss_func`.
    """
    import numpy as np
    import torch

    per_class = np.array([train_counts[label] for label in labels], dtype=np.float64)
    weights = per_class.sum() / (len(labels) * per_class)
    weight = torch.tensor(weights, dtype=torch.float32)

    def loss(outputs: Any, target: Any, num_items_in_batch: Any = None) -> Any:
        logits = outputs["logits"]
        ce = torch.nn.functional.cross_entropy
        if num_items_in_batch is None:
            return ce(logits, target, weight=weight.to(logits.device))
        # Normalised over the accumulated batch, as the Trainer expects of a compute_loss_func.
        return ce(logits, target, weight=weight.to(logits.device), reduction="sum") / num_items_in_batch

    return loss
