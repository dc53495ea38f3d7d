"""
Tiny models for tests, built offline in seconds: a 2-layer BERT with a WordPiece tokenizer trained on the
given texts, and a 2-layer ViT with its image processor. Each is saved with `save_pretrained`, as a Hub model
would be, so the trainer loads it through the same code as `google-bert/bert-base-uncased`.

    python tests/tiny_models.py text <folder> [texts.csv ...]
    python tests/tiny_models.py image <folder>

For the benchmarks, `text-base` and `image-base` build the same with the dimensions of bert-base (12 layers of
768) and vit-base-patch16-224, random weights: what a real base model costs to train, without downloading it.
"""

from __future__ import annotations

import csv
import os
import sys

TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}


BERT_BASE = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}


def tiny_text_model(folder: str, texts: list[str], dims: dict[str, int] = TINY, max_length: int = 64) -> str:
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
    wrapped = BertTokenizerFast(tokenizer_object=tokenizer, model_max_length=max_length)
    # Three labels, as a sentiment checkpoint might have: the trainer must size the head to the dataset's.
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(), max_position_embeddings=max_length, num_labels=3, **dims
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    wrapped.save_pretrained(folder)
    return folder


def tiny_image_model(folder: str, base: bool = False) -> str:
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    side = 224 if base else 32
    config = ViTConfig(num_labels=5) if base else ViTConfig(image_size=32, patch_size=8, num_labels=5, **TINY)
    ViTForImageClassification(config).save_pretrained(folder)
    ViTImageProcessor(size={"height": side, "width": side}).save_pretrained(folder)
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
    elif kind == "text-base":
        tiny_text_model(out, texts_of(sources) if sources else default_texts(), BERT_BASE, 512)
    elif kind in ("image", "image-base"):
        tiny_image_model(out, base=kind == "image-base")
    else:
        raise SystemExit("usage: tiny_models.py text|image|text-base|image-base <folder> [texts.csv ...]")
    print(out)
