"""The pipeline: retrieve passages for a claim, judge each one's stance, aggregate into a verdict."""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from . import __version__
from .embed import DEFAULT_EMBEDDER, Embedder, EmbedderConfig
from .errors import FactcheckError, IndexBusyError, IndexError_
from .index import BuildReport, EvidenceIndex, IndexConfig, ProgressHook, SearchFilter, build_index, embedder_for, open_index
from .labels import CONTRADICTION, DISPUTED, ENTAILMENT, STANCES, SUPPORTED, UNVERIFIED
from .retrieve import Hit, Retriever
from .verify import Verifier, load_verifier

if TYPE_CHECKING:
    from .milvus_index import MilvusIndex

AGGREGATION_FILE = "factcheck_aggregation.json"
#: how sure the language detector must be that a claim is not English before a mismatch is reported.
CLAIM_LANGUAGE_CONFIDENCE = 0.8
#: seconds a first run waits for another process that is building the demo index
DEMO_BUILD_WAIT = 600


def demo_corpus_path() -> Path:
    """The bundled demo corpus: package data when installed, ``corpus/`` in a source checkout."""
    installed = Path(str(resources.files("factcheck") / "demo_corpus"))
    if installed.is_dir() and any(installed.glob("*.md")):
        return installed
    return Path(__file__).resolve().parent.parent / "corpus"


def cache_dir() -> Path:
    """Where factcheck keeps what it builds for itself (``FACTCHECK_CACHE_DIR`` overrides)."""
    override = os.environ.get("FACTCHECK_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("factcheck"))


def demo_index_dir() -> Path:
    return cache_dir() / f"demo-index-{__version__}"


def _fitted(verifier_path: str | Path) -> dict:
    """What eval/fit_aggregation.py fitted for a verifier ({} when its folder has no fit)."""
    file = Path(verifier_path) / AGGREGATION_FILE
    return json.loads(file.read_text()) if file.is_file() else {}


@dataclass(frozen=True)
class CheckConfig:
    """How passage stances become a claim label. The thresholds are fitted on dev claims (SciFact dev,
    held-out Climate-FEVER) for the shipped verifier: ``factcheck_aggregation.json`` beside its weights
    holds the fitted values, which replace these defaults when that verifier is used."""

    #: passages retrieved per claim.
    top_k: int = 5
    #: a passage less similar to the claim than this (cosine) is not relevant evidence.
    min_similarity: float = 0.3
    #: P(entailment) a relevant passage needs to count as supporting the claim.
    support_threshold: float = 0.5
    #: P(contradiction) a relevant passage needs to count as contradicting the claim.
    contradict_threshold: float = 0.5
    #: also run the verifier on retrieved passages below ``min_similarity``. They never decide the label, so
    #: by default they are shown unjudged (stance None) and the verifier's time goes to the relevant ones only.
    judge_below_gate: bool = False

    @classmethod
    def fitted_for(cls, verifier_path: str | Path, embedder: Embedder | None = None, **overrides: object) -> CheckConfig:
        """The defaults, updated with the values fitted for a verifier (if its folder has them). The
        similarity gate was fitted with the default embedder: an embedder whose cosines sit at another
        height (the multilingual ones) brings its own."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in _fitted(verifier_path).get("config", {}).items() if k in known}
        if embedder is not None and embedder.min_similarity is not None:
            values["min_similarity"] = embedder.min_similarity
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ConfidenceMap:
    """Maps the aggregation's raw score for a label to the probability that the label is right.

    Fitted per label by isotonic regression on dev claims (``eval/fit_aggregation.py``) and stored in the
    verifier's ``factcheck_aggregation.json``; without a fit the raw score is returned unchanged.
    """

    curves: dict = field(default_factory=dict)  # label -> (xs, ys), increasing xs

    @classmethod
    def fitted_for(cls, verifier_path: str | Path) -> ConfidenceMap:
        curves = _fitted(verifier_path).get("confidence_curves", {})
        return cls({label: (tuple(c["x"]), tuple(c["y"])) for label, c in curves.items()})

    def __call__(self, label: str, raw: float) -> float:
        curve = self.curves.get(label)
        if not curve:
            return raw
        import numpy as np

        return float(np.interp(raw, curve[0], curve[1]))


@dataclass
class Evidence:
    """One retrieved passage and the verifier's judgement of it."""

    text: str
    source: str
    doc_id: str
    title: str
    date: str
    start: int
    end: int
    #: entailment / neutral / contradiction, the verifier's most probable stance; None when the passage was
    #: not judged (less similar to the claim than the gate, ``CheckConfig.min_similarity``).
    stance: str | None
    #: probability of that stance (None when not judged).
    score: float | None
    #: cosine similarity between claim and passage.
    similarity: float
    probabilities: dict[str, float] | None
    #: whether this passage decided the label.
    decisive: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Verdict:
    claim: str
    label: str
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "claim": self.claim,
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "evidence": [e.to_dict() for e in self.evidence],
            "warnings": list(self.warnings),
        }


