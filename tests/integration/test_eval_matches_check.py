"""A benchmark measures what ``factcheck check`` does: for the same claims and index, ``factcheck eval`` and
``factcheck check --json`` (both through the installed console script) give the same label, confidence and
per-passage stances, passage for passage."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write

CLAIMS = [
    ("bid", "Sam Altman offered to buy X for 9.74 billion dollars", "supported"),
    ("funds", "Stargate funds will not be available", "disputed"),  # a negation: judged through its positive form
    ("fr", "Altman a proposé de racheter X pour 9,74 milliards de dollars", "supported"),  # French, cross-lingual
    ("spaced", "  Elon   Musk\tfounded   xAI  ", "supported"),  # whitespace folded the same way on both paths
    ("unrelated", "The Eiffel Tower is painted every seven years", "unverified"),  # passages below the gate
    ("board", "OpenAI's board accepted Musk's offer", "disputed"),
]


def test_eval_and_check_give_the_same_verdicts(tmp_path: Path, demo_index: Path) -> None:
    claims = write(tmp_path / "claims.jsonl", "".join(json.dumps({"id": i, "claim": c, "label": label}) + "\n" for i, c, label in CLAIMS))
    checked = run_cli("check", "--file", str(claims), "--index", str(demo_index), "--json")
    assert checked.returncode == 0, checked.stderr
    by_check = {row["id"]: row for row in map(json.loads, checked.stdout.splitlines())}

    evaluated = run_cli("eval", "--claims", str(claims), "--index", str(demo_index), "--out", str(tmp_path / "run"), "--latency-sample", "0")
    assert evaluated.returncode == 0, evaluated.stderr
    rows = {row["id"]: row for row in map(json.loads, (tmp_path / "run" / "predictions.jsonl").read_text().splitlines())}
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["mode"] == "end-to-end"

    assert set(rows) == set(by_check) == {i for i, _, _ in CLAIMS}
    judged_below_gate = 0
    for claim_id, _, _ in CLAIMS:
        verdict, checked_verdict = rows[claim_id]["verdict"], by_check[claim_id]
        assert rows[claim_id]["predicted"] == verdict["label"] and rows[claim_id]["confidence"] == verdict["confidence"]
        assert (verdict["claim"], verdict["label"], verdict["confidence"]) == (checked_verdict["claim"], checked_verdict["label"], checked_verdict["confidence"])
        assert verdict["evidence"] == checked_verdict["evidence"], claim_id  # text, source, stance, probabilities, decisive, order
        assert verdict["evidence"], claim_id
        judged_below_gate += sum(e["stance"] is None for e in verdict["evidence"])
        # the run also keeps every passage's probabilities (those below the gate too) for refitting the aggregation
        kept = rows[claim_id]["evidence"]
        assert sorted(e["text"] for e in kept) == sorted(e["text"] for e in verdict["evidence"]) and all(len(e["probabilities"]) == 3 for e in kept)
    assert judged_below_gate, "some passages fall below the gate: both paths must show them unjudged"
    assert by_check["spaced"]["claim"] == "Elon Musk founded xAI"
    labels = {i: by_check[i]["label"] for i, _, _ in CLAIMS}
    assert labels["unrelated"] == "unverified"
