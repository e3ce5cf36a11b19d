"""Evaluation stage: run labelled claims through the pipeline, score them, and fit the aggregation.

A benchmark is a list of :class:`Claim` (text, gold label, optional oracle evidence) and, for end-to-end runs,
a corpus to index. The public sets are read from the files laid out as in ``shared/data``.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from .errors import FactcheckError
from .labels import CONTRADICTION, DISPUTED, ENTAILMENT, LABELS, STANCE_TO_LABEL, STANCES, SUPPORTED, UNVERIFIED, normalize_label
from .pipeline import AGGREGATION_FILE, CheckConfig, aggregate
from .recipes import RecipeConfig, climate_fever_claims, climate_fever_is_heldout, scifact_claims, scifact_corpus

if TYPE_CHECKING:
    import numpy as np

    from .pipeline import FactChecker


@dataclass
class Claim:
    id: str
    claim: str
    label: str
    evidence: list[str] = field(default_factory=list)
    #: gold document (or one-passage document) ids: retrieval metrics and label-only evidence F1.
    evidence_ids: list[str] = field(default_factory=list)
    #: per gold id, its own label when it differs from the claim's (SciFact labels each abstract).
    evidence_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Scored:
    """A claim's retrieved passages as the aggregation sees them: stance probabilities and similarities."""

    claim: Claim
    probabilities: list[list[float]]
    similarities: list[float]
    texts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    #: distinct document ids in retrieval order (deeper than the verified top-k), for retrieval metrics.
    ranking: list[str] = field(default_factory=list)


#: a progress hook: (phase, done, total).
Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------- benchmarks


def scifact_dev(data_dir: Path) -> tuple[list[Claim], Path]:
    """SciFact dev claims (SUPPORT / CONTRADICT / NEI) and the path of its 5,183-abstract corpus."""
    corpus = scifact_corpus(data_dir)
    claims = []
    for row in scifact_claims(data_dir, "dev"):
        labels = {ev["label"] for sets in row["evidence"].values() for ev in sets}
        label = normalize_label(labels.pop()) if len(labels) == 1 else (UNVERIFIED if not labels else DISPUTED)
        evidence = [
            " ".join(corpus[int(doc)]["abstract"][i] for i in ev["sentences"]) for doc, sets in row["evidence"].items() for ev in sets
        ]
        if not evidence:  # NEI: the oracle evidence is the cited abstracts, which do not bear on the claim
            evidence = [s for doc in row.get("cited_doc_ids", []) for s in corpus.get(int(doc), {}).get("abstract", [])]
        doc_labels = {str(doc): normalize_label(sets[0]["label"]) for doc, sets in row["evidence"].items() if sets}
        claims.append(Claim(str(row["id"]), row["claim"], label, evidence, [str(d) for d in row["evidence"]], doc_labels))
    return claims, data_dir / "scifact" / "corpus.jsonl.gz"


def climate_fever_heldout(data_dir: Path, config: RecipeConfig | None = None) -> tuple[list[Claim], list[dict]]:
    """Held-out Climate-FEVER claims and the closed corpus of all its evidence sentences."""
    config = config or RecipeConfig()
    rows = climate_fever_claims(data_dir)
    claims = [
        Claim(
            r["claim_id"],
            r["claim"],
            normalize_label(r["claim_label"]) if r["claim_label"] != "DISPUTED" else DISPUTED,
            [e["evidence"] for e in r["evidences"]],  # oracle: the five annotated candidate sentences
            [e["evidence_id"] for e in r["evidences"] if e["evidence_label"] != "NOT_ENOUGH_INFO"],
            {e["evidence_id"]: normalize_label(e["evidence_label"]) for e in r["evidences"] if e["evidence_label"] != "NOT_ENOUGH_INFO"},
        )
        for r in rows
        if climate_fever_is_heldout(r, config)
    ]
    corpus = {e["evidence_id"]: {"id": e["evidence_id"], "title": e["article"], "text": e["evidence"]} for r in rows for e in r["evidences"]}
    return claims, list(corpus.values())


def fever_lite_test(data_dir: Path) -> list[Claim]:
    """FEVER-Lite test claims (SUPPORTS / REFUTES) with their evidence sentences (oracle only)."""
    from .recipes import detokenize, fever_lite_rows

    return [
        Claim(f"fever-lite-test-{i}", r["claim"], normalize_label(r["label"]), [detokenize(e) for e in r["evidence"]])
        for i, r in enumerate(fever_lite_rows(data_dir, "test"))
    ]


