"""How long a whole article takes to check (issue 27: a 2,000-word article in under 20 s on a 2-core CPU).

The article: the English documents of the plain dev suite, then its French ones, joined and cut at the sentence
where WORDS is reached (news items on ten topics, both languages); the evidence: an index of the same documents.
Three timings: the console script from a cold start (`factcheck check --doc ARTICLE --index INDEX --json`, one
process, models loaded from disk), `FactChecker.check_text` in a process that has already checked one text (warm),
and the extraction alone.

    python eval/text_speed.py --out eval/results/text-speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from factcheck import FactChecker
from factcheck.extract import extract_claims
from factcheck.ingest import fold_whitespace, sentence_spans, split_front_matter

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "plain" / "dev" / "corpus"


def article(words: int) -> str:
    """The dev documents' bodies, English then French, cut after the sentence that reaches ``words`` words."""
    paragraphs, count = [], 0
    for path in sorted(CORPUS.glob("*.md")):
        body = split_front_matter(path.read_text(encoding="utf-8"))[1]
        for paragraph in re.split(r"\n\s*\n", body.strip()):
            kept = []
            for start, end in sentence_spans(paragraph, "fr" if path.name.startswith("fr-") else "en"):
                kept.append(fold_whitespace(paragraph[start:end]))
                count += len(kept[-1].split())
                if count >= words:
                    return "\n\n".join([*paragraphs, " ".join(kept)]) + "\n"
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    text = article(args.words)
    with tempfile.TemporaryDirectory() as tmp:
        doc, index = Path(tmp) / "article.md", Path(tmp) / "index"
        doc.write_text(text, encoding="utf-8")
        FactChecker.build([CORPUS], index)
        script = Path(sys.executable).with_name("factcheck")
        start = time.perf_counter()
        shown = subprocess.run([str(script), "check", "--doc", str(doc), "--index", str(index), "--json"], capture_output=True, text=True, check=True)
        cold = time.perf_counter() - start
        report = json.loads(shown.stdout)
        checker = FactChecker.open(index)
        checker.check_text("Millbrook Athletic won the cup on Saturday.")
        start = time.perf_counter()
        checker.check_text(text)
        warm = time.perf_counter() - start
        start = time.perf_counter()
        extraction = extract_claims(text)
        extract_s = time.perf_counter() - start
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "python eval/text_speed.py" + (f" --words {args.words}" if args.words != 2000 else ""),
        "words": len(text.split()),
        "claims_checked": len(report["claims"]),
        "sentences_not_checked": len(report["not_checked"]),
        "labels": report["summary"],
        "cold_cli_s": round(cold, 2),
        "warm_check_text_s": round(warm, 2),
        "extraction_s": round(extract_s, 3),
        "claims_extracted_in_process": len(extraction.claims),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
