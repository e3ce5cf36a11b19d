"""What the lexical half of an index costs (issue 26): build time and disk at the SciFact corpus's size and at 100k
passages, and the warm retrieval latency it adds per claim.

    FACTCHECK_CACHE_DIR=... python -m eval.experiments.hybrid_cost --data-dir ../shared/data --out eval/results/hybrid-cost.json

Needs the SciFact benchmark index (``factcheck eval scifact`` builds and caches it). Latency: one claim at a time,
models loaded and one claim run first; ``retrieve`` (embed the claim, search, fuse, read the passages) in each mode
on the SciFact index, and the lexical search alone on a 100k-passage lexical index (the SciFact passages repeated).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from factcheck import FactChecker
from factcheck.evaluation import load_benchmark
from factcheck.evaluation._runs import benchmark_index
from factcheck.index import DENSE, HYBRID, LEXICAL, FaissIndex, LexicalIndex, retrieve
from factcheck.index._lexical import build_lexical


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--claims", type=int, default=100)
    args = parser.parse_args()

    bench = load_benchmark("scifact", args.data_dir)
    location = benchmark_index(bench)
    index = FaissIndex.open(location)
    n = index.passage_count
    passages = index.passages(list(range(n)))
    out: dict = {"machine": f"{platform.machine()}, 2 cores", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "passages": n}

    with tempfile.TemporaryDirectory() as tmp:
        for label, rows in (("scifact", passages), ("100k", (passages * (100_000 // n + 1))[:100_000])):
            folder = Path(tmp) / label
            started = time.perf_counter()
            build_lexical(rows, folder)
            out[f"build_{label}"] = {"passages": len(rows), "seconds": round(time.perf_counter() - started, 2), "disk_mib": round(_size(folder) / 2**20, 1)}
        out["vectors_disk_mib_scifact"] = round((index.dir / "vectors.faiss").stat().st_size / 2**20, 1)
        claims = [c.claim for c in bench.claims[: args.claims]]
        lexical = LexicalIndex(Path(tmp) / "100k")
        lexical.search(claims[:1], ["en"], 50)
        started = time.perf_counter()
        for claim in claims:
            lexical.search([claim], ["en"], 50)
        out["lexical_search_ms_100k"] = round(1000 * (time.perf_counter() - started) / len(claims), 2)
        shutil.rmtree(tmp, ignore_errors=True)

    checker = FactChecker.open(location)
    latency = {}
    for mode in (DENSE, LEXICAL, HYBRID):
        retrieve(index, checker.embedder.encode_queries(claims[:1]), claims[:1], ["en"], 5, None, mode)
        times = []
        for claim in claims:
            started = time.perf_counter()
            retrieve(index, checker.embedder.encode_queries([claim]), [claim], ["en"], 5, None, mode)
            times.append(1000 * (time.perf_counter() - started))
        latency[mode] = {"p50_ms": round(float(np.percentile(times, 50)), 2), "p95_ms": round(float(np.percentile(times, 95)), 2)}
    out["retrieve_latency_scifact"] = latency
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
