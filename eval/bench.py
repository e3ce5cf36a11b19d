"""Speed and scale on this machine: factcheck against the plain pipeline, in the same run, at 10k / 100k / 1M passages.

    python eval/bench.py --data-dir ../shared/data --out eval/results/bench-DATE.json

What is measured (every figure, for factcheck and for the plain pipeline, on the same corpus and claims):

- corpus: real passages first (SciFact abstracts, Climate-FEVER evidence, FEVER-Lite test evidence and COVID-Fact
  dev evidence, split into passages by factcheck), embedded once by the default embedder and cached on disk
  (``--cache``). Beyond the real passages, the corpus is filled with perturbed copies of real documents: same
  text, each vector replaced by normalize(v + sigma * g) with g ~ N(0, I/dim) and ``--sigma`` 0.5 (cosine about
  0.9 to the original). Figures at sizes past the real count measure index build, search, memory and latency
  on such vectors; they say nothing about accuracy.
- build: ``build_index`` on a JSONL corpus. At the smallest size, end to end (embedding included) beside the
  embedder's raw ``encode`` throughput on the same passages; at every size, with cached vectors (read, split,
  FAISS index, passage store, manifest: everything but the model). Plain: ``SentenceTransformer.encode`` +
  ``IndexFlatIP.add``.
- serving, each in a fresh process: open the index, one warm-up claim, then every claim one at a time
  (latency p50 / p95) and all claims in one ``check_many`` (claims/s; factcheck only: the plain pipeline
  goes claim by claim, ``CrossEncoder.predict`` per claim); peak RSS of that process (VmHWM); labels, compared.
  factcheck judges only the passages that reach the similarity gate (passages judged per claim recorded); the
  plain pipeline judges all of the top k, as the obvious implementation does.
- cold start: ``factcheck check CLAIM --index DIR --json`` in a subprocess, shell to verdict; plain: a script
  that imports sentence-transformers, loads both models and the FAISS index and checks one claim.
- recall@10 of the approximate index against exact search over the same vectors (queries: the claims).

Each serving and cold-start figure is the best of ``--repeats`` runs; the machine load (``uptime``) is recorded
before and after each size.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import defaultdict, deque
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from factcheck.embed import Embedder, create_embedder
from factcheck.evaluation import climate_fever_heldout, covid_fact_dev, fever_lite_test, scifact_dev
from factcheck.index import FLAT, FaissIndex, IndexConfig, build_index, recall_at_k
from factcheck.ingest import read_documents, split_passages

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def uptime() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine() -> dict:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = "?"
    try:
        mem = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 2**20:.1f} GiB"
    except (OSError, ValueError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(), "platform": platform.platform()}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- corpus and embedding cache


def real_documents(data_dir: Path) -> list[dict]:
    """Real documents as JSONL rows: SciFact abstracts, Climate-FEVER, FEVER-Lite and COVID-Fact evidence."""
    rows = []
    with gzip.open(data_dir / "scifact" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            rows.append({"id": f"scifact-{d['doc_id']}", "title": d.get("title", ""), "text": d["abstract"]})
    _, climate = climate_fever_heldout(data_dir)
    rows += [{"id": f"climate-{r['id']}", "title": r["title"], "text": r["text"]} for r in climate]
    seen: set[str] = set()
    for claim in fever_lite_test(data_dir) + covid_fact_dev(data_dir):
        for i, text in enumerate(claim.evidence):
            if text and text not in seen:
                seen.add(text)
                rows.append({"id": f"{claim.id}-{i}", "title": "", "text": text})
    return rows


def passages_of(rows: list[dict], work: Path) -> list[tuple[str, str, list[str]]]:
    """(doc id, document text, passage texts) per document, as factcheck's ingest reads and splits them."""
    file = work / "real.jsonl"
    file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    report = read_documents([file])
    return [(d.doc_id, d.text, [p.text for p in split_passages(d)]) for d in report.documents]


