"""Does the learned aggregator hold beyond the claims it is fitted on? A replay of the benchmark runs.

eval/fit_aggregation.py --folds found, out of fold on the two dev sets, a logistic regression on features of the
top-k passages ahead of the fitted rule (mean macro-F1 0.524 against 0.503 with negated claims through their
positive form). What kept the rule was, among other things, that the regression's behaviour on sets it was not
fitted on, with gold evidence and no similarity gate (FEVER-Lite, COVID-Fact), was unmeasured. This replays the
benchmark runs' predictions (no model loaded): the regression is fitted on every claim of the two end-to-end
dev runs (SciFact dev, held-out Climate-FEVER: what a shipped fit would see) and scored on the oracle runs
against the rule's own labels and confidences in the same files.

    python eval/run_benchmarks.py --data-dir ../shared/data ...        # writes eval/results/runs/*/predictions.jsonl
    python -m eval.experiments.aggregator_transfer --out eval/results/aggregator-transfer.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from eval.fit_aggregation import passage_features
from factcheck.evaluation import Claim, Scored, calibration, metrics
from factcheck.labels import LABELS
from factcheck.pipeline import CheckConfig
from factcheck.verify import default_verifier_path

RUNS = Path(__file__).resolve().parents[1] / "results" / "runs"
FIT_ON = ("scifact-end-to-end", "climate-fever-end-to-end")
SCORE_ON = ("scifact-oracle", "climate-fever-oracle", "fever-lite-oracle", "covid-fact-oracle")


def load(run: str) -> tuple[list[Scored], list[str], list[float], bool]:
    """A run's claims as the aggregation saw them, the rule's labels and printed confidences, and whether the
    run judged every passage (no similarity gate)."""
    meta = json.loads((RUNS / run / "metrics.json").read_text())
    rows = [json.loads(line) for line in (RUNS / run / "predictions.jsonl").read_text().splitlines() if line.strip()]
    scored = [
        Scored(Claim(r["id"], r["claim"], r["gold"]), [e["probabilities"] for e in r["evidence"]], [e["similarity"] for e in r["evidence"]])
        for r in rows
    ]
    return scored, [r["predicted"] for r in rows], [r["confidence"] for r in rows], meta.get("similarity_gate") is None


def features(scored: list[Scored], config: CheckConfig, gated: bool) -> np.ndarray:
    # a run without the gate reads every passage as relevant; so does the regression
    config = config if gated else replace(config, min_similarity=-1.0)
    return np.array([passage_features(s, config) if s.probabilities else [0.0] * 14 for s in scored])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "aggregator-transfer.json")
    parser.add_argument("--c", type=float, default=0.1, help="the regression's inverse regularization (fit_aggregation's)")
    args = parser.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    config = CheckConfig.fitted_for(default_verifier_path())
    runs = {run: load(run) for run in FIT_ON + SCORE_ON}
    x = {run: features(scored, config, not ungated) for run, (scored, _, _, ungated) in runs.items()}
    fit_x = np.vstack([x[run] for run in FIT_ON])
    fit_y = np.array([LABELS.index(s.claim.label) for run in FIT_ON for s in runs[run][0]])
    scaler = StandardScaler().fit(fit_x)
    model = LogisticRegression(C=args.c, max_iter=5000, class_weight="balanced").fit(scaler.transform(fit_x), fit_y)

    report = {}
    for run, (scored, rule_labels, rule_conf, ungated) in runs.items():
        gold = [s.claim.label for s in scored]
        p = model.predict_proba(scaler.transform(x[run]))
        learned = [LABELS[i] for i in p.argmax(axis=1)]
        entry = {"claims": len(scored), "similarity_gate": not ungated, "in_sample": run in FIT_ON}
        for name, labels, conf in (("rule", rule_labels, rule_conf), ("logistic", learned, p.max(axis=1).tolist())):
            m = metrics(gold, labels)
            correct = [a == b for a, b in zip(gold, labels)]
            entry[name] = {
                "macro_f1": m["macro_f1"],
                "accuracy": m["accuracy"],
                "ece": round(calibration(conf, correct)["ece"], 4),
                "unverified_share": round(labels.count("unverified") / len(labels), 4),
            }
        report[run] = entry
        print(run, json.dumps({k: entry[k] for k in ("rule", "logistic")}))
    result = {
        "fit_on": list(FIT_ON),
        "config": config.__dict__,
        "regression": {"C": args.c, "class_weight": "balanced", "features": fit_x.shape[1]},
        "runs": report,
        "command": "python -m eval.experiments.aggregator_transfer" + (f" --c {args.c}" if args.c != 0.1 else ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": date.today().isoformat(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
