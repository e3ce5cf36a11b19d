"""Checking a whole text (`factcheck check --doc`, `FactChecker.check_text`): claims extracted, each checked against
the demo corpus, marked in place; JSON with spans; standard input; bad input refused in one line."""

from __future__ import annotations

import json
import os
from pathlib import Path

from helpers import one_line_error, run_cli, write

from factcheck import FactChecker

TEXT = """---
title: A week of AI deals
---
Elon Musk's consortium offered 97.4 billion dollars to buy OpenAI. Sam Altman offered to buy X for 9.74 billion
dollars in return.

Who will win? I think the fight has only begun. The Stargate project plans to invest 500 billion dollars over four years.
"""


def test_a_text_is_checked_claim_by_claim(demo_index: Path) -> None:
    report = FactChecker.open(demo_index).check_text(TEXT.split("---\n", 2)[2])
    checked = [(c.claim, v.label) for c, v in report.claims]
    assert [label for _, label in checked] == ["supported", "supported", "supported"], checked
    assert report.counts() == {"supported": 3, "disputed": 0, "unverified": 0, "not_checked": 2}


def test_the_console_script_marks_the_text_and_gives_json_with_spans(tmp_path: Path, demo_index: Path) -> None:
    doc = write(tmp_path / "week.md", TEXT)
    shown = run_cli("check", "--doc", str(doc), "--index", str(demo_index))
    assert shown.returncode == 0, shown.stderr
    assert "[1]" in shown.stdout and "[3]" in shown.stdout and "3 claims: 3 supported" in shown.stdout
    out = run_cli("check", "--doc", str(doc), "--index", str(demo_index), "--json")
    report = json.loads(out.stdout)
    text = Path(doc).read_text().split("---\n", 2)[2]  # the front matter is not part of the text
    for claim in report["claims"]:
        assert " ".join(text[claim["start"] : claim["end"]].split()) == claim["sentence"]
        assert claim["label"] and claim["evidence"] and claim["reasons"]
    assert {s["reason"] for s in report["not_checked"]} == {"question", "opinion"}
    piped = run_cli("check", "--doc", "-", "--index", str(demo_index), "--json", input="xAI was founded in 2015 by Elon Musk.\n")
    assert json.loads(piped.stdout)["claims"][0]["label"] == "disputed"


def test_a_missing_doc_is_one_line(tmp_path: Path) -> None:
    one_line_error(run_cli("check", "--doc", str(tmp_path / "nope.md")), "no such file")


def test_the_report_is_written_as_a_self_contained_html_page(tmp_path: Path, demo_index: Path) -> None:
    from html.parser import HTMLParser

    doc = write(tmp_path / "week.md", TEXT.replace("in return.", "in return. <script>alert(1)</script>"))
    page = tmp_path / "report.html"
    shown = run_cli("check", "--doc", str(doc), "--index", str(demo_index), "--html", str(page), "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)

    class Page(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.marks: list[str] = []
            self.rows: list[str] = []
            self.tags: set[str] = set()
            self.links: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            self.tags.add(tag)
            if tag == "mark":
                self.marks.append(a["class"] or "")
            if tag == "tr" and (a.get("id") or "").startswith("c"):
                self.rows.append(a["id"] or "")
            if tag in ("link", "img", "script") or (tag == "a" and not (a.get("href") or "").startswith("#")):
                self.links.append(tag)

    parsed = Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    assert parsed.marks == [c["label"] for c in report["claims"]]  # each checked sentence marked with its verdict
    assert parsed.rows == [f"c{c['n']}" for c in report["claims"]]  # and a row in the table
    assert parsed.links == []  # self-contained: nothing loaded, the text's <script> shown as text
    assert "&lt;script&gt;" in page.read_text(encoding="utf-8")
    one_line_error(run_cli("check", "--doc", str(doc), "--index", str(demo_index), "--html", str(tmp_path)), "is a directory")


def test_a_sentence_split_into_two_claims_is_marked_once_with_both_numbers(tmp_path: Path, demo_index: Path) -> None:
    from html.parser import HTMLParser

    sentence = "Elon Musk founded xAI in 2023 and sued OpenAI in 2024."
    doc = write(tmp_path / "two.md", f"Sam Altman leads OpenAI since 2019. {sentence}\n")
    page = tmp_path / "two.html"
    out = run_cli("check", "--doc", str(doc), "--index", str(demo_index), "--json", "--html", str(page))
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [c["claim"] for c in report["claims"]][1:] == ["Elon Musk founded xAI in 2023.", "Elon Musk sued OpenAI in 2024."]
    assert [m["claims"] for m in report["marks"]] == [[1], [2, 3]]
    labels = {c["n"]: c["label"] for c in report["claims"]}
    order = ("disputed", "unverified", "supported")
    assert report["marks"][1]["label"] == min(labels[2], labels[3], key=order.index)  # a disputed fact marks its sentence

    class Page(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.marked: list[str] = []
            self.inside = False
            self.sups = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.inside = tag == "mark"
            self.sups += tag == "sup"

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.marked.append(data)
                self.inside = False

    parsed = Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    assert parsed.marked[1] == sentence and parsed.marked.count(sentence) == 1 and parsed.sups == 3
    shown = run_cli("check", "--doc", str(doc), "--index", str(demo_index), env=os.environ | {"COLUMNS": "300"})
    assert f"{sentence} [2][3]" in shown.stdout  # the sentence marked once, with both claims' numbers
