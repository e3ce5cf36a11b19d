"""The pipeline: retrieve passages for a claim, judge each one's stance, aggregate into a verdict.

One code path scores claims: :meth:`FactChecker.judge` (retrieve and verify a batch of claims) and
:meth:`FactChecker.verdict` (aggregate one claim's judgement into a :class:`Verdict`). ``check``, ``check_many``,
the Ray workers and every benchmark (:mod:`factcheck.evaluation`) go through them, so a benchmark measures what
``factcheck check`` does.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from ._types import Evidence, Hit, Passage, Progress, Verdict
from .embed import DEFAULT_EMBEDDER, Embedder, create_embedder
from .errors import FactcheckError, IndexBusyError, IndexError_
from .extract import ExtractedClaim, Extractor, SkippedSentence, extract_claims
from .index import DENSE, BuildReport, EvidenceStore, IndexConfig, SearchFilter, build_index, embedder_for, open_index, resolve_backend, resolve_mode, retrieve
from .ingest import detect_language, needs_context, reading_text
from .labels import CONTRADICTION, DISPUTED, ENTAILMENT, NEUTRAL, STANCES, SUPPORTED, UNVERIFIED, has_negation
from .settings import demo_corpus_path, demo_index_dir, demo_index_name
from .verify import (
    CONTRASTS,
    MISMATCH,
    RESTATES_COVERAGE,
    UNNAMED,
    Check,
    Verifier,
    aligned_claim,
    claim_coverage,
    compare_facts,
    load_verifier,
    names_in_document,
    restates,
    restates_across_languages,
    rules_out_entailment,
)

AGGREGATION_FILE = "factcheck_aggregation.json"
#: the passages either side of a retrieved one read as its document (names the claim gives that none of them
#: mentions show that the passage speaks of something else).
DOCUMENT_WINDOW = 12
#: how sure the language detector must be that a claim is not English before a mismatch is reported.
CLAIM_LANGUAGE_CONFIDENCE = 0.8
#: seconds a first run waits for another process that is building the demo index
DEMO_BUILD_WAIT = 600


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
    #: how passages are found: ``dense`` (embedding similarity), ``lexical`` (BM25), ``hybrid`` (both, fused by
    #: reciprocal rank; the last two need an index built with its lexical half) or ``auto``:
    #: ``factcheck.index.DEFAULT_RETRIEVAL`` (dense, for now: see there why).
    retrieval: str = "auto"
    #: a passage less similar to the claim than this (cosine) is not relevant evidence.
    min_similarity: float = 0.3
    #: P(entailment) a relevant passage needs to count as supporting the claim.
    support_threshold: float = 0.5
    #: P(contradiction) a relevant passage needs to count as contradicting the claim.
    contradict_threshold: float = 0.5
    #: also run the verifier on retrieved passages below ``min_similarity``. They never decide the label, so
    #: by default they are shown unjudged (stance None) and the verifier's time goes to the relevant ones only.
    judge_below_gate: bool = False
    #: sources in conflict: when passages both support and contradict the claim, it is disputed only if the
    #: strongest contradiction comes within this margin of the strongest support (P(contradiction) >= P(entailment)
    #: - margin); otherwise the stronger side decides. 1.0: any contradiction makes the claim disputed.
    conflict_margin: float = 1.0

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
        return cls(**values)


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
        return float(np.interp(raw, curve[0], curve[1]))


@dataclass
class TextReport:
    """A whole text checked: each extracted claim with its verdict, and the sentences not checked."""

    text: str
    lang: str
    claims: list[tuple[ExtractedClaim, Verdict]]
    skipped: list[SkippedSentence]

    def counts(self) -> dict[str, int]:
        """How many claims came out supported, disputed and unverified, and how many sentences were not checked."""
        out = {label: sum(v.label == label for _, v in self.claims) for label in (SUPPORTED, DISPUTED, UNVERIFIED)}
        return out | {"not_checked": len(self.skipped)}

    def marks(self) -> list[dict]:
        """The checked sentences to mark in the text, in order: each span once, with the numbers of its claims (a
        sentence split into several facts has several) and the label to colour it by (disputed before unverified
        before supported: one disputed fact marks its sentence)."""
        out: list[dict] = []
        for n, (claim, verdict) in enumerate(self.claims, 1):
            if out and claim.start < out[-1]["end"]:  # the same sentence (spans are sentences, in order)
                mark = out[-1]
                mark["claims"].append(n)
                mark["label"] = min(mark["label"], verdict.label, key=_MARK_ORDER.index)
            else:
                out.append({"start": claim.start, "end": claim.end, "label": verdict.label, "claims": [n]})
        return out

    def to_dict(self) -> dict:
        return {
            "lang": self.lang,
            "summary": self.counts(),
            "claims": [{"n": i, **c.to_dict(), **v.to_dict()} for i, (c, v) in enumerate(self.claims, 1)],
            "marks": self.marks(),
            "not_checked": [s.to_dict() for s in self.skipped],
        }


#: which label marks a sentence whose claims differ.
_MARK_ORDER = (DISPUTED, UNVERIFIED, SUPPORTED)


@dataclass
class Judgement:
    """One claim as the pipeline scored it, before aggregation: its passages and their stance probabilities."""

    #: the claim as checked (whitespace folded, cut to what the models read).
    claim: str
    hits: list[Hit]
    #: per hit, P(entailment, neutral, contradiction); None for a passage that was not judged.
    probabilities: list[list[float] | None]
    #: warnings for the user (truncated claim, language mismatch, empty filter).
    notes: list[str] = field(default_factory=list)
    #: distinct document ids in retrieval order, deeper than the top-k (when asked: retrieval metrics).
    ranking: list[str] = field(default_factory=list)
    #: per hit, the sentence before it in its document when the passage is read with it ("" otherwise).
    contexts: list[str] = field(default_factory=list)
    #: per hit, the passages around it in its document (``DOCUMENT_WINDOW`` either side; "" when not read).
    surroundings: list[str] = field(default_factory=list)
    #: per hit, the verifier's own probabilities (``probabilities`` are these after the fact checks); None if not judged.
    verifier_probabilities: list[list[float] | None] = field(default_factory=list)
    #: per hit, the claim's values and names looked up in the passage (empty when not judged).
    checks: list[list[Check]] = field(default_factory=list)


def _across_languages(claim_lang: str, hit: Hit) -> bool:
    """Whether a claim (in ``claim_lang``, "" when unsure) and a passage are surely in different languages."""
    return bool(claim_lang and hit.passage.lang and hit.passage.lang != claim_lang)


def _claim_language(claim: str) -> str:
    """A claim's language when the detector is sure of it, else ""."""
    lang, sure = detect_language(claim)
    return lang if sure >= CLAIM_LANGUAGE_CONFIDENCE else ""