def aggregate(probabilities: Sequence[Sequence[float] | None], similarities: Sequence[float], config: CheckConfig) -> tuple[str, float, list[int]]:
    """Claim label, its confidence, and the indices of the passages that decided it.

    Only passages at least ``config.min_similarity`` similar to the claim are read: the others may have no
    probabilities (None).

    supported: a relevant passage entails the claim and none contradicts it; disputed: a relevant passage
    contradicts it (whether or not another supports it: sources in conflict); unverified: no relevant passage
    takes a clear stance.
    """
    ent, con = STANCES.index(ENTAILMENT), STANCES.index(CONTRADICTION)
    relevant = {i: p for i, (p, s) in enumerate(zip(probabilities, similarities)) if s >= config.min_similarity and p is not None}
    supporting = [i for i, p in relevant.items() if p[ent] >= config.support_threshold and p[ent] >= p[con]]
    contradicting = [i for i, p in relevant.items() if p[con] >= config.contradict_threshold and p[con] > p[ent]]
    best_ent = max((p[ent] for p in relevant.values()), default=0.0)
    best_con = max((p[con] for p in relevant.values()), default=0.0)
    if contradicting:
        return DISPUTED, float(best_con), sorted(contradicting + supporting, key=lambda i: -max(relevant[i][ent], relevant[i][con]))
    if supporting:
        return SUPPORTED, float(best_ent), sorted(supporting, key=lambda i: -relevant[i][ent])
    return UNVERIFIED, float(1.0 - max(best_ent, best_con)), []