def covid_fact_dev(data_dir: Path) -> list[Claim]:
    """COVID-Fact dev claims (entailment -> supported, not_entailment -> disputed), evidence inline (oracle only)."""
    import csv

    claims = []
    with open(data_dir / "covid-fact" / "RTE-covidfact" / "dev.tsv", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) >= 4:
                evidence = [e.strip() for e in row[1].split(" > ") if e.strip()]
                claims.append(Claim(f"covid-fact-dev-{row[0]}", row[2].strip(), normalize_label(row[3]), evidence))
    return claims


def load_claims(path: Path) -> tuple[list[Claim], list[str]]:
    """Labelled claims from a JSONL file: ``claim``, ``label`` (any usual spelling), optional ``id``,
    ``evidence`` (list of strings: oracle mode) and ``evidence_ids`` (gold document ids). A malformed row is
    skipped with a message naming the file, line and field; the other rows are kept."""
    from .ingest import parse_jsonl

    claims: list[Claim] = []
    skipped: list[str] = []
    seen: dict[str, int] = {}
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FactcheckError(f"{path} is not UTF-8 text: convert it with iconv -t UTF-8") from None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            (_, row), = parse_jsonl(line)
        except ValueError as exc:
            skipped.append(f"{path}:{lineno}: {str(exc).partition(': ')[2]}")
            continue
        problem = None
        claim, evidence, ids = row.get("claim"), row.get("evidence", []), row.get("evidence_ids", [])
        claim_id = str(row.get("id", lineno))
        if not isinstance(claim, str) or not claim.strip():
            problem = 'field "claim": missing or empty'
        elif not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            problem = 'field "evidence": must be a list of strings'
        elif not isinstance(ids, list) or not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in ids):
            problem = 'field "evidence_ids": must be a list of document ids (strings or integers)'
        elif claim_id in seen:
            problem = f'field "id": {claim_id!r} already used on line {seen[claim_id]}'
        else:
            try:
                label = normalize_label(row.get("label"))
            except ValueError as exc:
                problem = f'field "label": {exc}'
        if problem:
            skipped.append(f"{path}:{lineno}: {problem}")
            continue
        seen[claim_id] = lineno
        claims.append(Claim(claim_id, claim, label, list(evidence), [str(i) for i in ids]))
    return claims, skipped


# ---------------------------------------------------------------- scoring


#: passages searched per claim for the document ranking behind recall@k, MRR@10 and nDCG@10.
RANKING_PASSAGES = 100
#: documents kept in that ranking.
RANKING_DOCUMENTS = 10


def score_end_to_end(
    checker: FactChecker,
    claims: Sequence[Claim],
    batch_size: int = 64,
    *,
    ranking: bool = False,
    progress: Progress | None = None,
) -> list[Scored]:
    """Retrieve and verify every claim once; the aggregation can then be replayed with any config.

    With ``ranking``, each claim also gets its first ``RANKING_DOCUMENTS`` distinct documents among the
    ``RANKING_PASSAGES`` nearest passages (only the top-k passages are verified)."""
    if checker.retriever is None:
        raise FactcheckError("end-to-end scoring needs a checker with an index")
    k = checker.config.top_k
    depth = max(k, RANKING_PASSAGES) if ranking else k
    out: list[Scored] = []
    for start in range(0, len(claims), batch_size):
        batch = list(claims[start : start + batch_size])
        deep = checker.retriever.search([c.claim for c in batch], depth)
        hits = [row[:k] for row in deep]
        pairs = [(h.passage.text, c.claim) for c, row in zip(batch, hits) for h in row]
        probs = checker.verifier.predict(pairs).tolist()
        cursor = 0
        for c, row, deep_row in zip(batch, hits, deep):
            docs = list(dict.fromkeys(h.passage.doc_id for h in deep_row))[:RANKING_DOCUMENTS] if ranking else []
            out.append(
                Scored(c, probs[cursor : cursor + len(row)], [h.similarity for h in row], [h.passage.text for h in row], [h.passage.doc_id for h in row], docs)
            )
            cursor += len(row)
        if progress:
            progress("scoring claims", len(out), len(claims))
    return out


