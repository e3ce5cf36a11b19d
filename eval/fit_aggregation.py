"""Fit the aggregation thresholds (CheckConfig) of a verifier on dev claims, end to end.

Dev sets: SciFact dev (300 claims against its 5,183-abstract corpus) and the held-out third of Climate-FEVER
(claims against the closed corpus of its 5,240 evidence sentences). Each claim is retrieved and verified once
with top-k 5; the grid search then replays the aggregation for every candidate config.

    python eval/fit_aggregation.py --data-dir ../shared/data --write

writes eval/results/aggregation-fit.json and, with --write, the verifier's factcheck_aggregation.json.

The fit is scored on the claims it was fitted on. ``--folds 5 --repeats 3 --out eval/results/aggregation-cv.json``
adds an out-of-fold estimate (repeated stratified k-fold over both dev sets: the grid and the confidence curves
are refitted on each training fold and scored on the claims left out) and, beside it, the same estimate for a
learned alternative to the rule: a class-balanced multinomial logistic regression on features of the top-k
passages (best entailment and contradiction probabilities among the relevant ones and among all, their sums, how
many are relevant, the best and mean similarity, the conflict product, the first passage's stances,
similarity-weighted sums), whose probability for the label it predicts is the confidence.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from factcheck import FactChecker
from factcheck.evaluation import (
    Scored,
    calibration,
    climate_fever_heldout,
    fit_aggregation,
    fit_confidence_curves,
    metrics,
    replay_with_scores,
    sample,
    scifact_dev,
    score_end_to_end,
    write_aggregation,
)
from factcheck.index import build_index
from factcheck.labels import LABELS
from factcheck.pipeline import CheckConfig, ConfidenceMap
from factcheck.settings import cache_dir
from factcheck.verify import DEFAULT_VERIFIER, Verifier, VerifierConfig

DEFAULT_OUT = Path(__file__).parent / "results" / "aggregation-fit.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--verifier", default=DEFAULT_VERIFIER)
    parser.add_argument("--limit", type=int, default=None, help="claims per dev set (default: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--write", action="store_true", help="write factcheck_aggregation.json beside the verifier")
    parser.add_argument("--folds", type=int, default=0, help="out-of-fold estimate with this many folds (0: none)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the k-fold split, seeds 1..repeats")
    args = parser.parse_args()

    started = time.time()
    work = cache_dir() / "bench"
    verifier = Verifier(VerifierConfig(model=args.verifier))
    dev = {}

    claims, corpus_path = scifact_dev(args.data_dir)
    build_index([corpus_path], work / "scifact-index", progress=_progress("scifact"))
    checker = FactChecker.open(work / "scifact-index", verifier=args.verifier)
    dev["scifact-dev"] = score_end_to_end(checker, sample(claims, args.limit))

    claims, corpus = climate_fever_heldout(args.data_dir)
    corpus_file = work / "climate-fever-corpus.jsonl"
    corpus_file.parent.mkdir(parents=True, exist_ok=True)
    corpus_file.write_text("".join(json.dumps(row) + "\n" for row in corpus))
    build_index([corpus_file], work / "climate-fever-index", progress=_progress("climate-fever"))
    checker = FactChecker.open(work / "climate-fever-index", verifier=args.verifier)
    dev["climate-fever-heldout"] = score_end_to_end(checker, sample(claims, args.limit))

    config, report = fit_aggregation(dev)
    curves = fit_confidence_curves([s for rows in dev.values() for s in rows], config)
    held_out = out_of_fold(dev, config, args.folds, args.repeats) if args.folds else None
    provenance = {
        "verifier": args.verifier,
        "dev_sets": {name: len(rows) for name, rows in dev.items()},
        "command": "python eval/fit_aggregation.py --data-dir ../shared/data"
        + (f" --limit {args.limit}" if args.limit else "")
        + (f" --folds {args.folds} --repeats {args.repeats}" if args.folds else "")
        + (f" --out {args.out}" if args.out != DEFAULT_OUT else "")
        + (" --write" if args.write else ""),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "seconds": round(time.time() - started, 1),
    }
    print(json.dumps({"config": config.__dict__, **report, "out_of_fold": held_out}, indent=2))
    result = {"config": config.__dict__, "confidence_curves": curves, "report": report, "provenance": provenance}
    if held_out:
        result["out_of_fold"] = held_out
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    if args.write:
        print("wrote", write_aggregation(Path(verifier.path), config, curves, report, provenance))


def passage_features(s: Scored, config: CheckConfig) -> list[float]:
    """What the learned aggregator sees of a claim's top-k passages (stances in STANCES order)."""
    probs = np.array(s.probabilities[: config.top_k], dtype=float).reshape(-1, 3)
    sims = np.array(s.similarities[: config.top_k], dtype=float)
    relevant = sims >= config.min_similarity
    ent, con = probs[:, 0], probs[:, 2]
    best_ent, best_con = (float(a[relevant].max()) if relevant.any() else 0.0 for a in (ent, con))
    return [
        best_ent, best_con, float(ent.max()), float(con.max()),
        float(ent[relevant].sum()), float(con[relevant].sum()), float(relevant.sum()),
        float(sims.max()), float(sims.mean()), best_ent * best_con,
        float(ent[0]), float(con[0]), float((ent * sims).sum()), float((con * sims).sum()),
    ]  # fmt: skip


