"""Whole-text checking scored against eval/extract/ (issue 27): claim extraction and the verdicts of the extracted
claims, per language and overall.

Three scores, on the twelve texts of ``eval/extract/texts.jsonl``:

* sentences: the sentences that ``factcheck.extract.extract_claims`` keeps against the check-worthy marks (a kept
  claim hits a sentence when their character spans overlap). Precision: kept sentences that are check-worthy;
  recall: check-worthy sentences kept.
* claims: the predicted claims against the expected ones. A predicted claim may match an expected claim when its
  source span overlaps the span of the expected claim's sentence; the pairs are then made one to one, as many as
  can be, and among those the ones with the greatest total token overlap (Jaccard of the lower-cased word tokens of
  the two claims; ``scipy.optimize.linear_sum_assignment``). So a sentence with two expected claims and one
  predicted claim gives one match (the expected claim whose words the predicted one shares most) and one miss, and
  two predicted claims out of one sentence with one expected claim give one match and one unmatched prediction.
  Claim precision: matched predicted claims / predicted claims; recall: matched expected claims / expected claims.
* verdicts: each text checked as a whole, as ``factcheck check --doc FILE --index DIR --json`` does
  (``FactChecker.check_text``), against an index of ``eval/extract/corpus`` built into a temporary folder with the
  library's defaults; the verdict of each matched predicted claim against the expected claim's label. Accuracy on
  the matched claims, a confusion count per expected label, and the list of wrong verdicts.

    python eval/extraction.py --out eval/results/extraction.json
    python eval/extraction.py --no-verdicts     # extraction only: no index, no model
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import tempfile
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from factcheck.extract import extract_claims

HERE = Path(__file__).resolve().parent
SET = HERE / "extract" / "texts.jsonl"
CORPUS = HERE / "extract" / "corpus"
LABELS = ("supported", "disputed", "unverified")
GROUPS = ("all", "en", "fr")


def load(path: Path = SET) -> list[dict]:
    """The rows of the set, one text each."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def text_of(sentences: list[list]) -> tuple[str, list[tuple[int, int, bool]]]:
    """The text of a set row and each sentence's span and mark: the sentences joined by spaces, a first sentence
    without final punctuation (a heading) on a line of its own."""
    parts, spans, cursor = [], [], 0
    for i, (sentence, worthy) in enumerate(sentences):
        sep = "" if i == 0 else ("\n\n" if i == 1 and not sentences[0][0].rstrip().endswith((".", "!", "?", "»", '"')) else " ")
        cursor += len(sep)
        parts.append(sep + sentence)
        spans.append((cursor, cursor + len(sentence), bool(worthy)))
        cursor += len(sentence)
    return "".join(parts), spans


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def token_overlap(a: str, b: str) -> float:
    """Jaccard overlap of the lower-cased word tokens of two claims."""
    ta, tb = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return len(ta & tb) / len(ta | tb) if ta | tb else 0.0


def match_claims(expected: list[tuple[int, int, str]], predicted: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """One-to-one (expected index, predicted index) pairs. Each item is (start, end, claim text), the span being the
    source span (for an expected claim, its sentence's). A pair is possible only where the spans overlap; among the
    possible pairs, the most pairs that can be made one to one, and among those the greatest total token overlap."""
    if not expected or not predicted:
        return []
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    # a pair whose spans do not overlap costs more than all the token overlap a matching can gain, so the
    # assignment takes as many possible pairs as it can first; the impossible pairs it is forced to take are dropped
    forbidden = -(len(expected) + len(predicted) + 1.0)
    weights = np.full((len(expected), len(predicted)), forbidden)
    for i, (es, ee, etext) in enumerate(expected):
        for j, (ps, pe, ptext) in enumerate(predicted):
            if _overlaps((es, ee), (ps, pe)):
                weights[i, j] = token_overlap(etext, ptext)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return sorted((int(i), int(j)) for i, j in zip(rows, cols) if weights[i, j] > forbidden)


def sentence_scores(rows: list[dict], predicted: dict[str, list[dict]]) -> dict:
    """Precision and recall of the kept sentences against the check-worthy marks, per group."""
    out: dict = {}
    for group in GROUPS:
        tp = fp = fn = 0
        misses: list[str] = []
        for row in _in(rows, group):
            text, spans = text_of(row["sentences"])
            kept = [(c["start"], c["end"]) for c in predicted[row["id"]]]
            for start, end, worthy in spans:
                hit = any(_overlaps((start, end), k) for k in kept)
                tp += hit and worthy
                fn += (not hit) and worthy
                fp += hit and not worthy
                if hit != worthy:
                    misses.append(("kept, not check-worthy: " if hit else "missed: ") + text[start:end])
        out[group] = {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn), "tp": tp, "fp": fp, "fn": fn, "errors": misses}
    return out


