"""
Tiny models for tests, built offline in seconds: a 2-layer BERT with a WordPiece tokenizer trained on the
given texts, and a 2-layer ViT with its image processor. Each is saved with `save_pretrained`, as a Hub model
would be, so the trainer loads it through the same code as `google-bert/bert-base-uncased`.

    python tests/tiny_models.py text <folder> [texts.csv ...]
    python tests/tiny_models.py image <folder>
"""

from __future__ import annotations

import csv
import os
import sys

TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}


def tiny_text_model(folder: str, texts: list[str]) -> str:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    wrapped = BertTokenizerFast(tokenizer_object=tokenizer, model_max_length=64)
    # Three labels, as a sentiment checkpoint might have: the trainer must size the head to the dataset's.
    config = BertConfig(vocab_size=tokenizer.get_vocab_size(), max_position_embeddings=64, num_labels=3, **TINY)
    BertForSequenceClassification(config).save_pretrained(folder)
    wrapped.save_pretrained(folder)
    return folder


def tiny_image_model(folder: str) -> str:
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    config = ViTConfig(image_size=32, patch_size=8, num_labels=5, **TINY)
    ViTForImageClassification(config).save_pretrained(folder)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


def texts_of(paths: list[str]) -> list[str]:
    texts: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts.extend(v for v in row.values() if isinstance(v, str))
    return texts


def default_texts() -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    reviews = os.path.join(here, "..", "..", "..", "examples", "datasets", "product-reviews", "train.csv")
    return texts_of([reviews])


if __name__ == "__main__":
    kind, out, *sources = sys.argv[1:]
    if kind == "text":
        tiny_text_model(out, texts_of(sources) if sources else default_texts())
    elif kind == "image":
        tiny_image_model(out)
    else:
        raise SystemExit("usage: tiny_models.py text|image <folder> [texts.csv ...]")
    print(out)
