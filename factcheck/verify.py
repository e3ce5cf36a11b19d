"""Verify stage: an NLI cross-encoder scores each (passage, claim) pair as entailment, neutral or contradiction.

Any ``sentence_transformers.CrossEncoder`` NLI model works, by hub name or local path: its label order is read
from the model's ``config.json`` (``id2label``). The default is the verifier factcheck trains and ships inside
the package. A model folder may carry ``factcheck_calibration.json`` with a softmax ``temperature`` fitted on
dev data, so that the probabilities it returns are calibrated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .embed import quiet_transformers
from .errors import FactcheckError
from .labels import STANCES, stance_of

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import CrossEncoder

#: the verifier shipped inside the package (see factcheck/models/verifier/README.md).
DEFAULT_VERIFIER = "factcheck-verifier"
CALIBRATION_FILE = "factcheck_calibration.json"


def default_verifier_path() -> Path:
    return Path(str(resources.files("factcheck") / "models" / "verifier"))


def resolve_verifier(name: str) -> str:
    if name == DEFAULT_VERIFIER:
        path = default_verifier_path()
        if not (path / "config.json").is_file():
            raise FactcheckError(f"the shipped verifier is missing from {path}: reinstall factcheck")
        return str(path)
    return name


@dataclass(frozen=True)
class VerifierConfig:
    """Which NLI cross-encoder judges passages, and how."""

    model: str = DEFAULT_VERIFIER
    batch_size: int = 32
    max_length: int = 256
    device: str | None = None


def load_verifier(name: str | None = None) -> Verifier:
    """The verifier called ``name`` (a hub name or a local path), or the shipped one."""
    return Verifier(VerifierConfig(model=name)) if name else Verifier()


class Verifier:
    """Stance probabilities for (evidence, claim) pairs, columns in ``labels.STANCES`` order."""

    def __init__(self, config: VerifierConfig | None = None) -> None:
        self.config = config or VerifierConfig()
        self.name = self.config.model
        self.path = resolve_verifier(self.name)

    @cached_property
    def model(self) -> CrossEncoder:
        quiet_transformers()
        import torch
        from sentence_transformers import CrossEncoder

        try:
            model = CrossEncoder(
                self.path,
                max_length=self.config.max_length,
                device=self.config.device,
                model_kwargs={"dtype": torch.float32},
            )
        except OSError as exc:
            raise FactcheckError(
                f"cannot load verifier {self.name!r}: {str(exc).splitlines()[0]} "
                "(give a local CrossEncoder folder or a hub NLI cross-encoder name, and check your network)"
            ) from None
        return model

    @cached_property
    def column_order(self) -> list[int]:
        """For each stance in STANCES, the model's output column holding it (from config.id2label)."""
        config = self.model.model.config
        id2label = {int(k): v for k, v in (config.id2label or {}).items()}
        found: dict[str, int] = {}
        for idx, name in id2label.items():
            try:
                found[stance_of(name)] = idx
            except ValueError:
                continue
        if len(id2label) != 3 or set(found) != set(STANCES):
            raise FactcheckError(
                f"verifier {self.name!r} is not a 3-way NLI model: its id2label is {id2label} "
                "(need entailment, neutral and contradiction)"
            )
        return [found[s] for s in STANCES]

    @cached_property
    def temperature(self) -> float:
        file = Path(self.path) / CALIBRATION_FILE
        if file.is_file():
            return float(json.loads(file.read_text()).get("temperature", 1.0))
        return 1.0

    def logits(self, pairs: Sequence[tuple[str, str]], *, show_progress: bool = False) -> np.ndarray:
        """Raw logits (STANCES order) for (evidence, claim) pairs; duplicates scored once, batches by length."""
        import numpy as np

        if not pairs:
            return np.zeros((0, len(STANCES)), dtype=np.float32)
        unique = list(dict.fromkeys(pairs))
        order = sorted(range(len(unique)), key=lambda i: len(unique[i][0]) + len(unique[i][1]))
        scores = self.model.predict(
            [unique[i] for i in order],
            batch_size=self.config.batch_size,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        logits = np.empty_like(scores)
        logits[order] = scores
        logits = logits[:, self.column_order]
        position = {pair: i for i, pair in enumerate(unique)}
        return logits[[position[p] for p in pairs]].astype(np.float32)

    def predict(self, pairs: Sequence[tuple[str, str]], *, show_progress: bool = False) -> np.ndarray:
        """Calibrated probabilities (STANCES order) for (evidence, claim) pairs."""
        return softmax(self.logits(pairs, show_progress=show_progress) / self.temperature)


def softmax(logits: np.ndarray) -> np.ndarray:
    import numpy as np

    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
