"""Train the claim-only baseline on CPU: the verifier's architecture reading the claim alone (evidence blanked).

    factcheck recipes --data-dir ../shared/data --out PAIRS
    python eval/train_claim_only.py --pairs PAIRS --out CLAIM_ONLY        # about 10 minutes on 2 cores

It measures how much a label can be guessed from the claim's wording; `factcheck eval --claim-only-model
CLAIM_ONLY` (and `eval/run_benchmarks.py --claim-only-model CLAIM_ONLY`) report it beside the verifier. Its
weights are an experiment's, not shipped: keep them out of the repo.

The recipe is cut to fit a CPU: one epoch, max length 64 (claims are short; the evidence is blank), batch 32,
lr 5e-5, and FEVER-Lite and COVID-Fact rows subsampled to 60 % (seed 13). The stronger GPU baseline that issue 3's
margins are measured against is `eval/sweep_verifier.py --only claim-only-bs16` (the shipped recipe, evidence
blanked); on a 2-core CPU it would take about an hour.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

KEEP = {"fever-lite": 0.6, "covid-fact": 0.6}


def _family(source: str) -> str:
    if source.startswith("fever-lite"):
        return "fever-lite"
    if source.startswith("covid"):
        return "covid-fact"
    return source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True, help="folder written by `factcheck recipes`")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    from factcheck.training import TrainConfig, pairs_to_dataset, train_verifier

    rng = random.Random(args.seed)
    rows = [json.loads(line) for line in (args.pairs / "train.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    train = [r for r in rows if rng.random() < KEEP.get(_family(r["source"]), 1.0)]
    dev: list[dict] = []
    for name in ("scifact-dev", "climate-fever-heldout"):
        d = [json.loads(line) for line in (args.pairs / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        rng.shuffle(d)
        dev += d[:300]
    print(f"{len(train)} training rows, {len(dev)} dev rows", flush=True)
    config = TrainConfig(epochs=1, learning_rate=5e-5, batch_size=32, max_length=64, seed=args.seed, claim_only=True)
    print(train_verifier(pairs_to_dataset(train), str(args.out), pairs_to_dataset(dev), config, resume=True))


if __name__ == "__main__":
    main()
