"""Evaluation stage: run labelled claims through the pipeline, score them, and fit the aggregation.

A benchmark is a list of :class:`Claim` (text, gold label, optional oracle evidence) and, for end-to-end runs,
a corpus to index. The public sets are read from the files laid out as in ``shared/data``.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .labels import DISPUTED, LABELS, UNVERIFIED, normalize_label
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
    evidence_ids: list[str] = field(default_factory=list)


@dataclass
class Scored:
    """A claim's retrieved passages as the aggregation sees them: stance probabilities and similarities."""

    claim: Claim
    probabilities: list[list[float]]
    similarities: list[float]
    texts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


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
        claims.append(Claim(str(row["id"]), row["claim"], label, evidence, [str(d) for d in row["evidence"]]))
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
    ``evidence`` (list of strings: oracle mode) and ``evidence_ids``. A malformed row is skipped with a
    message naming the file, line and field."""
    from .ingest import parse_jsonl

    claims: list[Claim] = []
    skipped: list[str] = []
    text = Path(path).read_text(encoding="utf-8-sig")
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
        if not isinstance(claim, str) or not claim.strip():
            problem = 'field "claim": missing or empty'
        elif not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            problem = 'field "evidence": must be a list of strings'
        elif not isinstance(ids, list):
            problem = 'field "evidence_ids": must be a list'
        else:
            try:
                label = normalize_label(row.get("label"))
            except ValueError as exc:
                problem = f'field "label": {exc}'
        if problem:
            skipped.append(f"{path}:{lineno}: {problem}")
            continue
        claims.append(Claim(str(row.get("id", lineno)), claim, label, list(evidence), [str(i) for i in ids]))
    return claims, skipped


# ---------------------------------------------------------------- scoring


def score_end_to_end(checker: FactChecker, claims: Sequence[Claim], batch_size: int = 64) -> list[Scored]:
    """Retrieve and verify every claim once; the aggregation can then be replayed with any config."""
    out: list[Scored] = []
    for start in range(0, len(claims), batch_size):
        batch = list(claims[start : start + batch_size])
        assert checker.retriever is not None, "end-to-end scoring needs a checker with an index"
        hits = checker.retriever.search([c.claim for c in batch], checker.config.top_k)
        pairs = [(h.passage.text, c.claim) for c, row in zip(batch, hits) for h in row]
        probs = checker.verifier.predict(pairs).tolist()
        cursor = 0
        for c, row in zip(batch, hits):
            out.append(
                Scored(c, probs[cursor : cursor + len(row)], [h.similarity for h in row], [h.passage.text for h in row], [h.passage.doc_id for h in row])
            )
            cursor += len(row)
    return out


def score_oracle(checker: FactChecker, claims: Sequence[Claim]) -> list[Scored]:
    """Verify each claim against its own gold evidence (no retrieval); similarities still gate relevance."""
    import numpy as np

    claim_vecs = checker.embedder.encode([c.claim for c in claims])
    texts = sorted({e for c in claims for e in c.evidence})
    position = {t: i for i, t in enumerate(texts)}
    evidence_vecs = checker.embedder.encode(texts)
    pairs = [(e, c.claim) for c in claims for e in c.evidence]
    probs = checker.verifier.predict(pairs).tolist()
    out, cursor = [], 0
    for row, c in enumerate(claims):
        sims = [float(np.dot(claim_vecs[row], evidence_vecs[position[e]])) for e in c.evidence]
        out.append(Scored(c, probs[cursor : cursor + len(c.evidence)], sims, list(c.evidence)))
        cursor += len(c.evidence)
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
    import numpy as np

    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == gold
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


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


# ---------------------------------------------------------------- benchmark runs


def run_benchmark(
    checker: FactChecker,
    claims: Sequence[Claim],
    *,
    name: str,
    oracle: bool,
    out_dir: Path,
    meta: dict | None = None,
) -> dict:
    """Score ``claims`` (end to end, or against their own evidence with ``oracle``), write a run folder
    (metrics.json, predictions.jsonl, report.md) and return the metrics."""
    import time
    from collections import Counter
    from dataclasses import replace

    started = time.perf_counter()
    scored = score_oracle(checker, claims) if oracle else score_end_to_end(checker, claims)
    seconds = time.perf_counter() - started
    config = replace(checker.config, top_k=10**6) if oracle else checker.config
    predictions = replay_with_scores(scored, config)
    gold = [s.claim.label for s in scored]
    predicted = [label for label, _ in predictions]
    majority = Counter(gold).most_common(1)[0][0] if gold else UNVERIFIED
    result = {
        "benchmark": name,
        "mode": "oracle" if oracle else "end-to-end",
        **metrics(gold, predicted),
        "baselines": {"majority_class": {"label": majority, **{k: v for k, v in metrics(gold, [majority] * len(gold)).items() if k in ("accuracy", "macro_f1")}}},
        "claims_per_second": round(len(scored) / seconds, 2) if seconds > 0 else None,
        "config": asdict(checker.config),
        "verifier": checker.verifier.name,
        "embedder": checker.embedder.name,
        **(meta or {}),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    with open(out_dir / "predictions.jsonl", "w", encoding="utf-8") as fh:
        for s, (label, raw) in zip(scored, predictions):
            evidence = [
                {"text": t, "id": i, "similarity": round(sim, 4), "probabilities": [round(p, 4) for p in prob]}
                for t, i, sim, prob in itertools.zip_longest(s.texts, s.ids, s.similarities, s.probabilities, fillvalue="")
            ]
            row = {"id": s.claim.id, "claim": s.claim.claim, "gold": s.claim.label, "predicted": label, "confidence": round(checker.confidence_map(label, raw), 4), "evidence": evidence}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out_dir / "report.md").write_text(report_markdown(result))
    return result


def report_markdown(result: dict) -> str:
    labels = result["confusion"]["labels"]
    lines = [
        f"# {result['benchmark']} ({result['mode']})",
        "",
        f"{result['n']} claims; verifier {result['verifier']}; embedder {result['embedder']}; {result.get('claims_per_second')} claims/s.",
        "",
        "| measure | value | majority-class baseline |",
        "|---|---|---|",
        f"| accuracy | {result['accuracy']:.3f} | {result['baselines']['majority_class']['accuracy']:.3f} |",
        f"| macro-F1 | {result['macro_f1']:.3f} | {result['baselines']['majority_class']['macro_f1']:.3f} |",
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
    return "\n".join(lines)
