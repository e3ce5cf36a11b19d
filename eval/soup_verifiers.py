"""Average verifiers that share a start (a weight soup) and score them, and their members, on the same pairs.

    python eval/soup_verifiers.py --pairs PAIRS --out eval/results/verifier-soups.json \\
        v2=factcheck/models/verifier cf-all=SWEEP/cf-all soup=factcheck/models/verifier+SWEEP/cf-all

NAME=DIR scores a verifier folder; NAME=DIR+DIR[+DIR] scores the uniform average of those folders' weights
(written to SOUPS/NAME, fp16, with the first folder's config and tokenizer but not its calibration or aggregation
fit, which belong to that model; SOUPS defaults to a folder in the system's
temporary directory: experiments' weights stay out of the repo). Soups only make sense between
fine-tunes of one base model whose classifier heads started equal: in eval/sweep_verifier.py, candidates with the
same seed. Sets: the sweep's validation split (10 % of the training claims), SciFact dev, Climate-FEVER held-out,
2,000 FEVER-Lite test pairs (seed 0; all of them with --all-fever) and COVID-Fact dev, macro-F1 of the raw argmax.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep_verifier import read, split_train


def soup(members: list[Path], out: Path) -> Path:
    from safetensors.torch import load_file, save_file

    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(members[0], out, ignore=shutil.ignore_patterns("model.safetensors", "checkpoints", "factcheck_calibration.json", "factcheck_aggregation.json"))
    states = [load_file(str(m / "model.safetensors")) for m in members]
    if any(set(s) != set(states[0]) for s in states):
        sys.exit(f"{out.name}: members {members} do not have the same weights; only fine-tunes of one base soup")
    avg = {k: (sum(s[k].float() for s in states) / len(states)).half() if states[0][k].is_floating_point() else states[0][k] for k in states[0]}
    save_file(avg, str(out / "model.safetensors"), metadata={"format": "pt"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True, help="folder written by `factcheck recipes`")
    parser.add_argument("--out", type=Path, required=True, help="the JSON report")
    parser.add_argument("--soups", type=Path, default=Path(tempfile.gettempdir()) / "factcheck-soups", help="where soups are written")
    parser.add_argument("--all-fever", action="store_true", help="every FEVER-Lite test pair, not 2,000")
    parser.add_argument("models", nargs="+", help="NAME=DIR or NAME=DIR+DIR[+DIR]")
    args = parser.parse_args()

    import numpy as np
    from sklearn.metrics import f1_score

    from factcheck.labels import STANCES, stance_of
    from factcheck.verify import Verifier, VerifierConfig

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
        verifier = Verifier(VerifierConfig(model=str(folder), batch_size=32))
        scores = {}
        for set_name, rows in sets.items():
            gold = np.array([STANCES.index(stance_of(r["label"])) for r in rows])
            logits = verifier.logits([(r["evidence"], r["claim"]) for r in rows])
            scores[set_name] = round(float(f1_score(gold, logits.argmax(1), average="macro")), 4)
        report[name] = {"members": [str(m) for m in members], "macro_f1": scores}
        print(name, json.dumps(scores), flush=True)
    summary = {
        "models": report,
        "pairs": {k: len(v) for k, v in sets.items()},
        "command": "python eval/soup_verifiers.py --pairs PAIRS --out OUT " + " ".join(args.models),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": date.today().isoformat(),
        "seconds": round(time.time() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