def score_oracle(checker: FactChecker, claims: Sequence[Claim], batch_size: int = 64, *, progress: Progress | None = None) -> list[Scored]:
    """Verify each claim against its own gold evidence (no retrieval). The similarities are kept: the
    aggregation's gate applies to them unless the run turns it off (``RunConfig.gate_oracle_evidence``)."""
    import numpy as np

    out: list[Scored] = []
    for start in range(0, len(claims), batch_size):
        batch = list(claims[start : start + batch_size])
        claim_vecs = checker.embedder.encode([c.claim for c in batch])
        texts = sorted({e for c in batch for e in c.evidence})
        position = {t: i for i, t in enumerate(texts)}
        evidence_vecs = checker.embedder.encode(texts) if texts else None
        probs = checker.verifier.predict([(e, c.claim) for c in batch for e in c.evidence]).tolist()
        cursor = 0
        for row, c in enumerate(batch):
            sims = [float(np.dot(claim_vecs[row], evidence_vecs[position[e]])) for e in c.evidence] if evidence_vecs is not None else []
            out.append(Scored(c, probs[cursor : cursor + len(c.evidence)], sims, list(c.evidence)))
            cursor += len(c.evidence)
        if progress:
            progress("scoring claims", len(out), len(claims))
    return out


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix (rows gold, columns predicted)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(LABELS)
    p, r, f, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        # macro over the labels the gold set has (FEVER-Lite and COVID-Fact have no "unverified" claims)
        "macro_f1": round(float(f1_score(gold, predicted, labels=[x for x in labels if x in set(gold)], average="macro", zero_division=0)), 4),
        "per_class": {
            lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(support[i])}
            for i, lab in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(gold, predicted, labels=labels).tolist()},
    }


def retrieval_metrics(rankings: Sequence[Sequence[str]], gold: Sequence[Sequence[str]], ks: Sequence[int] = (1, 5, 10)) -> dict:
    """Document-level recall@k, MRR@10 and nDCG@10 (binary relevance) over the claims that have gold ids.

    ``rankings`` are distinct document ids in retrieval order; recall@k is the share of a claim's gold ids
    among its first k documents, averaged over claims (the BEIR definition)."""
    import numpy as np

    rows = [(list(r), set(g)) for r, g in zip(rankings, gold) if g]
    if not rows:
        return {}
    discount = 1.0 / np.log2(np.arange(2, 12))  # ranks 1..10
    recall = {k: np.mean([len(set(r[:k]) & g) / len(g) for r, g in rows]) for k in sorted(set(ks))}
    rr = [next((1.0 / rank for rank, d in enumerate(r[:10], 1) if d in g), 0.0) for r, g in rows]
    ndcg = [sum(discount[i] for i, d in enumerate(r[:10]) if d in g) / discount[: min(len(g), 10)].sum() for r, g in rows]
    return {
        "claims": len(rows),
        **{f"recall@{k}": round(float(v), 4) for k, v in recall.items()},
        "mrr@10": round(float(np.mean(rr)), 4),
        "ndcg@10": round(float(np.mean(ndcg)), 4),
    }


def evidence_label_f1(scored: Sequence[Scored], config: CheckConfig) -> dict:
    """SciFact's abstract-level label-only precision, recall and F1 (Wadden et al. 2020), for any end-to-end
    run with gold document ids.

    Predicted: the documents of the passages that decided a claim's label, each with the stance of its most
    decisive passage (supported or disputed). Gold: each gold document with its label (the claim's label unless
    the benchmark labels documents). A prediction is correct when the document is gold for the claim and the
    labels match; precision = correct / predicted, recall = correct / gold."""
    ent, con = STANCES.index(ENTAILMENT), STANCES.index(CONTRADICTION)
    retrieved = relevant = correct = 0
    for s in scored:
        gold = {d: s.claim.evidence_labels.get(d, s.claim.label) for d in s.claim.evidence_ids}
        gold = {d: lab for d, lab in gold.items() if lab != UNVERIFIED}
        _, _, decisive = aggregate(s.probabilities[: config.top_k], s.similarities[: config.top_k], config)
        predicted: dict[str, str] = {}
        for i in decisive:
            p = s.probabilities[i]
            predicted.setdefault(s.ids[i], SUPPORTED if p[ent] >= p[con] else DISPUTED)
        retrieved += len(predicted)
        relevant += len(gold)
        correct += sum(gold.get(d) == lab for d, lab in predicted.items())
    precision = correct / retrieved if retrieved else 0.0
    recall = correct / relevant if relevant else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "predicted": retrieved, "gold": relevant, "correct": correct}


