"""Train and measure the cross-lingual verifier (issue 6): a stance classifier on multilingual sentence
embeddings, for (evidence, claim) pairs that are not both English.

Features for evidence vector u and claim vector v (USE multilingual, the space is aligned across languages):
[u, v, |u - v|, u * v]. Trained on the English training pairs of ``factcheck recipes`` plus the training half of
DACCORD and RTE3-FR (BSD-2, split by premise so no premise is on both sides); measured on the other halves, on
XNLI dev-fr (non-commercial: evaluation only, never trained on) and on the gold pairs of the bilingual set
(eval/bilingual/claims.jsonl, English claim with French evidence and back). The shipped English cross-encoder
is measured on the same pairs.

    factcheck recipes --data-dir ../shared/data --out PAIRS
    python -m eval.experiments.train_xling_verifier --pairs PAIRS --data-dir ../shared/data \\
        --report eval/results/crosslingual/verifier.json [--write factcheck/models/xling]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from eval.crosslingual import bilingual_claims, corpus_passages, machine

STANCES = ("entailment", "neutral", "contradiction")
ENGLISH_DEV = ("scifact-dev", "climate-fever-heldout", "fever-lite-test")
FR_LABEL = {"yes": "entailment", "unknown": "neutral", "no": "contradiction"}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def premise_half(premise: str) -> int:
    """0 = train, 1 = held out: a fixed split by premise (hash), so pairs sharing a premise stay together."""
    return int(hashlib.sha256(premise.encode()).hexdigest(), 16) % 2


def load_sets(pairs_dir: Path, data_dir: Path, max_train: int | None) -> dict[str, list[tuple[str, str, str]]]:
    """name -> (evidence, claim, stance) rows."""
    fr = data_dir / "french-nli"
    train_en = [(r["evidence"], r["claim"], r["label"]) for r in read_jsonl(pairs_dir / "train.jsonl")]
    if max_train:
        rng = np.random.default_rng(13)
        train_en = [train_en[i] for i in rng.permutation(len(train_en))[:max_train]]
    dacc = [(r["premise"], r["hypothesis"], FR_LABEL[r["label"]]) for r in read_jsonl(fr / "daccord.jsonl")]
    rte = [(r["premise"], r["hypothesis"], FR_LABEL[r["label"]]) for r in read_jsonl(fr / "rte3_fr_dev.jsonl")]
    xnli = []
    for line in (fr / "xnli_dev-fr.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            xnli.append((parts[0], parts[1], {"contradictory": "contradiction"}.get(parts[2].strip(), parts[2].strip())))
    sets = {
        "train-en": train_en,
        "daccord-train": [r for r in dacc if premise_half(r[0]) == 0],
        "daccord-heldout": [r for r in dacc if premise_half(r[0]) == 1],
        "rte3-fr-train": [r for r in rte if premise_half(r[0]) == 0],
        "rte3-fr-heldout": [r for r in rte if premise_half(r[0]) == 1],
        "daccord-all": dacc,
        "rte3-fr-all": rte,
        "xnli-dev-fr": xnli,
        "bilingual-gold": bilingual_pairs(),
    }
    for name in ("scifact-dev", "climate-fever-heldout", "fever-lite-test"):
        file = pairs_dir / f"{name}.jsonl"
        if file.is_file():
            rows = read_jsonl(file)
            rng = np.random.default_rng(13)
            sets[name] = [(r["evidence"], r["claim"], r["label"]) for r in (rows[i] for i in rng.permutation(len(rows))[:1000])]
    return sets


def bilingual_pairs() -> list[tuple[str, str, str]]:
    """Gold evidence passage + claim, across languages; an unverified claim gets its 3 most similar passages
    (by USE) of the other language as neutral pairs."""
    from factcheck.embed import EmbedderConfig, create_embedder

    out = []
    stance = {"supported": "entailment", "disputed": "contradiction"}
    unverified = [c for c in bilingual_claims() if c["label"] == "unverified"]
    for c in bilingual_claims():
        for e in c["evidence"]:
            out.append((e["text"], c["claim"], stance[c["label"]]))
    emb = create_embedder(EmbedderConfig(model="use-multilingual"))
    for lang in ("en", "fr"):
        passages = corpus_passages(lang)
        rows = [c for c in unverified if c["evidence_lang"] == lang]
        sims = emb.encode([c["claim"] for c in rows]) @ emb.encode([p.text for p in passages]).T
        for c, s in zip(rows, sims):
            out += [(passages[i].text, c["claim"], "neutral") for i in np.argsort(-s)[:3]]
    return out


def macro_f1(gold: list[str], pred: list[str], binary: bool) -> float:
    from sklearn.metrics import f1_score

    if binary:  # contradiction against the rest (DACCORD's scheme)
        gold = ["contradiction" if g == "contradiction" else "other" for g in gold]
        pred = ["contradiction" if p == "contradiction" else "other" for p in pred]
    return float(f1_score(gold, pred, average="macro"))


def features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.hstack([u, v, np.abs(u - v), u * v]).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=Path, required=True, help="folder written by factcheck recipes")
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--embedder", default="use-multilingual")
    ap.add_argument("--max-train", type=int, default=None, help="subsample the English training pairs")
    ap.add_argument("--no-shipped", action="store_true", help="skip measuring the shipped cross-encoder")
    ap.add_argument("--mlp", action="store_true", help="also try a one-hidden-layer MLP (slow on 2 cores)")
    ap.add_argument("--cache", type=Path, default=None, help="keep the text embeddings in this .npz between runs")
    ap.add_argument("--report", type=Path, default=None)
    ap.add_argument("--write", type=Path, default=None, help="write the chosen classifier here")
    args = ap.parse_args()
    started = time.perf_counter()
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    from factcheck.embed import EmbedderConfig, create_embedder

    sets = load_sets(args.pairs, args.data_dir, args.max_train)
    emb = create_embedder(EmbedderConfig(model=args.embedder))
    cache: dict[str, np.ndarray] = {}
    if args.cache and args.cache.is_file():
        with np.load(args.cache, allow_pickle=False) as z:
            cache = dict(zip(z["texts"].tolist(), z["vectors"]))

    def vecs(texts: list[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            for t, v in zip(todo, emb.encode(todo)):
                cache[t] = v
        return np.stack([cache[t] for t in texts])

    X = {n: features(vecs([r[0] for r in rows]), vecs([r[1] for r in rows])) for n, rows in sets.items()}
    if args.cache:
        np.savez(args.cache, texts=np.array(list(cache)), vectors=np.stack(list(cache.values())))
    Y = {n: [r[2] for r in rows] for n, rows in sets.items()}
    print(f"embedded {len(cache)} texts in {time.perf_counter() - started:.0f}s", flush=True)
    evals = ["xnli-dev-fr", "rte3-fr-heldout", "daccord-heldout", "bilingual-gold", "rte3-fr-all", "daccord-all"]
    evals += [n for n in ENGLISH_DEV if n in sets]
    variants = {
        "logreg, EN pairs only": (["train-en"], lambda: LogisticRegression(C=1.0, max_iter=2000)),
        "logreg, EN + FR halves": (["train-en", "daccord-train", "rte3-fr-train"], lambda: LogisticRegression(C=1.0, max_iter=2000)),
    }
    if args.mlp:
        variants["mlp-256, EN + FR halves"] = (["train-en", "daccord-train", "rte3-fr-train"],
                                               lambda: MLPClassifier(hidden_layer_sizes=(256,), early_stopping=True, random_state=13, max_iter=200))
    results: dict = {}
    models = {}
    for vname, (train_sets, make) in variants.items():
        t0 = time.perf_counter()
        Xtr = np.vstack([X[n] for n in train_sets])
        ytr = [y for n in train_sets for y in Y[n]]
        clf = make().fit(Xtr, ytr)
        models[vname] = clf
        res = {"train_pairs": len(ytr), "train_s": round(time.perf_counter() - t0, 1)}
        for n in evals:
            pred = list(clf.predict(X[n]))
            res[n] = round(macro_f1(Y[n], pred, binary=n.startswith("daccord")), 4)
        results[vname] = res
        print(vname, res, flush=True)
    if not args.no_shipped:
        from factcheck.verify import Verifier, softmax

        ver = Verifier()
        res = {}
        for n in [e for e in evals if e not in ENGLISH_DEV]:  # its English figures: eval/results/verifier.json
            probs = softmax(ver.logits([(r[0], r[1]) for r in sets[n]]) / ver.temperature)
            pred = [STANCES[i] for i in probs.argmax(axis=1)]
            res[n] = round(macro_f1(Y[n], pred, binary=n.startswith("daccord")), 4)
        results["shipped cross-encoder (English MiniLM)"] = res
        print("shipped", res, flush=True)
    report = {"command": "python -m eval.experiments.train_xling_verifier " + " ".join(sys.argv[1:]), "date": date.today().isoformat(),
              "machine": machine(), "embedder": args.embedder, "seconds": round(time.perf_counter() - started, 1),
              "sets": {n: len(r) for n, r in sets.items()},
              "metric": "macro-F1; DACCORD as contradiction vs not (its two labels)", "results": results}
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    if args.write:
        clf = models["logreg, EN + FR halves"]
        args.write.mkdir(parents=True, exist_ok=True)
        order = [list(clf.classes_).index(s) for s in STANCES]
        np.savez_compressed(args.write / "weights.npz", coef=clf.coef_[order].astype(np.float32), intercept=clf.intercept_[order].astype(np.float32))
        (args.write / "config.json").write_text(json.dumps({
            "kind": "embedding-logreg", "embedder": args.embedder, "features": "u, v, |u-v|, u*v (u evidence, v claim)",
            "stances": list(STANCES), "trained": report["date"], "train_sets": variants["logreg, EN + FR halves"][0],
            "heldout_macro_f1": results["logreg, EN + FR halves"]}, indent=2) + "\n")


if __name__ == "__main__":
    main()
