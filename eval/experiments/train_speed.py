"""Training throughput of `factcheck train` on this machine, random batches against batches of similar token length.

    python -m eval.experiments.train_speed --pairs-dir PAIRS [--pairs 960] [--out eval/results/train-speed.json]

PAIRS is the folder written by `factcheck recipes`; the rows are a fixed random sample (seed 13) of its
train.jsonl, so their lengths are those the shipped recipe trains on. Each setting trains one epoch at batch 16
(the shipped recipe's batch size, max length 256) from the default base model, with no dev set; the time is the
wall time of `train_verifier` (loading the base model and saving included, the same in both). Also reported: the
token slots the batches hold, padding included, for one random order and for transformers' length-grouped order
(both seed 15).
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

from factcheck.embed import resolve_embedder
from factcheck.training import TrainConfig, pairs_to_dataset, train_verifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs-dir", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=960)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "train-speed.json")
    args = parser.parse_args()

    rows = [json.loads(line) for line in (args.pairs_dir / "train.jsonl").read_text().splitlines() if line.strip()]
    rows = random.Random(13).sample(rows, min(args.pairs, len(rows)))
    base = TrainConfig(epochs=1, batch_size=16, max_length=256, seed=15)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_embedder(base.base_model))
    lengths = [len(t) for t in tokenizer([r["evidence"] for r in rows], [r["claim"] for r in rows], truncation=True, max_length=base.max_length)["input_ids"]]

    def slots(order: list[int]) -> int:
        return sum(len(order[i : i + base.batch_size]) * max(lengths[j] for j in order[i : i + base.batch_size]) for i in range(0, len(order), base.batch_size))

    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    generator = torch.Generator()
    generator.manual_seed(base.seed)
    random_order = torch.randperm(len(rows), generator=generator).tolist()
    generator.manual_seed(base.seed)
    grouped_order = get_length_grouped_indices(lengths, base.batch_size, generator=generator)
    result: dict = {"pairs": len(rows), "tokens": sum(lengths), "batch_size": base.batch_size}
    for name, group in (("random", False), ("grouped", True)):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            train_verifier(pairs_to_dataset(rows), Path(tmp) / "model", None, TrainConfig(**{**base.__dict__, "group_by_length": group}))
            seconds = time.perf_counter() - started
        steps = -(-len(rows) // base.batch_size)
        result[name] = {
            "seconds": round(seconds, 1),
            "seconds_per_step": round(seconds / steps, 3),
            "pairs_per_s": round(len(rows) / seconds, 1),
            "token_slots": slots(grouped_order if group else random_order),
        }
        print(name, json.dumps(result[name]), flush=True)
    result.update(
        speedup=round(result["random"]["seconds"] / result["grouped"]["seconds"], 2),
        torch_threads=torch.get_num_threads(),
        command=f"python -m eval.experiments.train_speed --pairs-dir PAIRS --pairs {args.pairs}",
        machine=f"{platform.machine()}, {os.cpu_count()} cores",
        load=" ".join(Path("/proc/loadavg").read_text().split()[:3]),
        date=date.today().isoformat(),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