def calibration(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> dict:
    """Expected calibration error of a confidence against correctness, with the equal-width bins
    (``(lo, hi]``) a reliability diagram draws."""
    import numpy as np

    conf = np.asarray(confidence, dtype=float)
    right = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.digitize(conf, edges[1:-1], right=True)
    table, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        row = {"lo": round(float(edges[b]), 4), "hi": round(float(edges[b + 1]), 4), "count": n, "accuracy": None, "confidence": None}
        if n:
            acc, mean_conf = float(right[mask].mean()), float(conf[mask].mean())
            ece += n / len(conf) * abs(acc - mean_conf)
            row.update(accuracy=round(acc, 4), confidence=round(mean_conf, 4))
        table.append(row)
    return {"ece": round(float(ece), 4), "bins": table}


def retrieval_only_baseline(scored: Sequence[Scored], threshold: float, k: int) -> list[str]:
    """No verifier: supported when the most similar of the first k passages reaches ``threshold``, else unverified."""
    return [SUPPORTED if max(s.similarities[:k], default=-1.0) >= threshold else UNVERIFIED for s in scored]


def claim_only_baseline(model: str, claims: Sequence[Claim]) -> list[str]:
    """Labels from a claim-only model (a CrossEncoder trained with the evidence blanked, as
    ``eval/sweep_verifier.py --only claim-only-bs16`` trains it): it reads ("", claim) as written."""
    from .verify import Verifier, VerifierConfig

    probs = Verifier(VerifierConfig(model=model, positive_claims=False)).predict([("", c.claim) for c in claims])
    return [STANCE_TO_LABEL[STANCES[int(i)]] for i in probs.argmax(axis=1)]


def peak_rss_mib() -> float | None:
    """This process's peak resident memory so far (None where ``resource`` does not exist)."""
    import sys

    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def oracle_config(config: CheckConfig, *, gate: bool) -> CheckConfig:
    """``config`` for judging a claim's gold evidence: every given passage, through the similarity gate or not."""
    return replace(config, top_k=10**6, min_similarity=config.min_similarity if gate else float("-inf"))


def replay(scored: Sequence[Scored], config: CheckConfig) -> list[str]:
    return [label for label, _ in replay_with_scores(scored, config)]


def replay_with_scores(scored: Sequence[Scored], config: CheckConfig) -> list[tuple[str, float]]:
    k = config.top_k
    out = []
    for s in scored:
        label, raw, _ = aggregate(s.probabilities[:k], s.similarities[:k], config)
        out.append((label, raw))
    return out


def fit_confidence_curves(scored: Sequence[Scored], config: CheckConfig) -> dict[str, dict[str, list[float]]]:
    """Per predicted label, an isotonic map from the raw aggregation score to P(label is right)."""
    import numpy as np
    from sklearn.isotonic import IsotonicRegression

    predictions = replay_with_scores(scored, config)
    curves = {}
    for label in LABELS:
        rows = [(raw, float(s.claim.label == label)) for s, (pred, raw) in zip(scored, predictions) if pred == label]
        if len(rows) < 10:
            continue
        x, y = np.array(rows).T
        iso = IsotonicRegression(y_min=0.01, y_max=0.99, out_of_bounds="clip").fit(x, y)
        curves[label] = {"x": [round(float(v), 4) for v in iso.X_thresholds_], "y": [round(float(v), 4) for v in iso.y_thresholds_]}
    return curves


# ---------------------------------------------------------------- fitting the aggregation

GRID = {
    "top_k": [3, 5],
    "min_similarity": [0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75],
    "support_threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "contradict_threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
}


def fit_aggregation(dev: dict[str, Sequence[Scored]], grid: dict[str, list] | None = None) -> tuple[CheckConfig, dict]:
    """The CheckConfig that maximizes the mean macro-F1 over the dev sets (ties: the simpler, lower top_k)."""
    grid = grid or GRID
    best: tuple[float, CheckConfig] | None = None
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        config = CheckConfig(**dict(zip(keys, values)))
        score = sum(metrics([s.claim.label for s in rows], replay(rows, config))["macro_f1"] for rows in dev.values()) / len(dev)
        if best is None or score > best[0] + 1e-9:
            best = (score, config)
    assert best is not None
    report = {name: metrics([s.claim.label for s in rows], replay(rows, best[1])) for name, rows in dev.items()}
    return best[1], {"mean_macro_f1": round(best[0], 4), "per_set": report}


def write_aggregation(verifier_dir: Path, config: CheckConfig, curves: dict, report: dict, provenance: dict) -> Path:
    path = Path(verifier_dir) / AGGREGATION_FILE
    payload = {
        "config": asdict(config),
        "confidence_curves": curves,
        "fitted_on": provenance,
        "dev_report": report,
        "date": datetime.now(timezone.utc).date().isoformat(),
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def sample(claims: list[Claim], n: int | None, seed: int = 13) -> list[Claim]:
    if n is None or n >= len(claims):
        return claims
    rng = random.Random(seed)
    return sorted(rng.sample(claims, n), key=lambda c: c.id)



# ---------------------------------------------------------------- verifier calibration


def expected_calibration_error(probabilities: np.ndarray, gold: np.ndarray, bins: int = 15) -> float:
    """ECE of the top-label confidence, equal-width bins."""
    return float(calibration(probabilities.max(axis=1), probabilities.argmax(axis=1) == gold, bins)["ece"])


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The softmax temperature that minimizes the negative log-likelihood of the gold stances."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(gold)), gold].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


#: fewer pairs judged through their positive form than this share the other temperature (too few to fit their own).
MIN_POSITIVE_FORM_PAIRS = 30


def calibrate(model_dir: str | Path, logits: np.ndarray, gold: np.ndarray, swapped: np.ndarray, fitted_on: Sequence[str]) -> dict:
    """Fit a verifier's softmax temperatures on labelled pairs and write them beside it (``factcheck_calibration.json``,
    which :class:`~factcheck.verify.Verifier` applies): one for the claims judged as written, one for the negated
    claims judged through their positive form (``swapped``; ``VerifierConfig.positive_claims``), another population
    of inputs, where there are enough of them. Returns what was written."""
    from datetime import date

    from .verify import CALIBRATION_FILE

    written = ~swapped if (~swapped).any() else swapped
    temperature = fit_temperature(logits[written], gold[written])
    positive = fit_temperature(logits[swapped], gold[swapped]) if swapped.sum() >= MIN_POSITIVE_FORM_PAIRS else temperature
    record = {
        "temperature": round(temperature, 4),
        "temperature_positive_form": round(positive, 4),
        "pairs": {"as_written": int((~swapped).sum()), "positive_form": int(swapped.sum())},
        "fitted_on": list(fitted_on),
        "date": date.today().isoformat(),
    }
    (Path(model_dir) / CALIBRATION_FILE).write_text(json.dumps(record, indent=2) + "\n")
    return record


# ---------------------------------------------------------------- benchmark runs


@dataclass(frozen=True)
class RunConfig:
    """What a benchmark run measures besides accuracy."""

    #: claims timed one at a time for the latency percentiles (a seeded sample; 0 skips).
    latency_sample: int = 50
    #: a claim-only model folder for that baseline (None: reported as not run).
    claim_only_model: str | None = None
    #: equal-width confidence bins of the ECE and the reliability diagram.
    calibration_bins: int = 10
    seed: int = 13
    #: oracle mode: whether the aggregation's similarity gate also applies to gold evidence. Keep it where a
    #: benchmark's evidence may not bear on the claim (SciFact's NEI claims, Climate-FEVER's candidate
    #: sentences); drop it where gold evidence always does (FEVER-Lite, COVID-Fact), or the gate turns right
    #: stances into "unverified".
    gate_oracle_evidence: bool = True


def run_benchmark(
    checker: FactChecker,
    claims: Sequence[Claim],
    *,
    name: str,
    oracle: bool,
    out_dir: Path,
    meta: dict | None = None,
    config: RunConfig | None = None,
    progress: Progress | None = None,
) -> dict:
    """Score ``claims`` (end to end, or against their own evidence with ``oracle``), write a run folder
    (metrics.json, predictions.jsonl, report.md, confusion_matrix.png, reliability.png) and return the metrics."""
    import os
    import platform
    import time
    from collections import Counter

    import numpy as np

    from . import __version__

    run = config or RunConfig()
    claims = list(claims)
    if not claims:
        raise FactcheckError(f"no claim to evaluate in {name}")
    load_before = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    ranking = not oracle and any(c.evidence_ids for c in claims)

    def score(batch: Sequence[Claim], hook: Progress | None = None) -> list[Scored]:
        if oracle:
            return score_oracle(checker, batch, progress=hook)
        return score_end_to_end(checker, batch, ranking=ranking, progress=hook)

    score([next((c for c in claims if c.evidence or not oracle), claims[0])])  # warm-up: load the models before timing
    started = time.perf_counter()
    scored = score(claims, progress)
    seconds = time.perf_counter() - started
    latencies = []
    timed = sample(claims, run.latency_sample, run.seed) if run.latency_sample else []
    for i, c in enumerate(timed, 1):
        t0 = time.perf_counter()
        if oracle:
            score_oracle(checker, [c])
        else:
            checker.check(c.claim)
        latencies.append(time.perf_counter() - t0)
        if progress:
            progress("timing single claims", i, len(timed))

    check_config = oracle_config(checker.config, gate=run.gate_oracle_evidence) if oracle else checker.config
    k = check_config.top_k
    predictions = replay_with_scores(scored, check_config)
    gold = [s.claim.label for s in scored]
    predicted = [label for label, _ in predictions]
    confidence = [checker.confidence_map(label, raw) for label, raw in predictions]
    correct = [p == g for p, g in zip(predicted, gold)]

    def headline(labels: Sequence[str]) -> dict:
        m = metrics(gold, labels)
        return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}

    majority = Counter(gold).most_common(1)[0][0] if gold else UNVERIFIED
    threshold = checker.config.min_similarity
    baselines: dict = {
        "majority_class": {"label": majority, **headline([majority] * len(gold))},
        "retrieval_only": {
            "rule": f"supported if the most similar {'gold evidence passage' if oracle else f'of the top {k} passages'} has cosine similarity >= {threshold} (the relevance gate of the aggregation), else unverified; no verifier",
            "threshold": threshold,
            **headline(retrieval_only_baseline(scored, threshold, k)),
        },
    }
    if run.claim_only_model:
        baselines["claim_only"] = {"model": run.claim_only_model, **headline(claim_only_baseline(run.claim_only_model, claims))}
    else:
        baselines["claim_only"] = {"model": None, "note": "not run: give --claim-only-model PATH (train it with eval/sweep_verifier.py --only claim-only-bs16)"}

    result: dict = {
        "benchmark": name,
        "mode": "oracle" if oracle else "end-to-end",
        "similarity_gate": None if oracle and not run.gate_oracle_evidence else checker.config.min_similarity,
        **metrics(gold, predicted),
        "calibration": {"measures": "the printed confidence against whether the claim label is right", **calibration(confidence, correct, run.calibration_bins)},
        "baselines": baselines,
    }
    if ranking:
        result["retrieval"] = {
            "measures": f"distinct documents in the order their passages were retrieved ({RANKING_PASSAGES} passages searched), against the gold evidence_ids",
            **retrieval_metrics([s.ranking for s in scored], [s.claim.evidence_ids for s in scored], (1, 5, 10, k)),
        }
        result["evidence_label_only"] = {
            "measures": "SciFact abstract-level label-only: a (document, label) from the deciding passages counts when the document is gold for the claim and its label matches",
            **evidence_label_f1(scored, check_config),
        }
    result["speed"] = {
        "claims_per_second": round(len(scored) / seconds, 2) if seconds > 0 else None,
        "scoring_seconds": round(seconds, 2),
        "measures": "claims/s: all claims scored in batches of 64, models loaded; latency: one claim at a time "
        + ("(checker.check: embed, search, verify, aggregate)" if not oracle else "(embed claim and evidence, verify)")
        + f" on {len(timed)} sampled claims",
        "latency_ms": {
            "claims": len(latencies),
            "p50": round(float(np.percentile(latencies, 50)) * 1000, 1) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)) * 1000, 1) if latencies else None,
        },
        "peak_rss_mib": peak_rss_mib(),
        "load_average": [load_before, round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None],
    }
    result.update(
        {
            "config": asdict(checker.config),
            "verifier": checker.verifier.name,
            "embedder": checker.embedder.name,
            "factcheck_version": __version__,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **(meta or {}),
        }
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    result["plots"] = write_plots(out_dir, result)
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    with open(out_dir / "predictions.jsonl", "w", encoding="utf-8") as fh:
        for s, label, conf in zip(scored, predicted, confidence):
            evidence = [
                {"text": t, "id": i, "similarity": round(sim, 4), "probabilities": [round(p, 4) for p in prob]}
                for t, i, sim, prob in itertools.zip_longest(s.texts, s.ids, s.similarities, s.probabilities, fillvalue="")
            ]
            row = {"id": s.claim.id, "claim": s.claim.claim, "gold": s.claim.label, "predicted": label, "confidence": round(conf, 4), "evidence": evidence}
            if ranking:
                row["retrieved_documents"] = s.ranking
                row["gold_documents"] = s.claim.evidence_ids
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out_dir / "report.md").write_text(report_markdown(result))
    return result


