"""What the command line prints: verdict panels and tables, index manifests, run comparisons, progress bars.

Everything that comes from data (claims, passages, titles, paths, ids, messages) reaches the terminal through
:func:`plain` or :func:`escape_text`: never read as rich markup (a passage holding ``[/oops]`` or ``[bold]`` is
printed as written), and with its control characters shown escaped (``\\x1b``), never sent raw to the terminal.
JSON output is left as it is: JSON escapes control characters itself.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .._types import Progress as ProgressHook
from .._types import Verdict
from ..settings import PROGRESS_SECONDS_ENV

LABEL_STYLE = {"supported": "bold green", "disputed": "bold red", "unverified": "bold yellow"}
STANCE_STYLE = {"entailment": "green", "contradiction": "red", "neutral": "dim"}


#: C0 and C1 control characters (and DEL) but newline and tab, as visible escapes: \x1b, \x07, \r ...
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x09, 0x0A)}


def safe(text: object) -> str:
    """``text`` for a terminal: its control characters (but newline and tab) shown escaped, as ``\\x1b``."""
    return str(text).translate(_CONTROL)


def plain(text: object, style: str = "") -> Text:
    """Data as a rich cell: printed as written (no markup), control characters escaped."""
    return Text(safe(text), style)


def escape_text(text: object) -> str:
    """Data inside a markup string (``console.print(f"[bold]...[/] {escape_text(path)}")``)."""
    return escape(safe(text))


def stderr() -> Console:
    return Console(stderr=True)


def stdout() -> Console:
    return Console()


def new_progress(transient: bool = False) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),  # descriptions are escaped where tasks are added
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr(),
        transient=transient,
    )


#: what a phase of an index build counts, when not its hook's ``unit``.
PHASE_UNITS = {"read": " files", "split": " documents"}
#: with ``lines``, a progress line at most this often (seconds); ``FACTCHECK_PROGRESS_SECONDS`` overrides it.
PROGRESS_SECONDS = 10.0


@contextmanager
def progress_hook(transient: bool = False, unit: str = " passages", lines: bool = False) -> Iterator[ProgressHook]:
    """A progress hook (phase, done, total) for index builds, batch checks and benchmark runs: a bar per phase,
    shown once there is work to show. ``lines``: when standard error is not a terminal (a log, CI, a pipe), where no
    bar can show, a line every ``FACTCHECK_PROGRESS_SECONDS`` (10 s) and at the end of each phase that showed one, so
    a long build shows it is working; a short one prints nothing."""
    if lines and not stderr().is_terminal:
        yield _progress_lines(unit)
        return
    state: dict = {}

    def hook(phase: str, done: int, total: int) -> None:
        if "progress" not in state:
            state["progress"] = new_progress(transient)
            state["progress"].start()
        progress = state["progress"]
        if phase not in state:
            state[phase] = progress.add_task(escape_text(f"{phase}{PHASE_UNITS.get(phase, unit)}"), total=total or 1)
        progress.update(state[phase], completed=done if total else 1)

    try:
        yield hook
    finally:
        if "progress" in state:
            state["progress"].stop()


def _progress_lines(unit: str) -> ProgressHook:
    try:
        every = float(os.environ.get(PROGRESS_SECONDS_ENV) or PROGRESS_SECONDS)
    except ValueError:
        every = PROGRESS_SECONDS
    started = last = time.monotonic()
    shown: set[str] = set()  # the phases that printed a line
    ended: set[str] = set()  # and those that printed their last

    def hook(phase: str, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        finished = done >= total
        if phase in ended or (now - last < every and not (finished and phase in shown)):
            return
        last = now
        share = f" ({100 * done // total}%)" if total else ""
        print(f"factcheck: {phase}{PHASE_UNITS.get(phase, unit)} {done}/{total}{share}, {now - started:.0f} s", file=sys.stderr, flush=True)
        shown.add(phase)
        if finished:
            ended.add(phase)

    return hook


def print_verdict(console: Console, verdict: Verdict) -> None:
    head = Text.assemble(
        (verdict.label.upper(), LABEL_STYLE[verdict.label]), f"  confidence {verdict.confidence:.2f}\n", ("Claim: ", "bold"), safe(verdict.claim)
    )
    console.print(Panel(head, expand=False))
    table = Table(show_lines=False, title="Evidence (decisive passages first)", title_justify="left")
    table.add_column("", width=1)
    table.add_column("stance")
    table.add_column("p", justify="right")
    table.add_column("sim", justify="right")
    table.add_column("passage", ratio=3)
    table.add_column("source", ratio=1)
    for e in verdict.evidence:
        table.add_row(
            "*" if e.decisive else "",
            Text(e.stance, STANCE_STYLE[e.stance]) if e.stance else Text("not judged", "dim italic"),
            "" if e.score is None else f"{e.score:.2f}",
            f"{e.similarity:.2f}",
            plain(e.text),
            plain(f"{e.title} ({e.date})\n{e.source}" if e.date else f"{e.title}\n{e.source}"),
        )
    console.print(table)


def print_text_report(console: Console, report: dict, text: str) -> None:
    """A checked text: the text with each checked sentence coloured by its verdict and numbered, a table of the
    claims (verdict, confidence, the deciding passage), and a summary line. ``report``: ``TextReport.to_dict()``."""
    marked = Text()
    cursor = 0
    for mark in report["marks"]:
        marked.append(safe(text[cursor : mark["start"]]))
        colour = LABEL_STYLE[mark["label"]].removeprefix("bold ")
        marked.append(safe(text[mark["start"] : mark["end"]]), style=f"underline {colour}")
        marked.append(" " + "".join(f"[{n}]" for n in mark["claims"]), style=LABEL_STYLE[mark["label"]])
        cursor = mark["end"]
    marked.append(safe(text[cursor:]))
    console.print(marked)
    table = Table(show_lines=True)
    for name in ("#", "claim", "verdict", "confidence", "deciding passage"):
        table.add_column(name, overflow="fold")
    for claim in report["claims"]:
        top = next((e for e in claim["evidence"] if e.get("decisive")), None)
        table.add_row(
            str(claim["n"]),
            plain(claim["claim"] + (f"\n(\"{claim['resolved']}\" put for a pronoun or description)" if claim["resolved"] else "")),
            Text(claim["label"], LABEL_STYLE[claim["label"]]),
            f"{claim['confidence']:.2f}",
            plain(f"{top['text']} [{top['source'] or top['doc_id']}]" if top else ""),
        )
    console.print(table)
    n = report["summary"]
    console.print(
        f"{_count(len(report['claims']), 'claim')}: [green]{n['supported']} supported[/], [red]{n['disputed']} disputed[/], "
        f"[yellow]{n['unverified']} unverified[/]; {_count(n['not_checked'], 'sentence')} not checked (questions, opinions, headings, no fact)"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def print_summary(console: Console, verdicts: list[dict]) -> None:
    table = Table(title="Verdicts")
    table.add_column("claim", ratio=3)
    table.add_column("label")
    table.add_column("conf.", justify="right")
    table.add_column("decisive evidence", ratio=3)
    for v in verdicts:
        top = next((e for e in v["evidence"] if e["decisive"]), None)
        table.add_row(plain(v["claim"]), Text(v["label"], LABEL_STYLE[v["label"]]), f"{v['confidence']:.2f}", plain(f"{top['text']} [{top['doc_id']}]" if top else ""))
    console.print(table)


def print_manifest(manifest: dict, index_dir: object) -> None:
    emb, counts, corpus = manifest["embedder"], manifest["counts"], manifest["corpus"]
    table = Table(title=plain(f"factcheck index {index_dir}"), show_header=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("documents", str(counts["documents"])),
        ("passages", str(counts["passages"])),
        ("languages", ", ".join(f"{k} {v}" for k, v in corpus.get("languages", {}).items())),
        ("embedder", f"{emb['name']} (dim {emb['dim']}, normalized {emb['normalized']})" + (f", from {emb['package']}" if emb.get("package") else "")),
        ("weights sha256", emb["weights_sha256"] or "(hub model, not on disk)"),
        *[
            (name, f"{manifest[name]['index_type']} ({manifest[name]['metric']})" + "".join(f", {k} {v}" for k, v in (manifest[name].get("params") or {}).items()))
            for name in ("faiss", "milvus")
            if name in manifest
        ],
        (
            "retrieval",
            f"hybrid: dense + lexical (BM25, {manifest['lexical']['library']} {manifest['lexical']['version']})"
            if manifest.get("lexical")
            else "dense only (rebuild with factcheck index for hybrid search)"
            if manifest.get("backend", "faiss") == "faiss"
            else "dense only",
        ),
        ("corpus checksum", corpus["checksum"]),
        ("inputs", "\n".join(corpus["inputs"])),
        ("built", f"{manifest['created']} by factcheck {manifest['factcheck_version']}"),
        ("last build", "embedded {embedded_documents} documents, kept {reused_documents}, removed {removed_documents}".format(**manifest["build"])),
        ("skipped files", "\n".join(f"{s['path']}: {s['reason']}" for s in manifest["skipped"]) or "none"),
    ]
    for key, value in rows:
        table.add_row(key, plain(value))
    stdout().print(table)


def print_comparison(diff: dict) -> None:
    console = stdout()
    a, b = diff["a"], diff["b"]
    if (a["benchmark"], a["mode"]) != (b["benchmark"], b["mode"]):
        console.print(f"[yellow]note:[/] different runs: {escape_text(a['benchmark'])} ({escape_text(a['mode'])}) vs {escape_text(b['benchmark'])} ({escape_text(b['mode'])})")
    table = Table(title=plain(f"A {a['run']}  ->  B {b['run']}"))
    table.add_column("metric")
    table.add_column("A", justify="right")
    table.add_column("B", justify="right")
    table.add_column("B - A", justify="right")
    lower_is_better = ("ece", "p50", "p95", "peak_rss_mib", "scoring_seconds", "skipped_rows")
    for row in diff["metrics"]:
        delta = row["delta"]
        style = "dim"
        if delta:
            better = (delta < 0) if row["metric"].endswith(lower_is_better) else (delta > 0)
            style = "green" if better else "red"
        cells = ["" if v is None else f"{v:.4g}" for v in (row["a"], row["b"])]
        table.add_row(plain(row["metric"]), *cells, Text("" if delta is None else f"{delta:+.4g}", style))
    console.print(table)
    p = diff["predictions"]
    if not p["compared"]:
        console.print("Label flips not compared: a run folder has no predictions.jsonl (the committed runs under eval/results keep metrics only).")
        return
    console.print(
        f"{p['flipped']} of {p['common']} common claims changed label: {p['fixed']} now right, {p['broken']} now wrong, "
        f"{p['flipped'] - p['fixed'] - p['broken']} still wrong; {p['only_a']} claims only in A, {p['only_b']} only in B."
    )
    if p["examples"]:
        flips = Table(title="flipped predictions (first few)")
        for col in ("id", "claim", "gold", "A", "B"):
            flips.add_column(col, ratio=3 if col == "claim" else None)
        for e in p["examples"]:
            flips.add_row(*(plain(x) for x in (e["id"], e["claim"], e["gold"], f"{e['a']} {e['a_confidence']}", f"{e['b']} {e['b_confidence']}")))
        console.print(flips)
