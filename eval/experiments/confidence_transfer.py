"""Which claim confidence is calibrated where: the fitted curves, or the verifier's own calibrated probability?

    python -m eval.experiments.confidence_transfer [--runs eval/results/runs] [--out eval/results/confidence-transfer.json]

Reads the committed benchmark run folders (predictions.jsonl and metrics.json of `factcheck eval`; no model is
loaded) and replays each claim's aggregation with the run's own config: the label, the raw score (the
temperature-scaled stance probability that decided it; for "unverified", one minus the strongest stance) and the
printed confidence (the raw score through the per-label curves fitted on SciFact and Climate-FEVER claims end to
end, factcheck_aggregation.json). Reports the ECE (10 bins) of both on every run: the raw score is what a pair-level
calibration alone would print.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from factcheck.evaluation import calibration, oracle_config
from factcheck.pipeline import CheckConfig, ConfidenceMap, aggregate
from factcheck.verify import default_verifier_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "runs")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    curves = ConfidenceMap.fitted_for(default_verifier_path())
    report = {}
    for run in sorted(p for p in args.runs.iterdir() if (p / "predictions.jsonl").is_file()):
        meta = json.loads((run / "metrics.json").read_text())
        config = CheckConfig(**meta["config"])
        if meta.get("mode") == "oracle":  # every gold passage, gated or not, as `factcheck eval --oracle` does
            config = oracle_config(config, gate=meta.get("similarity_gate") is not None)
        raw, printed, right, replayed = [], [], [], 0
        for line in (run / "predictions.jsonl").read_text().splitlines():
            row = json.loads(line)
            passages = row["evidence"][: config.top_k]
            label, score, _ = aggregate([p["probabilities"] for p in passages], [p["similarity"] for p in passages], config)
            confidence = curves(label, score)
            # predictions.jsonl rounds probabilities to 4 decimals: a claim at a threshold may replay otherwise
            replayed += label == row["predicted"] and abs(confidence - row["confidence"]) < 1e-3
            raw.append(score)
            printed.append(confidence)
            right.append(label == row["gold"])
        report[run.name] = {
            "claims": len(right),
            "accuracy": round(sum(right) / len(right), 4),
            "replayed_as_recorded": round(replayed / len(right), 4),
            "mean_raw_score": round(sum(raw) / len(raw), 4),
            "mean_printed_confidence": round(sum(printed) / len(printed), 4),
            "ece_raw_score": round(calibration(raw, right)["ece"], 4),
            "ece_printed_confidence": round(calibration(printed, right)["ece"], 4),
        }
    result = {"runs": report, "command": "python -m eval.experiments.confidence_transfer" + (f" --out {args.out}" if args.out else "")}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