class VectorCache:
    """Embeddings of passage texts by the default embedder, kept in an .npy + .json pair."""

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tag = embedder.weights_hash[:12]
        self.vec_file, self.txt_file = folder / f"vectors-{tag}.npy", folder / f"texts-{tag}.json"
        self.embedder = embedder
        self.texts: list[str] = json.loads(self.txt_file.read_text()) if self.txt_file.is_file() else []
        self.vectors = np.load(self.vec_file) if self.vec_file.is_file() else np.zeros((0, embedder.dim), np.float32)
        self.row = {t: i for i, t in enumerate(self.texts)}

    def seed(self, index_dir: Path) -> int:
        """Take the vectors of an index built by the same embedder (same weights hash)."""
        index = FaissIndex.open(index_dir)
        if index.manifest["embedder"]["weights_sha256"] != self.embedder.weights_hash or index.manifest["faiss"]["index_type"] != FLAT:
            log(f"not seeding from {index_dir}: another embedder or an approximate index")
            return 0
        ids = list(range(index.passage_count))
        texts = [p.text for p in index.passages(ids)]
        new = [i for i, t in enumerate(texts) if t not in self.row]
        if new:
            self._add([texts[i] for i in new], index.vectors(new))
        return len(new)

    def _add(self, texts: list[str], vectors: np.ndarray) -> None:
        for t in texts:
            self.row[t] = len(self.texts)
            self.texts.append(t)
        self.vectors = np.concatenate([self.vectors, vectors.astype(np.float32)])
        np.save(self.vec_file, self.vectors)
        self.txt_file.write_text(json.dumps(self.texts, ensure_ascii=False))

    def fill(self, texts: list[str], chunk: int = 2048) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self.row))
        for start in range(0, len(todo), chunk):
            log(f"embedding passages {start}/{len(todo)} (cached for the next run)")
            part = todo[start : start + chunk]
            self._add(part, self.embedder.encode(part))

    def get(self, texts: list[str]) -> np.ndarray:
        return self.vectors[[self.row[t] for t in texts]]


class ReplayEmbedder:
    """An embedder (``inner``, the default one) answering from vectors given in advance (real embeddings, or
    perturbed copies); everything else (name, dimension, weights hash, ...) is ``inner``'s.

    Each text maps to a queue of vectors consumed in passage order, so copies of one text get their own
    vectors. A text it was not given is embedded by the model."""

    def __init__(self, queues: dict[str, deque], inner: Embedder) -> None:
        self.inner = inner
        self.queues = queues
        self.missed = 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def encode(self, texts, *, show_progress: bool = False) -> np.ndarray:  # type: ignore[override]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, t in enumerate(texts):
            queue = self.queues.get(t)
            if queue:
                out[i] = queue.popleft()
            else:
                missing.append(i)
        if missing:
            self.missed += len(missing)
            out[missing] = self.inner.encode([texts[i] for i in missing])
        return out


def corpus_of_size(docs: list[tuple[str, list[str]]], cache: VectorCache, n: int, sigma: float, seed: int = 13):
    """Documents (id, passages) and their vectors, n passages or a little more: real first, then perturbed copies."""
    rng = np.random.default_rng(seed)
    chosen: list[tuple[str, list[str]]] = []
    vectors: list[np.ndarray] = []
    total = copy = 0
    while total < n:
        for doc_id, body, texts in docs:
            if total >= n:
                break
            if not texts:
                continue
            v = cache.get(texts)
            if copy:
                v = v + sigma * rng.standard_normal(v.shape, dtype=np.float32) / np.sqrt(v.shape[1])
                v /= np.linalg.norm(v, axis=1, keepdims=True)
            chosen.append((f"copy{copy}-{doc_id}" if copy else doc_id, body, texts))
            vectors.append(v.astype(np.float32))
            total += len(texts)
        copy += 1
    return chosen, np.concatenate(vectors)