def with_checks(
    probabilities: list[float], checks: list[Check], claim: str, passage: str, context: str = "", *, across: bool = False, restated_elsewhere: bool = False
) -> list[float]:
    """A passage's stance probabilities after the fact checks, rules the verifier cannot get wrong:

    - a passage that gives another value for something the claim states (:func:`factcheck.verify.compare_facts`), or
      repeats the claim but for one difference (a name in another's place, an opposite word, two names in each
      other's roles, a negation), cannot entail it: its P(entailment) goes to contradiction. P(neutral) goes too when
      the passage is the claim but for that difference (a contrast, or a value given otherwise in a passage that
      repeats ``RESTATES_COVERAGE`` of the claim's words); otherwise it stays (the passage may speak of another
      occasion);
    - a passage whose document never names a name of the claim (:func:`factcheck.verify.names_in_document`) speaks
      of something else: it neither entails nor contradicts the claim (all goes to neutral) but for a contrast (the
      claim's name in the place of the passage's);
    - a passage that restates the claim (:func:`factcheck.verify.restates`: its words, values and names) with the
      same negation cannot contradict it, nor be silent on it: its P(contradiction) and P(neutral) go to entailment
      (across languages only P(contradiction));
    - ``restated_elsewhere``: another passage restates the claim, so a value this one gives otherwise is said of
      something else (the analysts' forecast beside the revenue reported) and rules nothing out.

    A claim with a negation is not contradicted by a value given otherwise (a claim that denies a wrong year is
    right). ``across``: claim and passage are in different languages, and their words cannot be compared: the passage
    restates the claim when it gives all its values and names (:func:`factcheck.verify.restates_across_languages`)."""
    ent, neu, con = STANCES.index(ENTAILMENT), STANCES.index(NEUTRAL), STANCES.index(CONTRADICTION)
    out = list(probabilities)
    if any(c.result == UNNAMED for c in checks):
        out[neu], out[ent], out[con] = 1.0, 0.0, 0.0
    if restated_elsewhere:  # another passage gives the claim's values: this one's other values are of something else
        checks = [c for c in checks if c.result != MISMATCH or c.kind in CONTRASTS]
    if rules_out_entailment(checks, negated=has_negation(claim)):
        out[con], out[ent] = out[con] + out[ent], 0.0
        if any(c.result == MISMATCH and c.kind in CONTRASTS for c in checks) or claim_coverage(claim, passage, context) >= RESTATES_COVERAGE:
            out[con], out[neu] = out[con] + out[neu], 0.0
    elif restated(claim, passage, context, checks, across=across):
        out[ent], out[con] = out[ent] + out[con], 0.0
        if not across:  # the same words, values and names: nor is it silent on the claim
            out[ent], out[neu] = out[ent] + out[neu], 0.0
    return out


