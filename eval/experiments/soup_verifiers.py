"""Average verifiers that share a start (a weight soup) and score them, and their members, on the same pairs.

    python -m eval.experiments.soup_verifiers --pairs PAIRS --out eval/results/verifier-soups.json \\
        v2=factcheck/models/verifier cf-all=SWEEP/cf-all soup=factcheck/models/verifier+SWEEP/cf-all

NAME=DIR scores a verifier folder; NAME=DIR+DIR[+DIR] scores the uniform average of those folders' weights
(written to SOUPS/NAME, fp16, with the first folder's config and tokenizer but not its calibration or aggregation
fit, which belong to that model; SOUPS defaults to a folder in the system's
temporary directory: experiments' weights stay out of the repo). Soups only make sense between
fine-tunes of one base model whose classifier heads started equal: in eval/sweep_verifier.py, candidates with the
same seed. Sets: the sweep's validation split (10 % of the training claims), SciFact dev, Climate-FEVER held-out,
2,000 FEVER-Lite test pairs (seed 0; all of them with --all-fever) and COVID-Fact dev, macro-F1 of the raw argmax (eval/sweep_verifier.py's scoring).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from eval.sweep_verifier import read, score, soup, split_train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True, help="folder written by `factcheck recipes`")
    parser.add_argument("--out", type=Path, required=True, help="the JSON report")
    parser.add_argument("--soups", type=Path, default=Path(tempfile.gettempdir()) / "factcheck-soups", help="where soups are written")
    parser.add_argument("--all-fever", action="store_true", help="every FEVER-Lite test pair, not 2,000")
    parser.add_argument("models", nargs="+", help="NAME=DIR or NAME=DIR+DIR[+DIR]")
    args = parser.parse_args()

    started = time.time()
    _, validation = split_train(read(args.pairs / "train.jsonl"))
    fever = read(args.pairs / "fever-lite-test.jsonl")
    if not args.all_fever:
        random.Random(0).shuffle(fever)
        fever = fever[:2000]
    sets = {
        "validation": validation,
        "scifact-dev": read(args.pairs / "scifact-dev.jsonl"),
        "climate-fever-heldout": read(args.pairs / "climate-fever-heldout.jsonl"),
        "fever-lite-test" if args.all_fever else "fever-lite-test-2000": fever,
        "covid-fact-dev": read(args.pairs / "covid-fact-dev.jsonl"),
    }
    report: dict = {}
    for spec in args.models:
        name, _, path = spec.partition("=")
        members = [Path(p) for p in path.split("+")]
        folder = soup(members, args.soups / name) if len(members) > 1 else members[0]
        scores = {set_name: r["macro_f1"] for set_name, r in score(folder, sets, claim_only=False).items()}
        report[name] = {"members": [str(m) for m in members], "macro_f1": scores}
        print(name, json.dumps(scores), flush=True)
    summary = {
        "models": report,
        "pairs": {k: len(v) for k, v in sets.items()},
        "command": "python -m eval.experiments.soup_verifiers --pairs PAIRS --out OUT " + " ".join(args.models),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": date.today().isoformat(),
        "seconds": round(time.time() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
