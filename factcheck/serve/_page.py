"""The page at ``/``: a form (one claim, or a whole text) and the result of the last check, rendered here so that
it works as a plain form post with JavaScript off; ``static/page.js`` sends the same form without leaving the page
and swaps in the ``#result`` section of the answer."""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files
from string import Template

from .._html import REPORT_STYLE, checks_html, text_report_body

STATIC = files("factcheck.serve") / "static"


@cache
def _template() -> Template:
    return Template((STATIC / "page.html").read_text(encoding="utf-8"))


def _link(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _passage(e: dict) -> str:
    """One passage: its stance and score, its text, and where it comes from (linked where the corpus gives a URL)."""
    stance = e["stance"] or "unjudged"
    score = f" {e['score']:.2f}" if e["score"] is not None else ""
    title = escape(e.get("title") or e.get("doc_id") or "")
    source = e.get("source") or ""
    if _link(source):
        where = [f'<a href="{escape(source, quote=True)}">{title or escape(source)}</a>']
    else:
        where = [title, escape(source)]
    where.append(escape(e.get("date") or ""))
    return (
        f'<li class="passage{" decisive" if e["decisive"] else ""}"><span class="stance {stance}">{stance}{score}</span>'
        f'{escape(e["text"])}<div class="source">{" · ".join(w for w in where if w)}</div>{checks_html(e)}</li>'
    )


def verdict_html(verdict: dict) -> str:
    """A verdict (``Verdict.to_dict()``): its label, confidence, the passages that decided it, then the others."""
    label = verdict["label"]
    decisive = [e for e in verdict["evidence"] if e["decisive"]]
    others = [e for e in verdict["evidence"] if not e["decisive"]]
    parts = [
        f'<h2 class="verdict {label}" tabindex="-1"><span class="label">{label.upper()}</span> confidence {verdict["confidence"]:.2f}</h2>',
        f'<p class="claim">Claim: {escape(verdict["claim"])}</p>',
    ]
    if verdict["warnings"]:
        parts.append('<ul class="warnings">' + "".join(f"<li>{escape(w)}</li>" for w in verdict["warnings"]) + "</ul>")
    if decisive:
        parts.append(f'<h3>Evidence that decided it</h3><ol class="evidence decisive">{"".join(_passage(e) for e in decisive)}</ol>')
    else:
        parts.append("<p>No passage takes a clear stance on the claim.</p>")
    if others:
        parts.append(
            f"<details><summary>Other passages retrieved ({len(others)})</summary>"
            f'<ol class="evidence">{"".join(_passage(e) for e in others)}</ol></details>'
        )
    return "\n".join(parts)


def report_html(report: dict, text: str) -> str:
    """A checked text (``TextReport.to_dict()``), marked as ``factcheck check --doc --html`` marks it: the same
    sections (the summary, the marked text, the table of claims), so that the two never differ."""
    return f'<h2 tabindex="-1">The text checked</h2>\n{text_report_body(report, text)}'


def page(*, index: str, limits: dict, mode: str = "claim", claim: str = "", text: str = "", result: str = "", error: str = "") -> str:
    """The whole page, with ``result`` (HTML from :func:`verdict_html` or :func:`report_html`) or ``error`` shown."""
    body = f'<p class="error" tabindex="-1">{escape(error)}</p>' if error else result
    return _template().substitute(
        report_style=REPORT_STYLE,
        index=escape(index),
        mode="text" if mode == "text" else "claim",
        claim_checked="" if mode == "text" else " checked",
        text_checked=" checked" if mode == "text" else "",
        claim=escape(claim, quote=True),
        text=escape(text),
        max_claim_chars=limits["max_claim_chars"],
        max_text_chars=limits["max_text_chars"],
        result=f'<section id="result" aria-live="polite">{body}</section>',
    )