def write_corpus(docs: list[tuple[str, list[str]]], file: Path) -> None:
    with open(file, "w", encoding="utf-8") as fh:
        for doc_id, body, _ in docs:
            fh.write(json.dumps({"id": doc_id, "text": body}, ensure_ascii=False) + "\n")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------- workers (fresh processes)


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_ours(args: argparse.Namespace) -> dict:
    from factcheck import FactChecker

    claims = json.loads(Path(args.claims_file).read_text())
    t0 = time.perf_counter()
    checker = FactChecker.open(args.index)
    checker.check(claims[0])  # warm-up: models loaded, index mapped
    warm_s = time.perf_counter() - t0
    lat = []
    for c in claims[: args.single]:
        t = time.perf_counter()
        checker.check(c)
        lat.append(time.perf_counter() - t)
    t = time.perf_counter()
    verdicts = checker.check_many(claims, batch_size=64)
    batch_s = time.perf_counter() - t
    return {
        "load_and_first_claim_s": warm_s,
        "latency_ms": [x * 1000 for x in lat],
        "batch_claims_per_s": len(claims) / batch_s,
        "labels": [v.label for v in verdicts],
        "passages_judged_per_claim": sum(e.stance is not None for v in verdicts for e in v.evidence) / len(verdicts),
        "peak_rss_mib": peak_rss_mib(),
        "backend": {"embedder": "onnx" if checker.embedder.onnx is not None else "torch", "verifier": "onnx" if checker.verifier.onnx is not None else "torch"},
    }


def _plain_models():
    import faiss  # noqa: F401
    import torch
    from sentence_transformers import CrossEncoder, SentenceTransformer

    from factcheck.embed import resolve_embedder
    from factcheck.verify import default_verifier_path

    st = SentenceTransformer(resolve_embedder("all-MiniLM-L6-v2"))
    ce = CrossEncoder(str(default_verifier_path()), max_length=256, model_kwargs={"dtype": torch.float32})
    return st, ce


def plain_check_one(st, ce, index, texts: list[str], claim: str, config, temperature: float) -> str:
    """The plain pipeline, written the obvious way, with factcheck's fitted aggregation (so labels compare)."""
    from factcheck.pipeline import aggregate
    from factcheck.verify import softmax

    q = st.encode([claim], normalize_embeddings=True, convert_to_numpy=True)
    scores, ids = index.search(q, config.top_k)
    pairs = [(texts[i], claim) for i in ids[0]]
    probs = softmax(np.asarray(ce.predict(pairs), dtype=np.float32) / temperature)  # columns: the shipped verifier's id2label = STANCES order
    label, _, _ = aggregate(probs.tolist(), scores[0].tolist(), config)
    return label


def worker_plain(args: argparse.Namespace) -> dict:
    import faiss

    from factcheck.pipeline import CheckConfig
    from factcheck.verify import Verifier, default_verifier_path

    claims = json.loads(Path(args.claims_file).read_text())
    t0 = time.perf_counter()
    st, ce = _plain_models()
    index = faiss.read_index(str(Path(args.plain) / "flat.faiss"))
    texts = json.loads((Path(args.plain) / "texts.json").read_text())
    config = CheckConfig.fitted_for(default_verifier_path())
    temperature = Verifier(None).temperature
    plain_check_one(st, ce, index, texts, claims[0], config, temperature)
    warm_s = time.perf_counter() - t0
    lat, labels = [], []
    t = time.perf_counter()
    for c in claims:
        s = time.perf_counter()
        labels.append(plain_check_one(st, ce, index, texts, c, config, temperature))
        lat.append(time.perf_counter() - s)
    total = time.perf_counter() - t
    return {
        "load_and_first_claim_s": warm_s,
        "latency_ms": [x * 1000 for x in lat[: args.single]],
        "batch_claims_per_s": len(claims) / total,
        "labels": labels,
        "peak_rss_mib": peak_rss_mib(),
    }


PLAIN_COLD = """
import sys, json, numpy as np, faiss, torch
from sentence_transformers import SentenceTransformer, CrossEncoder
from eval.bench import plain_check_one
from factcheck.embed import resolve_embedder
from factcheck.pipeline import CheckConfig
from factcheck.verify import Verifier, default_verifier_path
st = SentenceTransformer(resolve_embedder("all-MiniLM-L6-v2"))
ce = CrossEncoder(str(default_verifier_path()), max_length=256, model_kwargs={{"dtype": torch.float32}})
index = faiss.read_index({flat!r})
texts = json.load(open({texts!r}))
print(plain_check_one(st, ce, index, texts, sys.argv[1], CheckConfig.fitted_for(default_verifier_path()), Verifier(None).temperature))
"""


