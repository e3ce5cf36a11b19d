"""The NLI cross-encoder verifier: calibrated stance probabilities for (evidence, claim) pairs; pairs that are not
both English go to the cross-lingual classifier when the shipped (English) verifier is in use."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._runtime import OnnxCrossEncoder, exported, onnx_wanted, onnxruntime_installed, quiet_transformers, run_by_length
from ..errors import FactcheckError
from ..ingest import LANG_CONFIDENCE, detect_language
from ..labels import STANCES, positive_form, stance_of
from ._calibration import CALIBRATION_FILE, softmax
from ._xling import EmbeddingStanceClassifier, xling_classifier_path

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

#: the verifier shipped inside the package (see factcheck/models/verifier/README.md).
DEFAULT_VERIFIER = "factcheck-verifier"
#: the language the shipped verifier reads.
VERIFIER_LANGUAGE = "en"


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
    #: with the shipped (English) verifier, judge pairs that are not both English with the multilingual
    #: stance classifier instead.
    cross_lingual: bool = True
    #: "auto": ONNX Runtime for the shipped verifier when onnxruntime is installed (same logits, no torch
    #: import), sentence-transformers otherwise and on a CUDA GPU (or a ``device`` other than the CPU);
    #: "onnx" / "torch" force one (see factcheck._runtime).
    backend: str = "auto"
    #: judge a claim with a simple negation ("X will not be Y") through its positive form ("X will be Y"), with
    #: entailment and contradiction swapped: the shipped verifier learned a negated claim as a cue for
    #: contradiction and calls almost none supported (eval/experiments/negation_probe.py); the positive form it reads well.
    positive_claims: bool = True


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
        except (OSError, ValueError) as exc:  # ValueError: a folder that holds no model, a malformed hub name
            raise FactcheckError(
                f"cannot load verifier {self.name!r}: {str(exc).splitlines()[0]} "
                "(give a local CrossEncoder folder or a hub NLI cross-encoder name, and check your network)"
            ) from None
        return model

    @cached_property
    def onnx(self) -> OnnxCrossEncoder | None:
        """The ONNX Runtime copy of the model, or None when the sentence-transformers path runs."""
        local = (Path(self.path) / "tokenizer.json").is_file() and (Path(self.path) / "config.json").is_file()
        if not onnx_wanted(self.config.backend, self.name == DEFAULT_VERIFIER and local and onnxruntime_installed(), self.config.device):
            return None
        if not local:
            raise FactcheckError(f"the onnx backend needs a local verifier folder with tokenizer.json, not {self.name!r}")
        return OnnxCrossEncoder(exported("verifier", self.path), self.config.max_length)

    @cached_property
    def column_order(self) -> list[int]:
        """For each stance in STANCES, the model's output column holding it (from config.id2label)."""
        config_file = Path(self.path) / "config.json"
        if config_file.is_file():
            raw = json.loads(config_file.read_text()).get("id2label")
        else:
            model = self.model.model
            assert model is not None
            raw = model.config.id2label
        id2label = {int(k): v for k, v in (raw or {}).items()}
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
    def _calibration(self) -> dict:
        file = Path(self.path) / CALIBRATION_FILE
        return json.loads(file.read_text()) if file.is_file() else {}

    @property
    def temperature(self) -> float:
        """The softmax temperature of the claims judged as written."""
        return float(self._calibration.get("temperature", 1.0))

    @property
    def positive_form_temperature(self) -> float:
        """The softmax temperature of the negated claims judged through their positive form (its own fit: they
        are another population of inputs); the other one where none was fitted."""
        return float(self._calibration.get("temperature_positive_form", self.temperature))

    def _positive_forms(self, pairs: Sequence[tuple[str, str]]) -> list[str | None]:
        """Each pair's claim without its negation where it is judged that way (``positive_claims``), else None."""
        return [positive_form(c) for _, c in pairs] if self.config.positive_claims else [None] * len(pairs)

    def judged_positively(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Which pairs' claims are judged through their positive form (``positive_claims``)."""
        return np.array([p is not None for p in self._positive_forms(pairs)], dtype=bool)

    def calibrated(self, logits: np.ndarray, swapped: np.ndarray) -> np.ndarray:
        """Probabilities from ``logits``, each row at its temperature."""
        temperature = np.where(swapped, self.positive_form_temperature, self.temperature)[:, None]
        return softmax(logits / temperature)

    def logits(self, pairs: Sequence[tuple[str, str]], *, show_progress: bool = False) -> np.ndarray:
        """Raw logits (STANCES order) for (evidence, claim) pairs; duplicates scored once, in batches of similar
        token length; a negated claim scored through its positive form (``positive_claims``)."""
        return self._scored(pairs, show_progress)[0]

    def _scored(self, pairs: Sequence[tuple[str, str]], show_progress: bool) -> tuple[np.ndarray, np.ndarray]:
        """The logits, and which rows were judged through their positive form (their columns swapped back)."""
        positive = self._positive_forms(pairs)
        swapped = np.array([p is not None for p in positive], dtype=bool)
        if not pairs:
            return np.zeros((0, len(STANCES)), dtype=np.float32), swapped
        pairs = [(e, p or c) for (e, c), p in zip(pairs, positive)]
        unique = list(dict.fromkeys(pairs))
        if self.onnx is not None:
            scores = self.onnx.logits(unique, self.config.batch_size)
        else:
            scores = self._torch_logits(unique, show_progress)
        logits = scores[:, self.column_order]
        position = {pair: i for i, pair in enumerate(unique)}
        out = logits[[position[p] for p in pairs]].astype(np.float32)
        out[swapped] = out[swapped][:, ::-1]  # STANCES order: entailment, neutral, contradiction
        return out, swapped

    def _torch_logits(self, pairs: list[tuple[str, str]], show_progress: bool) -> np.ndarray:
        """sentence-transformers' predict, one call per batch of similar token length (its own sorting goes by
        characters, which leaves more padding). On a GPU, one call for all: there padding costs less than a call
        per batch (an H200 ran 1,541 pairs/s through one call at batch 16, 952 through a call per batch)."""
        model = self.model
        if model.device.type != "cpu":
            return model.predict(pairs, batch_size=self.config.batch_size, convert_to_numpy=True, show_progress_bar=show_progress)
        ids = model.tokenizer([e for e, _ in pairs], [c for _, c in pairs], truncation=True, max_length=model.max_length)["input_ids"]

        def wrap(batches: list[list[int]]) -> Iterable[list[int]]:
            if not show_progress:
                return batches
            from rich.progress import track

            return track(batches, description="verifying", transient=True)

        return run_by_length(
            [len(x) for x in ids],
            self.config.batch_size,
            lambda batch: model.predict([pairs[i] for i in batch], batch_size=len(batch), convert_to_numpy=True, show_progress_bar=False),
            wrap,
        )

    @property
    def routes_languages(self) -> bool:
        """Whether pairs that are not both English go to the multilingual stance classifier."""
        return self.config.cross_lingual and self.name == DEFAULT_VERIFIER

    @cached_property
    def cross_lingual_classifier(self) -> EmbeddingStanceClassifier:
        return EmbeddingStanceClassifier(xling_classifier_path())

    def predict(self, pairs: Sequence[tuple[str, str]], *, show_progress: bool = False) -> np.ndarray:
        """Calibrated probabilities (STANCES order) for (evidence, claim) pairs."""
        if not self.routes_languages:
            return self.calibrated(*self._scored(pairs, show_progress))
        english = [_is_english(e) and _is_english(c) for e, c in pairs]
        out = np.zeros((len(pairs), len(STANCES)), dtype=np.float32)
        same = [i for i, en in enumerate(english) if en]
        other = [i for i, en in enumerate(english) if not en]
        if same:
            out[same] = self.calibrated(*self._scored([pairs[i] for i in same], show_progress))
        if other:
            out[other] = self.cross_lingual_classifier.predict([pairs[i] for i in other])
        return out


def _is_english(text: str) -> bool:
    """English unless surely another language: a doubtful call keeps the (much stronger) English verifier."""
    lang, score = _cached_language(text)
    return lang in ("", VERIFIER_LANGUAGE) or score < LANG_CONFIDENCE


@lru_cache(maxsize=65536)
def _cached_language(text: str) -> tuple[str, float]:
    return detect_language(text)
