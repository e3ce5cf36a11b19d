"""The cross-lingual stance classifier: stance probabilities from multilingual sentence embeddings, for the pairs the
shipped (English) verifier cannot read (``factcheck/models/xling``, trained by eval/experiments/train_xling_verifier.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from ..embed import Embedder, EmbedderConfig, create_embedder
from ..errors import FactcheckError
from ..labels import STANCES
from ._calibration import softmax


def xling_classifier_path() -> Path:
    return Path(str(resources.files("factcheck") / "models" / "xling"))


class EmbeddingStanceClassifier:
    """Stance probabilities from multilingual sentence embeddings: u (evidence) and v (claim) embedded by
    the classifier's embedder, features [u, v, |u - v|, u * v], a multinomial logistic regression."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.meta = json.loads((self.path / "config.json").read_text())
            with np.load(self.path / "weights.npz", allow_pickle=False) as z:
                self.coef, self.intercept = z["coef"], z["intercept"]
        except (OSError, ValueError, KeyError) as exc:
            raise FactcheckError(f"the cross-lingual stance classifier in {self.path} is unreadable ({exc}): reinstall factcheck") from None
        if list(self.meta.get("stances", [])) != list(STANCES):
            raise FactcheckError(f"the cross-lingual stance classifier in {self.path} has stances {self.meta.get('stances')}, expected {list(STANCES)}")

    @cached_property
    def embedder(self) -> Embedder:
        return create_embedder(EmbedderConfig(model=self.meta["embedder"]))

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros((0, len(STANCES)), dtype=np.float32)
        texts = list(dict.fromkeys(t for pair in pairs for t in pair))
        vectors = dict(zip(texts, self.embedder.encode(texts)))
        u = np.stack([vectors[e] for e, _ in pairs])
        v = np.stack([vectors[c] for _, c in pairs])
        x = np.hstack([u, v, np.abs(u - v), u * v])
        return softmax(x @ self.coef.T + self.intercept).astype(np.float32)