def restated(claim: str, passage: str, context: str, checks: list[Check], *, across: bool = False) -> bool:
    """Whether a passage restates the claim with the same negation (:func:`factcheck.verify.restates`; across
    languages :func:`factcheck.verify.restates_across_languages`)."""
    if has_negation(claim) != has_negation(passage):
        return False
    return restates_across_languages(claim, passage, checks) if across else restates(claim, passage, context, checks)


def aggregate(probabilities: Sequence[Sequence[float] | None], similarities: Sequence[float], config: CheckConfig) -> tuple[str, float, list[int]]:
    """Claim label, its confidence, and the indices of the passages that decided it.

    Only passages at least ``config.min_similarity`` similar to the claim are read: the others may have no
    probabilities (None).

    supported: a relevant passage entails the claim and none contradicts it about as strongly; disputed: a relevant
    passage contradicts it and none supports it clearly more strongly (``config.conflict_margin``: when both sides
    are within the margin, the sources are in conflict, and the claim is disputed); unverified: no relevant passage
    takes a clear stance. Strengths are the best passage's on each side, so a passage repeated in several
    documents counts once.
    """
    ent, con = STANCES.index(ENTAILMENT), STANCES.index(CONTRADICTION)
    relevant = {i: p for i, (p, s) in enumerate(zip(probabilities, similarities)) if s >= config.min_similarity and p is not None}
    supporting = [i for i, p in relevant.items() if p[ent] >= config.support_threshold and p[ent] >= p[con]]
    contradicting = [i for i, p in relevant.items() if p[con] >= config.contradict_threshold and p[con] > p[ent]]
    best_ent = max((p[ent] for p in relevant.values()), default=0.0)
    best_con = max((p[con] for p in relevant.values()), default=0.0)
    support = max((relevant[i][ent] for i in supporting), default=0.0)
    if contradicting and (not supporting or best_con >= support - config.conflict_margin):
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
        index: EvidenceStore | None,
        *,
        embedder: Embedder | None = None,
        verifier: Verifier | None = None,
        config: CheckConfig | None = None,
        where: SearchFilter | None = None,
    ) -> None:
        """``index`` (any backend) may be None for a checker that only judges given evidence (oracle
        evaluation); ``where`` restricts retrieval to passages of some sources, languages or dates."""
        if embedder is None:
            embedder = create_embedder() if index is None else embedder_for(index)
        self.index = index
        self.embedder = embedder
        self.verifier = verifier or Verifier()
        self.config = config or CheckConfig.fitted_for(self.verifier.path, self.embedder)
        self.confidence_map = ConfidenceMap.fitted_for(self.verifier.path)
        self.where = where
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
        progress: Progress | None = None,
    ) -> FactChecker:
        """Index the documents under ``paths`` into ``index_dir`` (incrementally) and open it;
        the build's report is kept in ``checker.build_report``."""
        emb = create_embedder(embedder) if embedder else None
        report = build_index(paths, index_dir, emb, index_config, progress)
        index_config = index_config or IndexConfig()
        index = open_index(index_dir, index_config.backend, index_config.uri)
        checker = cls(index, embedder=emb, verifier=load_verifier(verifier), config=config)
        checker.build_report = report
        return checker

    @classmethod
    def demo(
        cls, *, verifier: str | None = None, progress: Progress | None = None, backend: str | None = None, uri: str | None = None
    ) -> FactChecker:
        """A checker over the bundled demo corpus, indexed on first use into the user cache directory (or, with
        the milvus backend, into the index ``factcheck_demo_VERSION`` at ``uri``)."""
        if resolve_backend(backend, uri) == "milvus":
            name = demo_index_name()
            try:
                return cls.open(name, verifier=verifier, backend="milvus", uri=uri)
            except IndexError_:
                return cls.build([demo_corpus_path()], name, verifier=verifier, progress=progress, index_config=IndexConfig(backend="milvus", uri=uri))
        index_dir = demo_index_dir()
        try:
            checker = cls.open(index_dir, verifier=verifier)
            assert checker.index is not None
            if "retrieval" in checker.index.manifest:  # else built before hybrid search: rebuilt below (vectors kept)
                return checker
            checker.index.close()
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
        (judged,) = self.judge([claim])
        _warn(judged.notes)
        return self.verdict(judged)

    def check_many(self, claims: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None) -> list[Verdict]:
        """Check claims in batches: each batch is embedded, searched and verified at once. ``progress`` gets
        ("checking claims", done, total) after each batch."""
        if isinstance(claims, str):
            raise FactcheckError("check_many takes a list of claims, not one string: use check(claim) for one claim")
        verdicts: list[Verdict] = []
        for start in range(0, len(claims), batch_size):
            judged = self.judge(claims[start : start + batch_size], first=start)
            for j in judged:
                _warn(j.notes)
            verdicts += [self.verdict(j) for j in judged]
            if progress:
                progress("checking claims", len(verdicts), len(claims))
        return verdicts

    def check_text(self, text: str, *, lang: str | None = None, progress: Progress | None = None, extractor: Extractor | None = None) -> TextReport:
        """Check a whole text: its check-worthy claims (:func:`factcheck.extract.extract_claims`, by ``extractor``:
        the offline rule-based one when None), each checked as :meth:`check` does, with their spans in ``text`` and
        the sentences left out."""
        if not text.strip():
            raise FactcheckError("empty text: give the text to check")
        extraction = extract_claims(text, lang, extractor)
        verdicts = self.check_many([c.claim for c in extraction.claims], progress=progress) if extraction.claims else []
        return TextReport(text, extraction.lang, list(zip(extraction.claims, verdicts)), extraction.skipped)

    def judge(self, claims: Sequence[str], *, judge_all: bool | None = None, depth: int = 0, first: int | None = None) -> list[Judgement]:
        """Retrieve the top-k passages of each claim and verify them, all claims at once: the scoring step of
        ``check``, ``check_many`` and every benchmark. ``judge_all`` also judges passages below the similarity gate
        (default: ``config.judge_below_gate``), so that the aggregation can be replayed with another gate;
        ``depth`` searches that many passages for each claim's document ranking (only the top-k are judged);
        ``first``: the position of the first claim in a longer list, named in error messages."""
        if self.index is None:
            raise FactcheckError("this checker has no index: open one with FactChecker.open(INDEX_DIR)")
        prepared = [self._prepare(c, "" if first is None else f"claims[{first + i}]: ") for i, c in enumerate(claims)]
        texts = [c for c, _ in prepared]
        k = self.config.top_k
        mode = resolve_mode(self.index, self.config.retrieval)
        langs = [_claim_language(t) or "en" for t in texts] if mode != DENSE else []  # the language a claim is stemmed in
        found = retrieve(self.index, self.embedder.encode_queries(texts), texts, langs, max(k, depth), self.where, mode) if texts else []
        judged = []
        for (claim, notes), row in zip(prepared, found):
            if self.where and not row:
                notes.append(f"no passage of the index matches the evidence filter ({self.where}): nothing was checked, widen the filter")
            ranking = list(dict.fromkeys(h.passage.doc_id for h in row)) if depth else []
            judged.append(Judgement(claim, row[:k], [], notes, ranking))
        self._read_context(judged)
        everything = self.config.judge_below_gate if judge_all is None else judge_all
        self._verify(judged, lambda hit: everything or hit.similarity >= self.config.min_similarity)
        return judged

    def _read_context(self, judged: list[Judgement]) -> None:
        """Fill each judgement's contexts (the sentence before each passage that needs it) and surroundings (the
        passages around each one in its document), in one read for the batch."""
        assert self.index is not None
        count = self.index.passage_count
        windows = {h.row: [r for r in range(max(h.row - DOCUMENT_WINDOW, 0), min(h.row + DOCUMENT_WINDOW + 1, count)) if r != h.row] for j in judged for h in j.hits if h.row >= 0}
        wanted = sorted({r for window in windows.values() for r in window})
        before: dict[int, Passage] = {}
        try:
            before.update(zip(wanted, self.index.passages(wanted)))
        except IndexError_:  # a row may be gone (a Milvus index's deleted document): window by window, then one by one
            for window in windows.values():
                try:
                    before.update(zip(window, self.index.passages(window)))
                except IndexError_:
                    for row in window:
                        with contextlib.suppress(IndexError_):
                            before[row] = self.index.passages([row])[0]
        for j in judged:
            j.contexts, j.surroundings = [], []
            for h in j.hits:
                prior = before.get(h.row - 1) if h.row > 0 and needs_context(h.passage.text) else None
                j.contexts.append(prior.text if prior is not None and prior.doc_id == h.passage.doc_id else "")
                around = (before.get(r) for r in windows.get(h.row, []))
                j.surroundings.append(" ".join(p.text for p in around if p is not None and p.doc_id == h.passage.doc_id))

    def judge_evidence(self, claims: Sequence[str], evidence: Sequence[Sequence[str]]) -> list[Judgement]:
        """Judge each claim against evidence given instead of retrieved (a benchmark's gold evidence: oracle mode).
        Every passage is judged; its similarity to the claim is kept for the aggregation's gate."""
        prepared = [self._prepare(c) for c in claims]
        texts = sorted({e for passages in evidence for e in passages})
        position = {t: i for i, t in enumerate(texts)}
        claim_vectors = self.embedder.encode_queries([c for c, _ in prepared])
        evidence_vectors = self.embedder.encode(texts) if texts else None
        judged = []
        for row, ((claim, notes), passages) in enumerate(zip(prepared, evidence)):
            hits = [
                Hit(Passage(doc_id="", text=e, start=0, end=len(e)), float(np.dot(claim_vectors[row], evidence_vectors[position[e]])), -1)  # type: ignore[index]
                for e in passages
            ]
            judged.append(Judgement(claim, hits, [], notes))
        self._verify(judged, lambda hit: True)
        return judged

    def _verify(self, judged: list[Judgement], reads: Callable[[Hit], bool]) -> None:
        """Fill each judgement's probabilities: the verifier reads the passages ``reads`` accepts (each with its
        context), in one call; the fact checks then compare the claim's values and names with each passage's."""
        for j in judged:
            j.contexts = j.contexts or [""] * len(j.hits)
        languages = [_claim_language(j.claim) for j in judged]
        for j, claim_lang in zip(judged, languages):
            around = j.surroundings or [""] * len(j.hits)
            j.checks = []
            for h, c, a in zip(j.hits, j.contexts, around):
                checks = compare_facts(j.claim, h.passage.text, f"{c} {h.passage.title}") if reads(h) else []
                if a and not _across_languages(claim_lang, h):  # a name's spelling is the claim's language's
                    checks = names_in_document(j.claim, checks, f"{a} {c} {h.passage.title}")
                j.checks.append(checks)
        # the verifier reads the claim with its values written as the passage writes them (same language only)
        pairs = [
            (reading_text(h.passage.text, c), j.claim if _across_languages(claim_lang, h) else aligned_claim(j.claim, checks))
            for j, claim_lang in zip(judged, languages)
            for h, c, checks in zip(j.hits, j.contexts, j.checks)
            if reads(h)
        ]
        probs = iter(self.verifier.predict(pairs).tolist()) if pairs else iter([])
        for j, claim_lang in zip(judged, languages):
            j.verifier_probabilities = [next(probs) if reads(h) else None for h in j.hits]
            stated = any(
                reads(h) and restated(j.claim, h.passage.text, f"{c} {h.passage.title}", checks, across=_across_languages(claim_lang, h))
                for h, checks, c in zip(j.hits, j.checks, j.contexts)
            )
            j.probabilities = [
                None
                if p is None
                else with_checks(p, checks, j.claim, h.passage.text, f"{c} {h.passage.title}", across=_across_languages(claim_lang, h), restated_elsewhere=stated)
                for h, p, checks, c in zip(j.hits, j.verifier_probabilities, j.checks, j.contexts)
            ]

    def verdict(self, judged: Judgement) -> Verdict:
        """Aggregate one claim's judgement into its verdict: label, calibrated confidence, the passages that decided
        it first. Passages below the gate are shown unjudged unless ``config.judge_below_gate``."""
        config = self.config
        shown = [
            p if config.judge_below_gate or h.similarity >= config.min_similarity else None for h, p in zip(judged.hits, judged.probabilities)
        ]
        label, raw, decisive = aggregate(shown, [h.similarity for h in judged.hits], config)
        evidence = []
        contexts = judged.contexts or [""] * len(judged.hits)
        for i, (hit, p) in enumerate(zip(judged.hits, shown)):
            model = judged.verifier_probabilities[i] if p is not None and judged.verifier_probabilities else None
            checks = judged.checks[i] if p is not None and judged.checks else []
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
                    context=contexts[i],
                    verifier_probabilities=None if model is None else {s: round(float(v), 4) for s, v in zip(STANCES, model)},
                    checks=[c.to_dict() | {"text": str(c)} for c in checks],
                )
            )
        order = {idx: rank for rank, idx in enumerate(decisive)}
        evidence = [e for _, e in sorted(enumerate(evidence), key=lambda t: (order.get(t[0], len(order)), -t[1].similarity))]
        return Verdict(claim=judged.claim, label=label, confidence=self.confidence_map(label, raw), evidence=evidence, warnings=list(judged.notes))

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
        return (claim if cut is None else claim[:cut]), notes

    def _language_mismatch(self, claim: str) -> str | None:
        """A warning when the claim is surely not English, the index was embedded by the default English-only
        embedder, and the index holds no passage in the claim's language: retrieval then finds nothing that
        matters (French claims against English passages: 21 % of the bilingual set right, against 54 % with a
        use-multilingual index; eval/RESULTS.md)."""
        if self.embedder.name != DEFAULT_EMBEDDER or self.index is None:
            return None
        languages = self.index.manifest.get("corpus", {}).get("languages")
        if languages is None:
            return None
        lang, score = detect_language(claim)
        if not lang or lang == "en" or score < CLAIM_LANGUAGE_CONFIDENCE or languages.get(lang):
            return None
        return (
            f"the claim reads as '{lang}', but this index holds no '{lang}' passages and its embedder ({DEFAULT_EMBEDDER}) "
            f"matches English only: rebuild it with --embedder use-multilingual, or check the claim in English"
        )

    def with_config(self, **changes: object) -> FactChecker:
        """A checker sharing this one's index and models, with some CheckConfig fields changed."""
        return FactChecker(self.index, embedder=self.embedder, verifier=self.verifier, config=replace(self.config, **changes), where=self.where)  # type: ignore[arg-type]

    def with_filter(self, where: SearchFilter | None) -> FactChecker:
        """A checker sharing this one's index and models that retrieves only passages matching ``where``."""
        return FactChecker(self.index, embedder=self.embedder, verifier=self.verifier, config=self.config, where=where)


def _warn(notes: list[str]) -> None:
    for note in notes:
        warnings.warn(note, stacklevel=3)
