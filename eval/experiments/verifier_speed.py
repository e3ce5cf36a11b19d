"""Throughput of the verifier on this machine: (evidence, claim) pairs per second at batch 16.

    python -m eval.experiments.verifier_speed --pairs-dir PAIRS [--verifier PATH] [--pairs 960] [--repeats 3]

PAIRS is the folder written by `factcheck recipes`; the pairs are a fixed random sample (seed 13) of its dev sets
in equal shares, so their lengths are those the pipeline meets. Two paths are timed, each after one warm-up batch:
factcheck's `Verifier.logits` (duplicates scored once, batches of similar token length; ONNX Runtime for the
shipped verifier unless FACTCHECK_BACKEND=torch) and the plain `CrossEncoder.predict` on the pairs in their sampled
order (it sorts them by characters). The best of `--repeats` runs is reported, because
other work on a shared machine only ever slows a run down. Results go to eval/results/verifier-speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from datetime import date
from pathlib import Path

from factcheck.verify import DEFAULT_VERIFIER, Verifier, VerifierConfig

SETS = ("scifact-dev", "climate-fever-heldout", "fever-lite-test", "covid-fact-dev")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs-dir", type=Path, required=True)
    parser.add_argument("--verifier", default=DEFAULT_VERIFIER)
    parser.add_argument("--pairs", type=int, default=960)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "verifier-speed.json")
    args = parser.parse_args()

    import torch

    rng = random.Random(13)
    pairs: list[tuple[str, str]] = []
    for name in SETS:
        rows = [json.loads(line) for line in (args.pairs_dir / f"{name}.jsonl").read_text().splitlines() if line.strip()]
        pairs += [(r["evidence"], r["claim"]) for r in rng.sample(rows, min(len(rows), args.pairs // len(SETS)))]
    started = time.perf_counter()
    verifier = Verifier(VerifierConfig(model=args.verifier, batch_size=args.batch_size))
    verifier.logits(pairs[: args.batch_size])
    load_seconds = time.perf_counter() - started

    def best_of(fn) -> float:
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    factcheck_s = best_of(lambda: verifier.logits(pairs))
    plain_s = best_of(lambda: verifier.model.predict(pairs, batch_size=args.batch_size, show_progress_bar=False))
    tokenizer = verifier.model.tokenizer
    lengths = [len(tokenizer(e, c)["input_ids"]) for e, c in pairs]
    result = {
        "verifier": args.verifier,
        "pairs": len(pairs),
        "batch_size": args.batch_size,
        "tokens_per_pair_mean": round(sum(lengths) / len(lengths), 1),
        "factcheck_pairs_per_s": round(len(pairs) / factcheck_s, 1),
        "plain_predict_pairs_per_s": round(len(pairs) / plain_s, 1),
        "load_and_warmup_s": round(load_seconds, 2),
        "backend": "onnx" if verifier.onnx is not None else "torch",
        "torch_threads": torch.get_num_threads(),
        "command": ("FACTCHECK_BACKEND=torch " if verifier.onnx is None else "") + f"python -m eval.experiments.verifier_speed --pairs-dir PAIRS --pairs {args.pairs} --batch-size {args.batch_size} --repeats {args.repeats}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.processor() or 'cpu'}"
        + (f", {torch.cuda.get_device_name(0)} ({verifier.model.device})" if verifier.onnx is None and torch.cuda.is_available() else ""),
        "date": date.today().isoformat(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