def run_worker(kind: str, index: Path, plain: Path, claims: Path, single: int, env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--index", str(index), "--plain", str(plain), "--claims-file", str(claims), "--single", str(single)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if proc.returncode:
        raise SystemExit(f"worker {kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def timed(cmd: list[str], env: dict | None = None) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if proc.returncode:
        raise SystemExit(f"{cmd[:3]} failed:\n{proc.stderr[-2000:]}")
    return time.perf_counter() - t


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def best(runs: list[dict]) -> dict:
    """Best of N: lowest latencies, highest throughput, lowest RSS (noise only ever slows a run down)."""
    return {
        "latency_p50_ms": min(pct(r["latency_ms"], 50) for r in runs),
        "latency_p95_ms": min(pct(r["latency_ms"], 95) for r in runs),
        "batch_claims_per_s": max(r["batch_claims_per_s"] for r in runs),
        "load_and_first_claim_s": min(r["load_and_first_claim_s"] for r in runs),
        "peak_rss_mib": min(r["peak_rss_mib"] for r in runs),
        "labels": runs[0]["labels"],
        **({"passages_judged_per_claim": runs[0]["passages_judged_per_claim"]} if "passages_judged_per_claim" in runs[0] else {}),
        **({"backend": runs[0]["backend"]} if "backend" in runs[0] else {}),
    }


# ---------------------------------------------------------------- the run


def bench_size(n_target: int, docs, cache: VectorCache, claims: list[str], q: np.ndarray, args, work: Path) -> dict:
    import faiss

    log(f"size {n_target}: load {uptime()}")
    chosen, vectors = corpus_of_size(docs, cache, n_target, args.sigma)
    n = len(vectors)
    size_dir = work / f"n{n_target}"
    shutil.rmtree(size_dir, ignore_errors=True)
    size_dir.mkdir(parents=True)
    corpus = size_dir / "corpus.jsonl"
    write_corpus(chosen, corpus)
    real = sum(1 for d, _, _ in chosen if not d.startswith("copy"))
    out: dict = {"passages": n, "documents": len(chosen), "real_documents": real, "load_before": uptime()}

    # build with cached vectors (everything but the model)
    queues: dict[str, deque] = defaultdict(deque)
    flat_texts = [t for _, _, texts in chosen for t in texts]
    for t, v in zip(flat_texts, vectors):
        queues[t].append(v)
    replay = ReplayEmbedder(queues, cache.embedder)
    index_dir = size_dir / "index"
    t = time.perf_counter()
    build_index([corpus], index_dir, replay, IndexConfig(chunk_size=8192))
    build_s = time.perf_counter() - t
    index = FaissIndex.open(index_dir)
    assert replay.missed == 0 and index.passage_count == n, f"{replay.missed} passages were not in the cache"
    out["index"] = index.manifest["faiss"]
    out["build_cached_vectors_passages_per_s"] = n / build_s
    out["index_disk_mib"] = dir_size(index.dir) / 2**20

    # the plain pipeline's index: IndexFlatIP over the same vectors, texts in a JSON list
    plain = size_dir / "plain"
    plain.mkdir()
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    out["plain_flat_add_passages_per_s"] = n / (time.perf_counter() - t)
    faiss.write_index(flat, str(plain / "flat.faiss"))
    (plain / "texts.json").write_text(json.dumps(flat_texts, ensure_ascii=False))
    out["plain_disk_mib"] = dir_size(plain) / 2**20

    # recall@10 of the index against exact search, and search time per query
    k = 10
    _, exact = flat.search(q, k)
    del flat
    found = index.search_ids(q, k)[1]
    out["recall_at_10"] = recall_at_k(found, exact)
    t = time.perf_counter()
    for row in q[:100]:
        index.search_ids(row[None, :], k)
    out["search_ms_per_query"] = (time.perf_counter() - t) * 1000 / min(100, len(q))
    if out["index"]["index_type"] != FLAT:
        ivf = faiss.extract_index_ivf(index.faiss_index)
        sweep = {}
        for nprobe in (8, 16, 32, 64, 128):
            ivf.nprobe = nprobe
            t = time.perf_counter()
            found = index.faiss_index.search(q, k)[1]
            sweep[nprobe] = {"recall_at_10": recall_at_k(found, exact), "ms_per_query": (time.perf_counter() - t) * 1000 / len(q)}
        out["nprobe_sweep"] = sweep
    index.close()
    del index, vectors

    claims_file = size_dir / "claims.json"
    claims_file.write_text(json.dumps(claims))
    ours_runs, plain_runs = [], []
    for r in range(args.repeats):
        log(f"size {n_target}: serving run {r + 1}/{args.repeats} (load {uptime()})")
        ours_runs.append(run_worker("ours", index_dir, plain, claims_file, args.single))
        plain_runs.append(run_worker("plain", index_dir, plain, claims_file, args.single))
    ours, pl = best(ours_runs), best(plain_runs)
    out["ours"], out["plain"] = ours, pl
    out["labels_agree"] = sum(a == b for a, b in zip(ours.pop("labels"), pl.pop("labels"))) / len(claims)

    # cold start, shell to first verdict
    script = shutil.which("factcheck") or str(Path(sys.executable).with_name("factcheck"))
    cold = [timed([script, "check", claims[1], "--index", str(index_dir), "--json"]) for _ in range(args.repeats)]
    plain_code = PLAIN_COLD.format(flat=str(plain / "flat.faiss"), texts=str(plain / "texts.json"))
    # the child imports eval.bench: the repository root on its import path
    child_env = {"PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    plain_cold = [timed([sys.executable, "-c", plain_code, claims[1]], child_env) for _ in range(args.repeats)]
    out["ours"]["cold_start_s"], out["plain"]["cold_start_s"] = min(cold), min(plain_cold)
    out["load_after"] = uptime()
    if not args.keep:
        shutil.rmtree(plain, ignore_errors=True)
    return out


def bench_build_end_to_end(docs, cache: VectorCache, n_target: int, work: Path) -> dict:
    """Index build with the model in the loop, beside raw encode throughput on the same passages."""
    chosen, _ = corpus_of_size(docs, cache, n_target, 0.0)
    texts = [t for _, _, ts in chosen for t in ts]
    corpus = work / "e2e.jsonl"
    write_corpus(chosen, corpus)
    embedder = create_embedder()
    embedder.encode(texts[:64])  # models loaded before timing
    log(f"end-to-end build of {len(texts)} passages (load {uptime()})")
    t = time.perf_counter()
    embedder.encode(texts)
    raw = len(texts) / (time.perf_counter() - t)
    shutil.rmtree(work / "e2e-index", ignore_errors=True)
    t = time.perf_counter()
    build_index([corpus], work / "e2e-index", embedder)
    build = len(texts) / (time.perf_counter() - t)
    log(f"plain encode of {len(texts)} passages (load {uptime()})")
    st, _ = _plain_models()
    st.encode(texts[:64], batch_size=64, normalize_embeddings=True)
    t = time.perf_counter()
    import faiss

    flat = faiss.IndexFlatIP(384)
    flat.add(st.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True))
    plain = len(texts) / (time.perf_counter() - t)
    return {"passages": len(texts), "raw_encode_passages_per_s": raw, "build_passages_per_s": build, "build_over_raw_encode": build / raw,
            "plain_encode_and_add_passages_per_s": plain, "load": uptime()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--claims", type=int, default=300, help="SciFact dev claims used as the workload")
    parser.add_argument("--single", type=int, default=100, help="claims timed one at a time (latency)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measure; the best is kept")
    parser.add_argument("--build-passages", type=int, default=5000, help="passages for the end-to-end build (embedding included)")
    parser.add_argument("--sigma", type=float, default=0.5)
    parser.add_argument("--cache", type=Path, default=Path(".bench-cache"), help="embeddings and work files")
    parser.add_argument("--seed-index", type=Path, action="append", default=[], help="take cached vectors from an index built by the same embedder")
    parser.add_argument("--keep", action="store_true", help="keep the plain pipeline's files")
    parser.add_argument("--out", type=Path, default=HERE / "results" / f"bench-{datetime.now().strftime('%Y-%m-%d')}.json")
    parser.add_argument("--build-only", action="store_true", help="only the end-to-end build against raw encode, --repeats times")
    parser.add_argument("--worker", choices=["ours", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--plain", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--claims-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps((worker_ours if args.worker == "ours" else worker_plain)(args)))
        return

    started = time.time()
    result: dict = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_start": uptime(),
        "sigma": args.sigma,
    }
    embedder = create_embedder()
    cache = VectorCache(args.cache, embedder)
    for seed in args.seed_index:
        log(f"seeded {cache.seed(seed)} vectors from {seed}")
    work = args.cache / "work"
    work.mkdir(parents=True, exist_ok=True)
    docs = passages_of(real_documents(args.data_dir), work)
    cache.fill([t for _, _, ts in docs for t in ts])
    result["real_passages"] = sum(len(ts) for _, _, ts in docs)
    if args.build_only:
        result["build_end_to_end_runs"] = [bench_build_end_to_end(docs, cache, args.build_passages, work) for _ in range(args.repeats)]
        result["seconds"] = time.time() - started
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
        for run in result["build_end_to_end_runs"]:
            print(f"build {run['build_passages_per_s']:.0f} passages/s, raw encode {run['raw_encode_passages_per_s']:.0f}/s: {run['build_over_raw_encode']:.2f}")
        return
    claims = [c.claim for c in scifact_dev(args.data_dir)[0]][: args.claims]
    q = embedder.encode(claims)
    result["build_end_to_end"] = bench_build_end_to_end(docs, cache, args.build_passages, work)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    result["sizes"] = {}
    for n in [int(s) for s in args.sizes.split(",")]:
        result["sizes"][str(n)] = bench_size(n, docs, cache, claims, q, args, work)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
    result["seconds"] = time.time() - started
    args.out.write_text(json.dumps(result, indent=2))
    print(table(result))


def table(result: dict) -> str:
    rows = ["| passages | index | recall@10 | build (cached vectors) passages/s | p50 / p95 ms (plain) | batch claims/s (plain, ratio) | cold start s (plain) | peak RSS MiB (plain) | disk MiB (plain vectors+texts) | labels agree | passages judged per claim |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in result["sizes"].values():
        o, p = s["ours"], s["plain"]
        idx = s["index"]["index_type"] + (f" nlist {s['index']['params']['nlist']} nprobe {s['index']['params']['nprobe']}" if s["index"]["params"] else "")
        rows.append(
            f"| {s['passages']:,} | {idx} | {s['recall_at_10']:.3f} | {s['build_cached_vectors_passages_per_s']:,.0f} | "
            f"{o['latency_p50_ms']:.0f} / {o['latency_p95_ms']:.0f} ({p['latency_p50_ms']:.0f} / {p['latency_p95_ms']:.0f}) | "
            f"{o['batch_claims_per_s']:.1f} ({p['batch_claims_per_s']:.1f}, {o['batch_claims_per_s'] / p['batch_claims_per_s']:.2f}x) | "
            f"{o['cold_start_s']:.2f} ({p['cold_start_s']:.2f}) | {o['peak_rss_mib']:.0f} ({p['peak_rss_mib']:.0f}) | "
            f"{s['index_disk_mib']:.0f} ({s['plain_disk_mib']:.0f}) | {s['labels_agree']:.3f} | {o.get('passages_judged_per_claim', float('nan')):.1f} |"
        )
    b = result["build_end_to_end"]
    rows.append(f"\nEnd-to-end build of {b['passages']:,} real passages: {b['build_passages_per_s']:.0f} passages/s, "
                f"{b['build_over_raw_encode']:.2f} of the embedder's raw encode ({b['raw_encode_passages_per_s']:.0f}/s); "
                f"plain encode + IndexFlatIP.add {b['plain_encode_and_add_passages_per_s']:.0f}/s.")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