def write_plots(out_dir: Path, result: dict) -> list[str]:
    """confusion_matrix.png and reliability.png in ``out_dir`` (matplotlib, the ``eval`` extra); [] without it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return []
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    title = f"{result['benchmark']} ({result['mode']}), {result['n']} claims"
    fig = Figure(figsize=(5.2, 4.6), layout="constrained")
    ax = fig.subplots()
    ConfusionMatrixDisplay(np.array(result["confusion"]["matrix"]), display_labels=result["confusion"]["labels"]).plot(ax=ax, colorbar=False, cmap="Blues")
    ax.set(title=title, xlabel="predicted", ylabel="gold")
    fig.savefig(out_dir / "confusion_matrix.png", dpi=110)

    bins = result["calibration"]["bins"]
    lo = [b["lo"] for b in bins]
    width = bins[0]["hi"] - bins[0]["lo"]
    fig = Figure(figsize=(5.2, 5.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    top.bar(lo, [b["accuracy"] or 0.0 for b in bins], width=width, align="edge", edgecolor="black", label="share of claims right")
    top.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect calibration")
    filled = [b for b in bins if b["count"]]
    top.plot([b["confidence"] for b in filled], [b["accuracy"] for b in filled], "o", color="darkorange", label="(mean confidence, accuracy) per bin")
    top.set(xlim=(0, 1), ylim=(0, 1), ylabel="accuracy", title=f"{title}: ECE {result['calibration']['ece']:.3f}")
    top.legend(loc="upper left", fontsize="small")
    bottom.bar(lo, [b["count"] for b in bins], width=width, align="edge", edgecolor="black", color="gray")
    bottom.set(xlabel="printed confidence", ylabel="claims")
    fig.savefig(out_dir / "reliability.png", dpi=110)
    return ["confusion_matrix.png", "reliability.png"]


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return "n/a" if value is None else str(value)


def report_markdown(result: dict) -> str:
    labels = result["confusion"]["labels"]
    base = result["baselines"]
    speed = result["speed"]
    lines = [
        f"# {result['benchmark']} ({result['mode']})",
        "",
        f"{result['n']} claims ({result.get('skipped_rows', 0)} malformed rows skipped); verifier {result['verifier']}; embedder {result['embedder']}; "
        f"factcheck {result.get('factcheck_version')}; {result.get('machine')}; {result.get('date')}.",
        "",
        "| system | accuracy | macro-F1 |",
        "|---|---|---|",
        f"| factcheck | {result['accuracy']:.3f} | {result['macro_f1']:.3f} |",
        f"| majority class ({base['majority_class']['label']}) | {base['majority_class']['accuracy']:.3f} | {base['majority_class']['macro_f1']:.3f} |",
        f"| retrieval only (similarity >= {base['retrieval_only']['threshold']}: supported, else unverified) | {base['retrieval_only']['accuracy']:.3f} | {base['retrieval_only']['macro_f1']:.3f} |",
    ]
    claim_only = base["claim_only"]
    if claim_only.get("model"):
        lines.append(f"| claim only ({claim_only['model']}) | {claim_only['accuracy']:.3f} | {claim_only['macro_f1']:.3f} |")
    else:
        lines.append(f"| claim only | {claim_only['note']} | |")
    lines += [
        "",
        f"Retrieval-only rule: {base['retrieval_only']['rule']}.",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
        *[f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |" for k, v in result["per_class"].items()],
        "",
        "Confusion matrix (rows gold, columns predicted):",
        "",
        "| gold \\ predicted | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
        *[f"| {g} | " + " | ".join(str(n) for n in row) + " |" for g, row in zip(labels, result["confusion"]["matrix"])],
        "",
    ]
    if "retrieval" in result:
        r = result["retrieval"]
        keys = [key for key in r if "@" in key]
        lines += [
            f"Retrieval ({r['claims']} claims with gold ids; {r['measures']}):",
            "",
            "| " + " | ".join(keys) + " |",
            "|" + "---|" * len(keys),
            "| " + " | ".join(f"{r[key]:.3f}" for key in keys) + " |",
            "",
        ]
        e = result["evidence_label_only"]
        lines += [
            f"Evidence-level label-only ({e['measures']}): precision {e['precision']:.3f}, recall {e['recall']:.3f}, "
            f"F1 {e['f1']:.3f} ({e['correct']} correct of {e['predicted']} predicted, {e['gold']} gold).",
            "",
        ]
    lines += [
        f"Calibration: ECE {result['calibration']['ece']:.3f} ({len(result['calibration']['bins'])} equal-width bins; {result['calibration']['measures']}).",
        "",
        f"Speed: {_fmt(speed['claims_per_second'])} claims/s; latency p50 {_fmt(speed['latency_ms']['p50'])} ms, p95 {_fmt(speed['latency_ms']['p95'])} ms; "
        f"peak RSS {_fmt(speed['peak_rss_mib'])} MiB ({speed['measures']}; 1-minute load average {_fmt(speed['load_average'][0])} before, "
        f"{_fmt(speed['load_average'][1])} after, on {result.get('machine')}).",
        "",
    ]
    if result.get("plots"):
        lines += [f"![{p.removesuffix('.png')}]({p})" for p in result["plots"]] + [""]
    else:
        lines += ["Plots not written: matplotlib is missing (pip install 'factcheck[eval]').", ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- comparing runs


def _numbers(tree: object, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a metrics.json, as dotted paths (the confusion matrix, config and bins left out)."""
    out: dict[str, float] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in {"confusion", "config", "bins", "load_average", "limit", "support", "threshold"}:
                continue
            out.update(_numbers(value, f"{prefix}{key}."))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        out[prefix.rstrip(".")] = float(tree)
    return out