def claim_scores(rows: list[dict], predicted: dict[str, list[dict]], verdicts: bool = True) -> dict:
    """Claim precision and recall and, with ``verdicts``, the verdict accuracy on the matched claims, per group.
    ``predicted``: per text id, its claims as ``TextReport.to_dict()`` writes them (claim, start, end, and with
    verdicts label, confidence, evidence)."""
    out: dict = {}
    for group in GROUPS:
        n_expected = n_predicted = n_matched = correct = 0
        confusion = {gold: dict.fromkeys(LABELS, 0) for gold in LABELS}
        missed: list[str] = []
        unmatched: list[str] = []
        wrong: list[dict] = []
        for row in _in(rows, group):
            _, spans = text_of(row["sentences"])
            expected = [(*spans[c["sentence"]][:2], c["claim"]) for c in row["claims"]]
            claims = predicted[row["id"]]
            pairs = match_claims(expected, [(c["start"], c["end"], c["claim"]) for c in claims])
            n_expected, n_predicted, n_matched = n_expected + len(expected), n_predicted + len(claims), n_matched + len(pairs)
            hit_e, hit_p = {i for i, _ in pairs}, {j for _, j in pairs}
            missed += [f"{row['id']} #{c['sentence']}: {c['claim']}" for i, c in enumerate(row["claims"]) if i not in hit_e]
            unmatched += [f"{row['id']}: {c['claim']}" for j, c in enumerate(claims) if j not in hit_p]
            if not verdicts:
                continue
            for i, j in pairs:
                gold, got = row["claims"][i]["label"], claims[j]["label"]
                confusion[gold][got] += 1
                correct += gold == got
                if gold != got:
                    decisive = [e["text"] for e in claims[j]["evidence"] if e.get("decisive")]
                    # the labels of the sentence's other expected claims: a predicted claim that packs a supported and a
                    # disputed fact is matched to one of them only
                    others = [c["label"] for k, c in enumerate(row["claims"]) if k != i and c["sentence"] == row["claims"][i]["sentence"]]
                    wrong.append({"text": row["id"], "expected": row["claims"][i]["claim"], "checked": claims[j]["claim"], "label": gold,
                                  "verdict": got, "confidence": claims[j]["confidence"], "same_sentence_labels": others, "decisive": decisive[:2]})
        result: dict = {"expected": n_expected, "predicted": n_predicted, "matched": n_matched,
                        "precision": _ratio(n_matched, n_predicted), "recall": _ratio(n_matched, n_expected), "missed": missed, "unmatched": unmatched}
        if verdicts:
            result["verdicts"] = {"matched": n_matched, "correct": correct, "accuracy": _ratio(correct, n_matched),
                                  "confusion": confusion, "wrong": wrong}
        out[group] = result
    return out


def check_texts(rows: list[dict], corpus: Path) -> tuple[dict[str, list[dict]], dict]:
    """Each text checked as a whole (``FactChecker.check_text``, what ``check --doc`` runs) against an index of
    ``corpus`` built with the library's defaults into a temporary folder; the claims of each report, and the index."""
    from factcheck import FactChecker

    with tempfile.TemporaryDirectory(prefix="fc-extraction-") as tmp:
        built = FactChecker.build([corpus], Path(tmp) / "index").build_report
        checker = FactChecker.open(Path(tmp) / "index")
        assert checker.index is not None
        index = {"documents": built.documents if built else None, "embedder": checker.index.manifest.get("embedder", {}).get("name")}
        reports = {row["id"]: checker.check_text(text_of(row["sentences"])[0]).to_dict()["claims"] for row in rows}
        checker.index.close()
    return reports, index


def _in(rows: Iterable[dict], group: str) -> list[dict]:
    return [row for row in rows if group == "all" or row["lang"] == group]


def _ratio(a: int, b: int) -> float:
    return round(a / b, 3) if b else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", type=Path, default=SET)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--no-verdicts", action="store_true", help="score the extraction only (no index, no model)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = load(args.set)
    index: dict = {}
    if args.no_verdicts:
        predicted = {row["id"]: [c.to_dict() for c in extract_claims(text_of(row["sentences"])[0]).claims] for row in rows}
    else:
        predicted, index = check_texts(rows, args.corpus)
    result = {
        "texts": len(rows),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "python eval/extraction.py" + (" --no-verdicts" if args.no_verdicts else "") + (f" --out {args.out}" if args.out else ""),
        **sentence_scores(rows, predicted),
        "claims": claim_scores(rows, predicted, verdicts=not args.no_verdicts),
    }
    if index:
        result["index"] = index
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for group in GROUPS:
        r, c = result[group], result["claims"][group]
        line = (f"{group}: sentences precision {r['precision']:.3f}, recall {r['recall']:.3f} (tp {r['tp']}, fp {r['fp']}, fn {r['fn']}); "
                f"claims precision {c['precision']:.3f}, recall {c['recall']:.3f} ({c['matched']} matched of {c['predicted']} predicted, {c['expected']} expected)")
        if "verdicts" in c:
            line += f"; verdicts {c['verdicts']['correct']}/{c['verdicts']['matched']} = {c['verdicts']['accuracy']:.3f}"
        print(line)
    for miss in result["all"]["errors"]:
        print("  sentence " + miss)
    for miss in result["claims"]["all"]["missed"]:
        print("  claim missed: " + miss)
    for extra in result["claims"]["all"]["unmatched"]:
        print("  claim unmatched: " + extra)
    for w in result["claims"]["all"].get("verdicts", {}).get("wrong", []):
        print(f"  verdict {w['verdict']} (expected {w['label']}): {w['checked']}")


if __name__ == "__main__":
    main()
