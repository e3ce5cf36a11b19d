"""The training pairs of verifier v4: every synthetic pair of `factcheck recipes --synthetic` (news-like edits of
sentences of the public sets) and a sample of the labelled pairs v3 was trained on, so that fine-tuning v3 on the
synthetic pairs keeps what it learned. Pairs whose evidence is a sentence of a dev or test set's evidence are
dropped (the benchmarks' claims and evidence stay unseen).

    factcheck recipes --data-dir ../shared/data --out PAIRS                                   # v3's labelled pairs
    factcheck recipes --data-dir ../shared/data --out SYN --no-retrieval --synthetic 30000    # + synthetic pairs
    python eval/mix_pairs.py --labelled PAIRS/train.jsonl --synthetic SYN/train.jsonl --dev PAIRS --out MIX
    factcheck train --train MIX/train.jsonl --dev MIX/dev.jsonl --base-model factcheck/models/verifier \
        --epochs 1 --lr 2e-5 --group-by-length --out V4

writes MIX/train.jsonl (shuffled) and MIX/dev.jsonl (SciFact dev and held-out Climate-FEVER pairs: the epoch
choice and the temperatures).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labelled", type=Path, required=True, help="train.jsonl of `factcheck recipes`")
    parser.add_argument("--synthetic", type=Path, required=True, help="train.jsonl of `factcheck recipes --synthetic N` (its synthetic-* rows are taken)")
    parser.add_argument("--dev", type=Path, required=True, help="the folder of `factcheck recipes` holding the dev sets")
    parser.add_argument("--labelled-share", type=int, default=8000, help="labelled pairs kept (a random sample)")
    parser.add_argument("--synthetic-share", type=int, default=16000, help="synthetic pairs kept (a random sample, labels as generated)")
    parser.add_argument("--transforms", nargs="*", default=None, help="synthetic transforms kept (default: all), e.g. shorten number date entity antonym detail")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    held = {r["evidence"] for name in ("scifact-dev", "climate-fever-heldout", "fever-lite-test", "covid-fact-dev") for r in read(args.dev / f"{name}.jsonl")}
    # English only: the verifier reads English (pairs in another language go to the cross-lingual classifier)
    synthetic = [
        r for r in read(args.synthetic)
        if r["source"] == "synthetic-en" and r["evidence"] not in held and (args.transforms is None or r.get("transform") in args.transforms)
    ]
    labelled = [r for r in read(args.labelled) if r["evidence"] not in held]
    rows = rng.sample(synthetic, min(args.synthetic_share, len(synthetic))) + rng.sample(labelled, min(args.labelled_share, len(labelled)))
    rng.shuffle(rows)
    dev = read(args.dev / "scifact-dev.jsonl") + read(args.dev / "climate-fever-heldout.jsonl")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, part in (("train", rows), ("dev", dev)):
        with open(args.out / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps({k: r[k] for k in ("evidence", "claim", "label", "source") if k in r}, ensure_ascii=False) + "\n" for r in part)
    print(json.dumps({"train": len(rows), "dev": len(dev), "by_source": dict(Counter(r["source"].split("-train")[0] for r in rows)), "labels": dict(Counter(r["label"] for r in rows))}, indent=2))


if __name__ == "__main__":
    main()