def _read_run(path: Path) -> tuple[dict, dict[str, dict]]:
    path = Path(path)
    metrics_file = path / "metrics.json"
    if not metrics_file.is_file():
        raise FactcheckError(f"{path} is not a run folder (no metrics.json): give a folder written by factcheck eval")
    predictions = path / "predictions.jsonl"  # not committed for the runs under eval/results: metrics only
    try:
        result = json.loads(metrics_file.read_text())
        rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines() if line.strip()] if predictions.is_file() else []
    except (OSError, ValueError) as exc:
        raise FactcheckError(f"cannot read the run folder {path}: {exc}") from None
    return result, {str(r["id"]): r for r in rows}


def compare_runs(run_a: Path, run_b: Path, examples: int = 5) -> dict:
    """What changed from run A to run B: every metric with its delta, and the predictions that flipped."""
    a, pred_a = _read_run(run_a)
    b, pred_b = _read_run(run_b)
    na, nb = _numbers(a), _numbers(b)
    rows = [
        {"metric": key, "a": na.get(key), "b": nb.get(key), "delta": round(nb[key] - na[key], 4) if key in na and key in nb else None}
        for key in list(dict.fromkeys([*na, *nb]))
    ]
    common = [i for i in pred_a if i in pred_b]
    flipped = [i for i in common if pred_a[i]["predicted"] != pred_b[i]["predicted"]]

    def example(i: str) -> dict:
        ra, rb = pred_a[i], pred_b[i]
        return {"id": i, "claim": ra["claim"], "gold": ra["gold"], "a": ra["predicted"], "b": rb["predicted"], "a_confidence": ra.get("confidence"), "b_confidence": rb.get("confidence")}

    return {
        "a": {"run": str(run_a), **{k: a.get(k) for k in ("benchmark", "mode", "n", "verifier", "date")}},
        "b": {"run": str(run_b), **{k: b.get(k) for k in ("benchmark", "mode", "n", "verifier", "date")}},
        "metrics": rows,
        "predictions": {
            "compared": bool(pred_a) and bool(pred_b),
            "common": len(common),
            "only_a": len(pred_a) - len(common),
            "only_b": sum(i not in pred_a for i in pred_b),
            "flipped": len(flipped),
            "fixed": sum(pred_b[i]["predicted"] == pred_b[i]["gold"] for i in flipped),
            "broken": sum(pred_a[i]["predicted"] == pred_a[i]["gold"] for i in flipped),
            "examples": [example(i) for i in flipped[:examples]],
        },
    }
