"""Claim extraction scored against eval/extract/texts.jsonl (issue 27): precision and recall of the check-worthy
sentences, per language and overall.

    python eval/extraction.py --out eval/results/extraction.json
"""

from __future__ import annotations

import argparse
import json
import platform
from datetime import datetime, timezone
from pathlib import Path

from factcheck.extract import extract_claims

HERE = Path(__file__).resolve().parent


def _text(sentences: list[list]) -> tuple[str, list[tuple[int, int, bool]]]:
    """The text of a set row and each sentence's span and mark."""
    parts, spans, cursor = [], [], 0
    for i, (sentence, worthy) in enumerate(sentences):
        sep = "" if i == 0 else ("\n\n" if i == 1 and not sentences[0][0].rstrip().endswith((".", "!", "?", "»", '"')) else " ")
        cursor += len(sep)
        parts.append(sep + sentence)
        spans.append((cursor, cursor + len(sentence), bool(worthy)))
        cursor += len(sentence)
    return "".join(parts), spans


def score(rows: list[dict]) -> dict:
    out: dict = {}
    for group in ("all", "en", "fr"):
        tp = fp = fn = 0
        misses: list[str] = []
        for row in rows:
            if group != "all" and row["lang"] != group:
                continue
            text, spans = _text(row["sentences"])
            kept = [(c.start, c.end) for c in extract_claims(text).claims]
            for start, end, worthy in spans:
                hit = any(s < end and start < e for s, e in kept)
                tp += hit and worthy
                fn += (not hit) and worthy
                fp += hit and not worthy
                if hit != worthy:
                    misses.append(("kept, not check-worthy: " if hit else "missed: ") + text[start:end])
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        out[group] = {"precision": round(precision, 3), "recall": round(recall, 3), "tp": tp, "fp": fp, "fn": fn, "errors": misses}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=HERE / "extract" / "texts.jsonl")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = {"texts": len(rows), "machine": f"{platform.machine()}", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "command": "python eval/extraction.py --out eval/results/extraction.json", **score(rows)}
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for group in ("all", "en", "fr"):
        r = result[group]
        print(f"{group}: precision {r['precision']:.3f}, recall {r['recall']:.3f} (tp {r['tp']}, fp {r['fp']}, fn {r['fn']})")
    for miss in result["all"]["errors"]:
        print("  " + miss)


if __name__ == "__main__":
    main()
