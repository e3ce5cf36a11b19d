"""A checked text as HTML: one self-contained page (`factcheck check --doc FILE --html REPORT`), or its body inside the
page of `factcheck serve`: the text with each checked sentence marked by its verdict and numbered, the table of claims
with the passage that decided each, and the summary. No script, no external file: the page opens anywhere and can be
mailed."""

from __future__ import annotations

from html import escape

#: colours per label (text, background), as the terminal shows them.
_COLOURS = {"supported": ("#14532d", "#dcfce7"), "disputed": ("#7f1d1d", "#fee2e2"), "unverified": ("#713f12", "#fef9c3")}

REPORT_STYLE = """
body { font: 16px/1.55 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 1.4rem; } .summary { margin: 1rem 0; }
.text { white-space: pre-wrap; border: 1px solid #ddd; padding: 1rem; border-radius: 6px; }
mark { border-radius: 3px; padding: 0 2px; } sup a { text-decoration: none; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin-top: 1.5rem; font-size: 0.95rem; }
th, td { border: 1px solid #ddd; padding: 0.4rem 0.5rem; vertical-align: top; text-align: left; }
.label { font-weight: bold; } .source, .checks { color: #555; font-size: 0.85rem; }
""" + "".join(f"\n.{label} {{ color: {fg}; background: {bg}; }}" for label, (fg, bg) in _COLOURS.items())


def _evidence(claim: dict) -> str:
    """The passage that decided a claim, its source, and the checks that fired on it."""
    top = next((e for e in claim["evidence"] if e.get("decisive")), None)
    if top is None:
        return "<td>no passage takes a clear stance</td>"
    source = " · ".join(escape(str(part)) for part in (top.get("title") or top.get("doc_id"), top.get("source"), top.get("date")) if part)
    return f'<td>{escape(top["text"])}<div class="source">{source}</div>{checks_html(top)}</td>'


def checks_html(passage: dict) -> str:
    """The checks that fired on a passage (``Evidence.to_dict()``), as a line under it; "" when none did."""
    fired = [c["text"] for c in passage.get("checks") or [] if c.get("result") != "match"]
    return f'<div class="checks">{escape("; ".join(fired))}</div>' if fired else ""


def text_report_html(report: dict, text: str, title: str = "factcheck report") -> str:
    """The page for ``report`` (``TextReport.to_dict()``) of ``text`` (the text its spans point into)."""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(report.get("lang") or "en")}">\n<head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{REPORT_STYLE}</style></head>\n<body>\n<h1>{escape(title)}</h1>\n{text_report_body(report, text)}</body>\n</html>\n"
    )


def text_report_body(report: dict, text: str) -> str:
    """The sections of the page: the summary, the marked text and the table of claims."""
    marked, cursor = [], 0
    claims = {claim["n"]: claim for claim in report["claims"]}
    for mark in report["marks"]:
        label, numbers = mark["label"], mark["claims"]
        marked.append(escape(text[cursor : mark["start"]]))
        why = "; ".join(f'{n}: {claims[n]["label"]}, confidence {claims[n]["confidence"]:.2f}' for n in numbers)
        marked.append(
            f'<mark class="{label}" id="s{numbers[0]}" title="{why}">{escape(text[mark["start"] : mark["end"]])}</mark>'
            + "".join(f'<sup><a href="#c{n}" class="{claims[n]["label"]}">{n}</a></sup>' for n in numbers)
        )
        cursor = mark["end"]
    marked.append(escape(text[cursor:]))
    rows, first = [], {n: mark["claims"][0] for mark in report["marks"] for n in mark["claims"]}
    for claim in report["claims"]:
        n, label = claim["n"], claim["label"]
        resolved = f'<div class="source">“{escape(claim["resolved"])}” put for a pronoun or description</div>' if claim.get("resolved") else ""
        rows.append(
            f'<tr id="c{n}"><td><a href="#s{first[n]}">{n}</a></td><td>{escape(claim["claim"])}{resolved}</td>'
            f'<td class="label {label}">{label}</td><td>{claim["confidence"]:.2f}</td>{_evidence(claim)}</tr>'
        )
    s = report["summary"]
    summary = (
        f'{len(report["claims"])} claim{"" if len(report["claims"]) == 1 else "s"}: <span class="supported">{s["supported"]} supported</span>, '
        f'<span class="disputed">{s["disputed"]} disputed</span>, <span class="unverified">{s["unverified"]} unverified</span>; '
        f'{s["not_checked"]} sentence{"" if s["not_checked"] == 1 else "s"} not checked (questions, opinions, headings, no fact)'
    )
    return (
        f'<p class="summary">{summary}</p>\n<div class="text">{"".join(marked)}</div>\n'
        "<table><thead><tr><th>#</th><th>claim as checked</th><th>verdict</th><th>confidence</th><th>deciding passage</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody></table>\n"
    )
