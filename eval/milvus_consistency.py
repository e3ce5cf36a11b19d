"""What a Milvus search costs at each consistency level, on the demo index (real Milvus 2.3.5 server).

    python eval/milvus_consistency.py [--rounds 2]

Starts ``milvus-server`` (PyPI ``milvus==2.3.5``) in a loopback-only network namespace (tests/milvus_netns.py),
builds the demo corpus into it with ``factcheck index``, then times 30 single-claim searches (claim already
embedded, top 5, the passage fields factcheck reads) at Strong, Bounded, Session and Eventually consistency,
``--rounds`` times, and prints p50 / p95 per level.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

CLAIMS = ["Stargate funds will not be available", "Musk offered 97.4 billion dollars for OpenAI", "The Eiffel Tower moved to Berlin"] * 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from milvus_netns import MilvusServer

    from factcheck.embed import Embedder
    from factcheck.index import open_index
    from factcheck.milvus_index import PASSAGE_FIELDS

    data = Path(tempfile.mkdtemp(prefix="milvus-consistency-"))
    server = MilvusServer(data)
    try:
        script = str(Path(sys.executable).with_name("factcheck"))
        subprocess.run([script, "index", str(ROOT / "corpus"), "--backend", "milvus", "--uri", server.uri, "--index", "demo"], check=True, capture_output=True)
        index = open_index("demo", "milvus", server.uri)
        vectors = Embedder().encode(CLAIMS)
        params = {"metric_type": "IP", "params": index.manifest["milvus"].get("search_params", {})}
        for _ in range(args.rounds):
            for level in ("Strong", "Bounded", "Session", "Eventually"):
                times = []
                for v in vectors:
                    t = time.perf_counter()
                    index.db.call("search", "search", index.collection, data=[v.tolist()], limit=5, output_fields=PASSAGE_FIELDS,
                                  search_params=params, consistency_level=level, retry=True)
                    times.append((time.perf_counter() - t) * 1000)
                print(f"{level:<10} p50 {statistics.median(times):6.1f} ms   p95 {sorted(times)[int(0.95 * len(times))]:6.1f} ms", flush=True)
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