class FactChecker:
    """Check claims against an evidence index.

    >>> checker = FactChecker.build(["docs/"], "my-index")      # doctest: +SKIP
    >>> checker.check("Stargate funds will not be available")  # doctest: +SKIP
    """

    def __init__(
        self,
        index: EvidenceIndex | MilvusIndex | None,
        *,
        embedder: Embedder | None = None,
        verifier: Verifier | None = None,
        config: CheckConfig | None = None,
        where: SearchFilter | None = None,
    ) -> None:
        """``index`` (FAISS or Milvus) may be None for a checker that only judges given evidence (oracle
        evaluation); ``where`` restricts retrieval to passages of some sources, languages or dates."""
        if index is None and embedder is None:
            embedder = Embedder()
        self.index = index
        self.embedder = embedder or embedder_for(index)  # type: ignore[arg-type]
        self.verifier = verifier or Verifier()
        self.config = config or CheckConfig.fitted_for(self.verifier.path, self.embedder)
        self.confidence_map = ConfidenceMap.fitted_for(self.verifier.path)
        self.where = where
        self.retriever = Retriever(index, self.embedder, where) if index is not None else None
        #: what the last :meth:`build` did (None for an index opened as it was).
        self.build_report: BuildReport | None = None

    @classmethod
    def open(
        cls,
        index_dir: str | Path,
        *,
        embedder: str | None = None,
        verifier: str | None = None,
        config: CheckConfig | None = None,
        top_k: int | None = None,
        backend: str | None = None,
        uri: str | None = None,
    ) -> FactChecker:
        """Open an index built by ``factcheck index`` (or :meth:`build`): a FAISS index directory, or with
        ``backend="milvus"`` and ``uri`` the Milvus index named ``index_dir``."""
        index = open_index(index_dir, backend, uri)
        verifier_obj = load_verifier(verifier)
        emb = embedder_for(index, embedder)
        if config is None:
            config = CheckConfig.fitted_for(verifier_obj.path, emb, top_k=top_k)
        return cls(index, embedder=emb, verifier=verifier_obj, config=config)

    @classmethod
    def build(
        cls,
        paths: Sequence[str | Path],
        index_dir: str | Path,
        *,
        embedder: str | None = None,
        verifier: str | None = None,
        config: CheckConfig | None = None,
        index_config: IndexConfig | None = None,
        progress: ProgressHook | None = None,
    ) -> FactChecker:
        """Index the documents under ``paths`` into ``index_dir`` (incrementally) and open it;
        the build's report is kept in ``checker.build_report``."""
        emb = Embedder(EmbedderConfig(model=embedder)) if embedder else None
        report = build_index(paths, index_dir, emb, index_config, progress)
        index_config = index_config or IndexConfig()
        index = open_index(index_dir, index_config.backend, index_config.uri)
        checker = cls(index, embedder=emb, verifier=load_verifier(verifier), config=config)
        checker.build_report = report
        return checker

    @classmethod
    def demo(
        cls, *, verifier: str | None = None, progress: ProgressHook | None = None, backend: str | None = None, uri: str | None = None
    ) -> FactChecker:
        """A checker over the bundled demo corpus, indexed on first use into the user cache directory (or, with
        the milvus backend, into the index ``factcheck_demo_VERSION`` at ``uri``)."""
        backend = backend or ("milvus" if uri else "faiss")
        if backend == "milvus":
            name = "factcheck_demo_" + __version__.replace(".", "_")
            try:
                return cls.open(name, verifier=verifier, backend=backend, uri=uri)
            except IndexError_:
                return cls.build([demo_corpus_path()], name, verifier=verifier, progress=progress, index_config=IndexConfig(backend=backend, uri=uri))
        index_dir = demo_index_dir()
        try:
            return cls.open(index_dir, verifier=verifier)
        except FactcheckError:
            pass
        try:
            # the demo corpus holds each fact in both languages: the default English embedder, named so that
            # the language mix never decides it
            return cls.build([demo_corpus_path()], index_dir, embedder=DEFAULT_EMBEDDER, verifier=verifier, progress=progress)
        except IndexBusyError:
            # parallel first runs: another process is building it; wait for that build, then use its index
            from filelock import FileLock, Timeout

            try:
                with FileLock(str(index_dir / ".lock"), timeout=DEMO_BUILD_WAIT):
                    pass
            except Timeout:
                raise FactcheckError(f"another process has been building the demo index {index_dir} for {DEMO_BUILD_WAIT} s: stop it, or delete that folder") from None
            return cls.open(index_dir, verifier=verifier)

    # -- checking --------------------------------------------------------------------------------

    def check(self, claim: str) -> Verdict:
        """Label one claim supported, disputed or unverified, with its evidence."""
        return self._check_batch([self._prepare(claim)])[0]

    def check_many(
        self,
        claims: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int], None] | None = None,
    ) -> list[Verdict]:
        """Check claims in batches: each batch is embedded, searched and verified at once."""
        if isinstance(claims, str):
            raise FactcheckError("check_many takes a list of claims, not one string: use check(claim) for one claim")
        verdicts: list[Verdict] = []
        for start in range(0, len(claims), batch_size):
            batch = [self._prepare(c, f"claims[{start + i}]: ") for i, c in enumerate(claims[start : start + batch_size])]
            verdicts += self._check_batch(batch)
            if progress:
                progress(len(batch))
        return verdicts

    def _prepare(self, claim: str, position: str = "") -> tuple[str, list[str]]:
        if not isinstance(claim, str):
            raise FactcheckError(f"{position}a claim is a string, not {type(claim).__name__}")
        if not claim.strip():
            raise FactcheckError(f"{position}empty claim: give the text of the claim to check")
        claim = " ".join(claim.split())
        notes = []
        limit = min(self.embedder.max_tokens, self.verifier.config.max_length // 2)
        cut = self.embedder.claim_cut(claim, limit)
        if cut is not None:
            notes.append(f"claim truncated to its first {limit} tokens ({cut} of {len(claim)} characters): the models read no more")
        unreadable = self._language_mismatch(claim)
        if unreadable:
            notes.append(unreadable)
        for note in notes:
            warnings.warn(note, stacklevel=3)
        return (claim if cut is None else claim[:cut]), notes

    def _language_mismatch(self, claim: str) -> str | None:
        """A warning when the claim is surely not English, the index was embedded by the default English-only
        embedder, and the index holds no passage in the claim's language: retrieval then finds nothing that
        matters (French claims against English passages: 21 % of the bilingual set right, against 54 % with a
        use-multilingual index; eval/RESULTS.md)."""
        if self.embedder.name != DEFAULT_EMBEDDER or self.index is None:
            return None
        languages = getattr(self.index, "manifest", {}).get("corpus", {}).get("languages")
        if languages is None:
            return None
        from .ingest import detect_language

        lang, score = detect_language(claim)
        if not lang or lang == "en" or score < CLAIM_LANGUAGE_CONFIDENCE or languages.get(lang):
            return None
        return (
            f"the claim reads as '{lang}', but this index holds no '{lang}' passages and its embedder ({DEFAULT_EMBEDDER}) "
            f"matches English only: rebuild it with --embedder use-multilingual, or check the claim in English"
        )

    def _check_batch(self, batch: list[tuple[str, list[str]]]) -> list[Verdict]:
        claims = [c for c, _ in batch]
        if self.retriever is None:
            raise FactcheckError("this checker has no index: open one with FactChecker.open(INDEX_DIR)")
        hits = self.retriever.search(claims, self.config.top_k)
        if self.where:
            for (_, notes), row in zip(batch, hits):
                if not row:
                    note = f"no passage of the index matches the evidence filter ({self.where}): nothing was checked, widen the filter"
                    notes.append(note)
                    warnings.warn(note, stacklevel=3)
        judged = [(claim, h) for claim, row in zip(claims, hits) for h in row if self._judges(h)]
        probs = iter(self.verifier.predict([(h.passage.text, claim) for claim, h in judged]).tolist())
        return [self._verdict(claim, notes, row, [next(probs) if self._judges(h) else None for h in row]) for (claim, notes), row in zip(batch, hits)]

    def _judges(self, hit: Hit) -> bool:
        """Whether the verifier reads this passage (the gate: passages below it cannot change the label)."""
        return self.config.judge_below_gate or hit.similarity >= self.config.min_similarity

    def _verdict(self, claim: str, notes: list[str], hits: list[Hit], probs: list[list[float] | None]) -> Verdict:
        label, raw, decisive = aggregate(probs, [h.similarity for h in hits], self.config)
        confidence = self.confidence_map(label, raw)
        evidence = []
        for i, (hit, p) in enumerate(zip(hits, probs)):
            stance: str | None = None
            score: float | None = None
            if p is not None:
                best = max(range(len(STANCES)), key=p.__getitem__)
                stance, score = STANCES[best], round(float(p[best]), 4)
            evidence.append(
                Evidence(
                    text=hit.passage.text,
                    source=hit.passage.source,
                    doc_id=hit.passage.doc_id,
                    title=hit.passage.title,
                    date=hit.passage.date,
                    start=hit.passage.start,
                    end=hit.passage.end,
                    stance=stance,
                    score=score,
                    similarity=round(hit.similarity, 4),
                    probabilities=None if p is None else {s: round(float(v), 4) for s, v in zip(STANCES, p)},
                    decisive=i in decisive,
                )
            )
        order = {idx: rank for rank, idx in enumerate(decisive)}
        evidence = [e for _, e in sorted(enumerate(evidence), key=lambda t: (order.get(t[0], len(order)), -t[1].similarity))]
        return Verdict(claim=claim, label=label, confidence=confidence, evidence=evidence, warnings=notes)

    def with_config(self, **changes: object) -> FactChecker:
        """A checker sharing this one's index and models, with some CheckConfig fields changed."""
        return FactChecker(self.index, embedder=self.embedder, verifier=self.verifier, config=replace(self.config, **changes), where=self.where)  # type: ignore[arg-type]

    def with_filter(self, where: SearchFilter | None) -> FactChecker:
        """A checker sharing this one's index and models that retrieves only passages matching ``where``."""
        return FactChecker(self.index, embedder=self.embedder, verifier=self.verifier, config=self.config, where=where)

