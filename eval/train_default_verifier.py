"""Retrain the shipped verifier (v1) exactly as it was trained.

    factcheck recipes --data-dir ../shared/data --out pairs/
    python eval/train_default_verifier.py --pairs pairs/ --out my-verifier

v1 recipe: every SciFact and Climate-FEVER training pair, 60 % of the FEVER-Lite and COVID-Fact pairs (CPU time),
2 epochs, lr 5e-5, batch 32, max length 128, seed 13; dev = 300 SciFact dev + 300 held-out Climate-FEVER pairs,
evaluated every epoch, best epoch kept (it was the first). About 65 minutes on a 2-core CPU.
The claim-only baseline reported beside it (`--claim-only`: evidence blanked, 1 epoch, max length 64; 8 minutes)
is trained the same way and kept out of the repository. Then calibrate and fit the aggregation:

    python eval/verifier_report.py --pairs-dir pairs/ --verifier my-verifier --fit-temperature --limit 1500
    python eval/fit_aggregation.py --data-dir ../shared/data --verifier my-verifier --write
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from factcheck.train import TrainConfig, pairs_to_dataset, train_verifier

SUBSAMPLE = {"fever-lite": 0.6, "covid-fact": 0.6}


def family(source: str) -> str:
    return next((name for name in SUBSAMPLE if source.startswith(name)), "all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True, help="folder written by factcheck recipes")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--claim-only", action="store_true", help="the claim-only baseline: same data, evidence blanked, 1 epoch")
    args = parser.parse_args()
    rng = random.Random(13)
    rows = [json.loads(line) for line in (args.pairs / "train.jsonl").read_text().splitlines()]
    train = [r for r in rows if rng.random() < SUBSAMPLE.get(family(r["source"]), 1.0)]
    dev: list[dict] = []
    for name in ("scifact-dev", "climate-fever-heldout"):
        d = [json.loads(line) for line in (args.pairs / f"{name}.jsonl").read_text().splitlines()]
        rng.shuffle(d)
        dev += d[:300]
    print(f"{len(train)} training pairs, {len(dev)} dev pairs")
    config = TrainConfig(epochs=2, learning_rate=5e-5, max_length=128)
    if args.claim_only:
        config = TrainConfig(epochs=1, learning_rate=5e-5, max_length=64, claim_only=True)
    print(train_verifier(pairs_to_dataset(train), args.out, pairs_to_dataset(dev), config))


if __name__ == "__main__":
    main()
