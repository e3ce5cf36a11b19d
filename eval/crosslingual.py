"""Issue 6 measurements: cross-lingual retrieval, SciFact retrieval and encode speed per embedder.

    python eval/crosslingual.py retrieval --out eval/results/crosslingual/retrieval.json
    python eval/crosslingual.py scifact --data-dir ../shared/data --out eval/results/crosslingual/scifact.json
    python eval/crosslingual.py scifact --data-dir ../shared/data --max-docs 1500 --out eval/results/crosslingual/scifact-1500.json
    python eval/crosslingual.py speed --data-dir ../shared/data --out eval/results/crosslingual/speed.json
    python eval/crosslingual.py endtoend --out eval/results/crosslingual/endtoend.json

``retrieval`` runs the bilingual claims of eval/bilingual/claims.jsonl against the demo corpus restricted to
the *other* language (English claims against the French documents only, French claims against the English
ones), passages split and embedded as factcheck indexes them; a claim is found when one of its top-5 passages
is one of its gold evidence passages (``evidence``: document id and character offsets). ``scifact`` is the BEIR view of SciFact (test qrels, 5,183 abstracts,
title + abstract embedded whole, each model truncating at its own limit), nDCG@10 by scikit-learn.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMBEDDERS = ("all-MiniLM-L6-v2", "use-multilingual", "multilingual-e5-small")


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"


def bilingual_claims(path: Path | None = None) -> list[dict]:
    path = path or ROOT / "eval" / "bilingual" / "claims.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus_passages(lang: str) -> list:
    from factcheck.ingest import read_documents, split_passages

    docs = [d for d in read_documents([ROOT / "corpus"]).documents if d.lang == lang]
    return [p for d in docs for p in split_passages(d)]


def retrieval(args: argparse.Namespace) -> dict:
    from factcheck.embed import EmbedderConfig, create_embedder

    claims = [c for c in bilingual_claims() if c["evidence"]]
    out: dict = {}
    for name in args.embedders:
        emb = create_embedder(EmbedderConfig(model=name))
        res: dict = {}
        for src, tgt in (("en", "fr"), ("fr", "en")):
            passages = corpus_passages(tgt)
            pv = emb.encode([p.text for p in passages])
            rows = [c for c in claims if c["lang"] == src]
            qv = emb.encode_queries([c["claim"] for c in rows])
            sims = qv @ pv.T
            found, rr, misses = [], [], []
            gold_sims, top_other = [], []
            for c, s in zip(rows, sims):
                order = s.argsort()[::-1]
                keys = [(passages[i].doc_id, passages[i].start) for i in order]
                gold = {(e["doc_id"], e["start"]) for e in c["evidence"]}
                first = next((r for r, key in enumerate(keys) if key in gold), len(keys))
                found.append(first < args.k)
                rr.append(1.0 / (first + 1) if first < len(keys) else 0.0)
                gold_sims.append(float(s[order[first]]))
                top_other.append(float(max(s[i] for i in order if (passages[i].doc_id, passages[i].start) not in gold)))
                if first >= args.k:
                    misses.append({"id": c["id"], "claim": c["claim"], "top1": passages[order[0]].text})
            res[f"{src}->{tgt}"] = {
                "claims": len(rows),
                "passages": len(passages),
                f"recall@{args.k}": round(sum(found) / len(found), 4),
                "mrr": round(sum(rr) / len(rr), 4),
                "mean_best_gold_similarity": round(sum(gold_sims) / len(gold_sims), 4),
                "mean_best_nongold_similarity": round(sum(top_other) / len(top_other), 4),
                "misses": misses,
            }
            print(f"{name:24s} {src}->{tgt} recall@{args.k} {res[f'{src}->{tgt}'][f'recall@{args.k}']:.3f} mrr {res[f'{src}->{tgt}']['mrr']:.3f}", flush=True)
        out[name] = res
    return out


def scifact(args: argparse.Namespace) -> dict:
    import numpy as np
    from sklearn.metrics import ndcg_score

    from factcheck.embed import EmbedderConfig, create_embedder

    beir = args.data_dir / "scifact" / "beir"
    with gzip.open(beir / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        corpus = [json.loads(line) for line in fh if line.strip()]
    queries = {q["_id"]: q["text"] for q in map(json.loads, (beir / "queries.jsonl").read_text().splitlines()) if q}
    qrels: dict[str, dict[str, int]] = {}
    for line in (beir / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, did, score = line.split("\t")
        qrels.setdefault(qid, {})[did] = int(score)
    qids = sorted(qrels, key=int)
    if args.max_docs and args.max_docs < len(corpus):
        # every document some test query needs, then a seeded sample of the others: the same smaller
        # corpus for every embedder (for models too slow to embed all 5,183 abstracts here)
        import random

        gold = {d for rel in qrels.values() for d in rel}
        others = [d for d in corpus if d["_id"] not in gold]
        keep = {d["_id"] for d in random.Random(13).sample(others, max(0, args.max_docs - len(gold)))} | gold
        corpus = [d for d in corpus if d["_id"] in keep]
    doc_ids = [d["_id"] for d in corpus]
    col = {d: i for i, d in enumerate(doc_ids)}
    truth = np.zeros((len(qids), len(doc_ids)))
    for r, q in enumerate(qids):
        for d, s in qrels[q].items():
            truth[r, col[d]] = s
    texts = [f"{d.get('title', '')} {d['text']}".strip() for d in corpus]
    out: dict = {}
    for name in args.embedders:
        emb = create_embedder(EmbedderConfig(model=name, batch_size=32))
        t0 = time.perf_counter()
        dv = emb.encode(texts, show_progress=True)
        embed_s = time.perf_counter() - t0
        qv = emb.encode_queries([queries[q] for q in qids])
        scores = qv @ dv.T
        ndcg = float(ndcg_score(truth, scores, k=10))
        top = np.argsort(-scores, axis=1)[:, :100]
        recall100 = float(np.mean([len({doc_ids[i] for i in row} & set(qrels[q])) / len(qrels[q]) for q, row in zip(qids, top)]))
        out[name] = {"ndcg@10": round(ndcg, 4), "recall@100": round(recall100, 4), "queries": len(qids),
                     "documents": len(doc_ids), "embed_corpus_s": round(embed_s, 1)}
        print(f"{name:24s} nDCG@10 {ndcg:.4f} recall@100 {recall100:.4f} ({embed_s:.0f}s to embed the corpus)", flush=True)
        if args.out:  # one embedder at a time: a long run keeps what it finished
            write(args, out, time.perf_counter())
    return out


def speed(args: argparse.Namespace) -> dict:
    """Sentences per second, claims-like sentences (FEVER dev claims) and demo-corpus passages, batch 64."""
    from factcheck.embed import EmbedderConfig, create_embedder

    claims = [json.loads(line)["claim"] for line in (args.data_dir / "fever" / "paper_dev.jsonl").read_text().splitlines()[:1000]]
    passages = [p.text for lang in ("en", "fr") for p in corpus_passages(lang)]
    out: dict = {}
    for name in args.embedders:
        emb = create_embedder(EmbedderConfig(model=name))
        t0 = time.perf_counter()
        emb.encode(["warm up"])
        load_s = time.perf_counter() - t0
        res = {"load_s": round(load_s, 2)}
        for label, texts in (("fever_claims", claims), ("demo_passages", passages)):
            best = 0.0
            for _ in range(2):
                t0 = time.perf_counter()
                emb.encode(texts)
                best = max(best, len(texts) / (time.perf_counter() - t0))
            res[f"{label}_per_s"] = round(best, 1)
        out[name] = res
        print(name, res, flush=True)
    return out


def endtoend(args: argparse.Namespace) -> dict:
    """Claim labels on the bilingual set, each language's claims against an index of the other language's
    documents only (built as factcheck index builds it: the embedder picked by the language mix)."""
    import tempfile

    from sklearn.metrics import f1_score

    from factcheck.index import build_index
    from factcheck.ingest import read_documents
    from factcheck.pipeline import FactChecker

    claims = bilingual_claims()
    docs = read_documents([ROOT / "corpus"]).documents
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for src, tgt in (("en", "fr"), ("fr", "en")):
            files = [d.path for d in docs if d.lang == tgt]
            build_index(files, Path(tmp) / tgt, embedder=None if not args.embedders_given else _embedder(args.embedders[0]))
            checker = FactChecker.open(Path(tmp) / tgt)
            rows = [c for c in claims if c["lang"] == src]
            verdicts = checker.check_many([c["claim"] for c in rows])
            gold, pred = [c["label"] for c in rows], [v.label for v in verdicts]
            out[f"{src}->{tgt}"] = {
                "embedder": checker.embedder.name, "claims": len(rows),
                "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / len(rows), 4),
                "macro_f1": round(float(f1_score(gold, pred, average="macro")), 4),
                "confusion": {f"{g}->{p}": sum(1 for a, b in zip(gold, pred) if (a, b) == (g, p)) for g in sorted(set(gold)) for p in sorted(set(pred))},
            }
            print(src, "->", tgt, out[f"{src}->{tgt}"], flush=True)
    return out


def _embedder(name: str):
    from factcheck.embed import EmbedderConfig, create_embedder

    return create_embedder(EmbedderConfig(model=name))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("retrieval", "scifact", "speed", "endtoend"))
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--embedders", nargs="+", default=None)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--max-docs", type=int, default=0, help="scifact: gold abstracts plus a seeded sample of the rest, this many in all (0: all 5,183)")
    args = ap.parse_args()
    args.embedders_given = args.embedders is not None
    args.embedders = args.embedders or list(EMBEDDERS)
    args.started = time.perf_counter()
    result = {"retrieval": retrieval, "scifact": scifact, "speed": speed, "endtoend": endtoend}[args.what](args)
    if args.out:
        write(args, result, time.perf_counter())


def write(args: argparse.Namespace, result: dict, now: float) -> None:
    import sys

    report = {"command": "python eval/crosslingual.py " + " ".join(sys.argv[1:]), "date": date.today().isoformat(), "machine": machine(),
              "load_average_1_5_15min": [round(x, 2) for x in os.getloadavg()],
              "seconds": round(now - args.started, 1), "results": result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
