"""Fit the aggregation thresholds (CheckConfig) of a verifier on dev claims, end to end.

Dev sets: SciFact dev (300 claims against its 5,183-abstract corpus) and the held-out third of Climate-FEVER
(claims against the closed corpus of its 5,240 evidence sentences). Each claim is retrieved and verified once
with top-k 5; the grid search then replays the aggregation for every candidate config.

    python eval/fit_aggregation.py --data-dir ../shared/data --write

writes eval/results/aggregation-fit.json and, with --write, the verifier's factcheck_aggregation.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from factcheck import FactChecker
from factcheck.eval import (
    climate_fever_heldout,
    fit_aggregation,
    fit_confidence_curves,
    sample,
    score_end_to_end,
    scifact_dev,
    write_aggregation,
)
from factcheck.index import build_index
from factcheck.pipeline import cache_dir
from factcheck.verify import DEFAULT_VERIFIER, Verifier, VerifierConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--verifier", default=DEFAULT_VERIFIER)
    parser.add_argument("--limit", type=int, default=None, help="claims per dev set (default: all)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "aggregation-fit.json")
    parser.add_argument("--write", action="store_true", help="write factcheck_aggregation.json beside the verifier")
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
    provenance = {
        "verifier": args.verifier,
        "dev_sets": {name: len(rows) for name, rows in dev.items()},
        "command": "python eval/fit_aggregation.py --data-dir ../shared/data" + (f" --limit {args.limit}" if args.limit else "") + " --write",
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "seconds": round(time.time() - started, 1),
    }
    print(json.dumps({"config": config.__dict__, **report}, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"config": config.__dict__, "confidence_curves": curves, "report": report, "provenance": provenance}, indent=2) + "\n")
    if args.write:
        print("wrote", write_aggregation(Path(verifier.path), config, curves, report, provenance))


def _progress(name: str):
    def hook(phase: str, done: int, total: int) -> None:
        if total and (done == total or done % 4096 == 0):
            print(f"{name}: {phase} {done}/{total}", flush=True)

    return hook


if __name__ == "__main__":
    main()
