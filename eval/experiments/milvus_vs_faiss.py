"""SciFact dev end to end on the Milvus backend (real Milvus 2.3.5 server, FLAT index) against FAISS (IndexFlatIP).

    milvus-server --data MILVUS_DATA &          # PyPI milvus==2.3.5, or any Milvus standalone server
    python -m eval.experiments.milvus_vs_faiss --data-dir ../shared/data --uri http://127.0.0.1:19530 --out eval/results/milvus-vs-faiss
    python -m eval.experiments.milvus_vs_faiss --data-dir ../shared/data --uri URI --faiss-run eval/results/runs/scifact-end-to-end ...

``--faiss-run`` reuses a finished FAISS run folder of the same code and models (eval/run_benchmarks.py writes one)
instead of step 1; the FAISS index must then be in the cache that run used (FACTCHECK_CACHE_DIR).

1. ``factcheck eval scifact`` (FAISS): builds the FAISS index of the 5,183 abstracts (embedding them once).
2. ``factcheck eval scifact --backend milvus --uri URI`` against the Milvus server at ``--uri``, which the caller
   starts (``milvus-server`` listens on every interface: the recorded run kept it in a loopback-only network
   namespace): its collection is built from the FAISS index's vectors (``build_index(..., reuse=...)``), so
   nothing is embedded twice.
3. Compares the two runs' predicted labels claim by claim, and times each claim checked alone (retrieve +
   verify, models loaded) and each search alone (the claim already embedded), on both backends.
Writes OUT/comparison.json and the two run folders under OUT/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path


def _eval(out: Path, data_dir: Path, *extra: str) -> dict:
    cmd = [str(Path(sys.executable).with_name("factcheck")), "eval", "scifact", "--data-dir", str(data_dir), "--out", str(out), *extra]
    started = time.perf_counter()
    subprocess.run(cmd, check=True)
    print(f"{' '.join(cmd)}: {time.perf_counter() - started:.0f}s", flush=True)
    return json.loads((out / "metrics.json").read_text())


def _labels(run: Path) -> dict[str, str]:
    return {row["id"]: row["predicted"] for row in map(json.loads, (run / "predictions.jsonl").read_text().splitlines())}


def _percentiles(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def _latency(checker, claims: list[str]) -> dict:  # type: ignore[no-untyped-def]
    checker.check(claims[0])  # warm up
    whole, search = [], []
    for claim in claims:
        t = time.perf_counter()
        checker.check(claim)
        whole.append((time.perf_counter() - t) * 1000)
    vectors = checker.embedder.encode(claims)
    for i in range(len(claims)):
        t = time.perf_counter()
        checker.index.search(vectors[i : i + 1], checker.config.top_k)
        search.append((time.perf_counter() - t) * 1000)
    return {"check_one_claim": _percentiles(whole), "search_only": _percentiles(search)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("eval/results/milvus-vs-faiss"))
    parser.add_argument("--uri", required=True, help="a running Milvus server, e.g. http://127.0.0.1:19530 (milvus-server of PyPI milvus==2.3.5)")
    parser.add_argument("--faiss-run", type=Path, default=None, help="a finished `factcheck eval scifact` run folder (FAISS) to compare against")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from factcheck import FactChecker
    from factcheck.evaluation import scifact_dev
    from factcheck.settings import cache_dir

    if args.faiss_run:
        faiss_run = args.faiss_run
        faiss_metrics = json.loads((faiss_run / "metrics.json").read_text())
    else:
        faiss_run = args.out / "faiss"
        faiss_metrics = _eval(faiss_run, args.data_dir)
    t = time.perf_counter()
    milvus_metrics = _eval(args.out / "milvus", args.data_dir, "--backend", "milvus", "--uri", args.uri)
    milvus_eval_s = time.perf_counter() - t
    a, b = _labels(faiss_run), _labels(args.out / "milvus")
    agree = sum(a[k] == b[k] for k in a)
    claims = [c.claim for c in scifact_dev(args.data_dir)[0]]
    faiss_checker = FactChecker.open(cache_dir() / "bench" / "scifact-index")
    milvus_checker = FactChecker.open("factcheck_bench_scifact_index", uri=args.uri, verifier=None)
    latency = {"faiss": _latency(faiss_checker, claims), "milvus": _latency(milvus_checker, claims)}
    manifest = milvus_checker.index.manifest
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}",
        "load_average_at_end": os.getloadavg(),
        "faiss_run": str(faiss_run),
        "claims": len(a),
        "labels_agree": agree,
        "agreement": round(agree / len(a), 4),
        "disagreements": [{"id": k, "faiss": a[k], "milvus": b[k]} for k in a if a[k] != b[k]],
        "faiss": {"accuracy": faiss_metrics["accuracy"], "macro_f1": faiss_metrics["macro_f1"], "claims_per_second": faiss_metrics["speed"]["claims_per_second"], "index": "IndexFlatIP"},
        "milvus": {
            "accuracy": milvus_metrics["accuracy"], "macro_f1": milvus_metrics["macro_f1"], "claims_per_second": milvus_metrics["speed"]["claims_per_second"],
            "index": manifest["milvus"]["index_type"], "server": args.uri,
            "passages": manifest["counts"]["passages"], "embedded_passages": manifest["build"]["embedded_passages"],
            "eval_command_seconds_including_build": round(milvus_eval_s, 1),
        },
        "latency": latency,
    }
    (args.out / "comparison.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("claims", "agreement", "faiss", "milvus", "latency")}, indent=2))


if __name__ == "__main__":
    main()