def out_of_fold(dev: dict[str, list[Scored]], config: CheckConfig, folds: int, repeats: int) -> dict:
    """Macro-F1 and ECE (10 bins) on claims the fit never saw: the fitted rule, and a logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    names = list(dev)
    rows = [(k, s) for k, name in enumerate(names) for s in dev[name]]
    group = np.array([k for k, _ in rows])
    gold = np.array([LABELS.index(s.claim.label) for _, s in rows])
    x = np.array([passage_features(s, config) for _, s in rows])
    runs: dict[str, list[dict]] = {"rule": [], "logistic": []}
    for seed in range(1, repeats + 1):
        predicted = {m: np.zeros(len(rows), dtype=int) for m in runs}
        confidence = {m: np.zeros(len(rows)) for m in runs}
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, group * 3 + gold):
            fitted, _ = fit_aggregation({name: [rows[i][1] for i in train if group[i] == k] for k, name in enumerate(names)})
            curves = fit_confidence_curves([rows[i][1] for i in train], fitted)
            printed = ConfidenceMap({label: (c["x"], c["y"]) for label, c in curves.items()})
            for i, (label, raw) in zip(test, replay_with_scores([rows[i][1] for i in test], fitted)):
                predicted["rule"][i] = LABELS.index(label)
                confidence["rule"][i] = printed(label, raw)
            scaler = StandardScaler().fit(x[train])
            model = LogisticRegression(C=0.1, max_iter=5000, class_weight="balanced").fit(scaler.transform(x[train]), gold[train])
            p = model.predict_proba(scaler.transform(x[test]))
            predicted["logistic"][test], confidence["logistic"][test] = p.argmax(axis=1), p.max(axis=1)
        for m, scores in runs.items():
            scores.append({
                name: {
                    "macro_f1": metrics([LABELS[g] for g in gold[group == k]], [LABELS[p] for p in predicted[m][group == k]])["macro_f1"],
                    "ece": round(calibration(confidence[m][group == k], predicted[m][group == k] == gold[group == k])["ece"], 4),
                }
                for k, name in enumerate(names)
            })  # fmt: skip
    return {
        "folds": folds,
        "seeds": list(range(1, repeats + 1)),
        "features_config": config.__dict__,
        **{m: {name: {key: round(float(np.mean([r[name][key] for r in runs[m]])), 4) for key in ("macro_f1", "ece")} for name in names} for m in runs},
        "per_seed": runs,
    }


def _progress(name: str):
    def hook(phase: str, done: int, total: int) -> None:
        if total and (done == total or done % 4096 == 0):
            print(f"{name}: {phase} {done}/{total}", flush=True)

    return hook


if __name__ == "__main__":
    main()
