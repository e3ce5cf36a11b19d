"""The ``factcheck`` command line: argument parsing over the library; what it prints is in :mod:`._render`."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import sys
import warnings
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import click

from .._html import text_report_html
from ..embed import create_embedder
from ..errors import FactcheckError
from ..evaluation import BENCHMARKS, ORACLE_ONLY, RunConfig, benchmark_index, compare_runs, load_benchmark, run_benchmark, sample, user_benchmark
from ..extract import EXTRACTORS, make_extractor
from ..index import RETRIEVAL_MODES, FaissIndex, IndexConfig, SearchFilter, build_index, open_index, resolve_backend
from ..ingest import parse_jsonl, read_documents
from ..integrations.ray import CheckerSpec, check_on_ray
from ..labels import LABELS
from ..pipeline import FactChecker
from ..settings import __version__, cache_dir
from ..training import (
    RecipeConfig,
    TrainConfig,
    checkpoint_to_resume,
    dev_sets,
    load_pairs,
    summarize,
    summarize_synthetic,
    synthetic_training_pairs,
    train_verifier,
    training_pairs,
    write_jsonl,
)
from ..verify import load_verifier
from ._render import escape_text, print_comparison, print_manifest, print_summary, print_text_report, print_verdict, progress_hook, safe, stderr, stdout


def _os_error(exc: OSError) -> str:
    text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    if exc.filename and str(exc.filename).startswith(str(cache_dir())):
        text += " (in factcheck's cache directory: set FACTCHECK_CACHE_DIR to a folder you can write)"
    return text


class _Group(click.Group):
    """Every user error ends as one line on stderr and exit code 2, with no traceback."""

    def main(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            rc = super().main(*args, **kwargs)  # type: ignore[call-overload]
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("factcheck: interrupted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            where = f"{ctx.command_path}: " if ctx is not None else "factcheck: "
            hint = f" (see {ctx.command_path} --help)" if isinstance(exc, click.UsageError) and ctx is not None else ""
            click.echo(f"{where}error: {safe(exc.format_message())}{hint}", err=True)
            sys.exit(2)
        except FactcheckError as exc:
            click.echo(f"factcheck: error: {safe(exc)}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("factcheck: interrupted (an index being built is left as it was before)", err=True)
            sys.exit(130)
        except OSError as exc:  # the machine's, not the input's: a full disk, a folder that cannot be written
            click.echo(f"factcheck: error: {safe(_os_error(exc))}", err=True)
            sys.exit(2)
        sys.exit(rc if isinstance(rc, int) else 0)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple:
        # `factcheck eval compare RUN_A RUN_B`: `eval` takes a BENCHMARK argument, so its one subcommand is
        # dispatched here rather than by making `eval` a group (which could not take that argument).
        if args[:2] == ["eval", "compare"]:
            return "eval compare", eval_compare, args[2:]
        return super().resolve_command(ctx, args)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="factcheck")
def main() -> None:
    """Check claims against your own documents, offline.

    \b
    factcheck index ./my-docs --index ./my-index
    factcheck check "Stargate funds will not be available" --index ./my-index
    factcheck check "..."            (no --index: the bundled demo corpus)
    """


# ---------------------------------------------------------------- index


def _retrieval_option(fn):  # type: ignore[no-untyped-def]
    return click.option(
        "--retrieval",
        type=click.Choice(["auto", *RETRIEVAL_MODES]),
        default="auto",
        show_default=True,
        help="dense (embeddings), lexical (BM25) or hybrid (both, fused; the last two need an index built with its lexical half); auto: dense, for now.",
    )(fn)


def _backend_options(fn):  # type: ignore[no-untyped-def]
    """--backend and --uri: where the index lives (a FAISS directory, or a Milvus server / milvus-lite file)."""
    fn = click.option(
        "--uri", default=None, metavar="URI", help="Milvus server or cluster (http://HOST:19530) or a milvus-lite file (PATH.db); implies --backend milvus."
    )(fn)
    return click.option(
        "--backend", type=click.Choice(["faiss", "milvus"]), default=None, help="Index backend [default: faiss, or milvus with --uri]; with milvus, --index is the index name."
    )(fn)


def _backend(backend: str | None, uri: str | None) -> str:
    backend = resolve_backend(backend, uri)
    if backend == "milvus" and not uri:
        raise click.UsageError("--backend milvus needs --uri http://HOST:19530 (or a milvus-lite file PATH.db)")
    if backend == "faiss" and uri:
        raise click.UsageError("--uri is for the milvus backend: drop it, or use --backend milvus")
    return backend


def _index_location(index_dir: Path | None, backend: str) -> str | None:
    """A FAISS directory as an absolute path (Ray workers run elsewhere); a Milvus index name as given."""
    if index_dir is None:
        return None
    return str(index_dir) if backend == "milvus" else str(index_dir.resolve())


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index directory (FAISS) or index name (Milvus) to create or update.")
@_backend_options
@click.option(
    "--milvus-index",
    type=click.Choice(["auto", "FLAT", "HNSW", "IVF_FLAT", "IVF_SQ8", "IVF_PQ"], case_sensitive=False),
    default="auto",
    show_default=True,
    help="Milvus index type (auto: FLAT up to 500k passages, HNSW up to 20M, IVF_SQ8 beyond).",
)
@click.option(
    "--embedder",
    default=None,
    help="use-multilingual, multilingual-e5-small, or a sentence-transformers model name or path "
    "[default: the index's own; for a new one all-MiniLM-L6-v2, or use-multilingual when most of the text is not English].",
)
@click.option(
    "--retrieval",
    type=click.Choice(["hybrid", "dense"]),
    default=None,
    help="hybrid: also build a lexical (BM25) index beside the vectors, for check --retrieval hybrid or lexical [default; Milvus: dense only].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
def index(
    paths: tuple[Path, ...], index_dir: Path, backend: str | None, uri: str | None, milvus_index: str, embedder: str | None, retrieval: str | None, as_json: bool
) -> None:
    """Index documents (.txt .md .html .jsonl .csv .pdf) for checking; re-embeds only what changed."""
    backend_name = _backend(backend, uri)
    if backend_name == "milvus" and retrieval == "hybrid":
        raise FactcheckError("--retrieval hybrid: Milvus indexes are dense only (the Milvus server has no full-text search here): drop --retrieval, or build a FAISS index")
    mode = retrieval or ("dense" if backend_name == "milvus" else "hybrid")
    config = IndexConfig(backend=backend_name, uri=uri, milvus_index=milvus_index, retrieval=mode)
    emb = create_embedder(embedder) if embedder else None
    with progress_hook(lines=True) as hook:
        report = build_index(list(paths), str(index_dir) if config.backend == "milvus" else index_dir, emb, config, progress=hook)
    if as_json:
        click.echo(json.dumps(report.__dict__, ensure_ascii=False))
        return
    console = stderr()
    console.print(
        f"[bold]Indexed[/] {report.documents} documents, {report.passages} passages into {escape_text(index_dir)} "
        f"in {report.seconds:.1f}s: embedded {report.embedded_documents} new or changed documents "
        f"({report.embedded_passages} passages), kept {report.reused_documents}, removed {report.removed_documents}."
    )
    for path, reason in report.skipped:
        console.print(f"[yellow]skipped[/] {escape_text(path)}: {escape_text(reason)}", highlight=False)


# ---------------------------------------------------------------- check


_SURROGATE = re.compile("[\udc80-\udcff]")
#: claims checked between two writes of --out: what an interrupt can lose
CHUNK = 32


def _not_utf8(text: str) -> str | None:
    """Why ``text`` (decoded with surrogateescape) is not UTF-8, or None when it is."""
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return f"not UTF-8 text (byte 0x{ord(found.group()) - 0xDC00:02x}): convert the file with iconv -t UTF-8"


def _claim_utf8(claim: str) -> str:
    """The CLAIM argument, refused when it is not UTF-8 (Python hands undecodable bytes over as surrogates)."""
    found = _SURROGATE.search(claim)
    if found is not None:
        raise FactcheckError(
            f"the claim is not UTF-8 text (byte 0x{ord(found.group()) - 0xDC00:02x} at character {found.start() + 1}): "
            "set your terminal to UTF-8, or put the claim in a UTF-8 file and use --file"
        )
    return claim


def _read_claims(file: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """The claims of --file as (line number, row), and for each line that cannot be checked a message
    ``FILE:LINE: why``: a bad line is skipped, the others are checked (as factcheck eval skips bad rows)."""
    if not file.is_file():
        raise FactcheckError(f"claims file not found: {file}")
    # surrogateescape: a line that is not UTF-8 is one bad line, not a bad file
    text = file.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    rows: list[tuple[int, dict]] = []
    bad: list[str] = []
    suffix = file.suffix.lower()
    if suffix in {".jsonl", ".json"}:
        for lineno, line in enumerate(text.split("\n"), 1):  # lines as an editor counts them (no split at U+2028)
            if not line.strip():
                continue
            why = _not_utf8(line)
            if why is None:
                try:
                    ((_, row),) = parse_jsonl(line)
                except ValueError as exc:
                    why = f"{str(exc).partition(': ')[2]} (one JSON object per line, with a \"claim\" field)"
                else:
                    claim = row.get("claim")
                    if not isinstance(claim, str) or not claim.strip():
                        why = 'no "claim" text in this row (one JSON object per line, with a "claim" field)'
            if why is None:
                rows.append((lineno, row))
            else:
                bad.append(f"{file}:{lineno}: {why}")
    elif suffix in {".csv", ".tsv"}:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if suffix == ".tsv" else ",")
        if "claim" not in (reader.fieldnames or []):
            raise FactcheckError(f"{file}: no \"claim\" column in its header ({', '.join(reader.fieldnames or []) or 'empty'}): name the claims' column claim")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                bad.append(f"{file}:{reader.line_num}: unparseable CSV ({exc})")
                continue
            fields = {k: v for k, v in row.items() if k is not None}
            claim = fields.get("claim")
            why = next(filter(None, (_not_utf8(v) for v in fields.values() if isinstance(v, str))), None)
            if why is None and (not claim or not claim.strip()):
                why = "no claim text in this row"
            if why is None:
                rows.append((reader.line_num, fields))
            else:
                bad.append(f"{file}:{reader.line_num}: {why}")
    else:
        for lineno, line in enumerate(text.split("\n"), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            why = _not_utf8(line)
            if why is None:
                rows.append((lineno, {"claim": line.strip()}))
            else:
                bad.append(f"{file}:{lineno}: {why}")
    if not rows and not bad:
        raise FactcheckError(f"{file} holds no claim: one claim per line (.txt), {{\"claim\": ...}} per line (.jsonl) or a claim column (.csv, .tsv)")
    return rows, bad


def _write_html(path: Path, page: str) -> None:
    """Write a page whole or not at all (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FactcheckError(f"--html {path}: cannot write it ({exc.strerror or exc}): give a writable file name") from None


def _read_doc(doc: Path) -> str:
    """The text of --doc: standard input for -, else the file read as factcheck index reads it (front matter and
    HTML markup left out)."""
    if str(doc) == "-":
        return sys.stdin.read()
    if not doc.is_file():
        raise FactcheckError(f"--doc {doc}: no such file (give a .txt, .md or .html file, or - for standard input)")
    report = read_documents([doc])
    if not report.documents:
        why = report.skipped[0][1] if report.skipped else "unreadable"
        raise FactcheckError(f"--doc {doc}: {why} (give a .txt, .md or .html file, or - for standard input)")
    return report.documents[0].text


def _open_checker(spec: CheckerSpec) -> FactChecker:
    if spec.index is None:
        if spec.embedder:
            raise FactcheckError("--embedder needs --index (the demo index is built with the default embedder)")
        with progress_hook(transient=True) as hook:
            FactChecker.demo(verifier=spec.verifier, progress=hook, backend=spec.backend, uri=spec.uri)
    return spec.open()


def _filter(sources: tuple[str, ...], languages: tuple[str, ...], since: str | None, until: str | None) -> SearchFilter | None:
    where = SearchFilter(sources=tuple(sources), languages=tuple(languages), since=since, until=until)
    return where or None


@main.command()
@click.argument("claim", required=False)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index directory [default: the bundled demo corpus].")
@click.option(
    "--file",
    "claims_file",
    type=click.Path(path_type=Path),
    help="Check every claim of a .txt (one per line), .jsonl ({\"claim\": ...} per line) or .csv/.tsv (a claim column) file. "
    "A line that holds no claim is skipped with a message (FILE:LINE: why); exit code 0 when any claim was checked, 2 when none could be.",
)
@click.option("--doc", "doc", type=click.Path(path_type=Path, allow_dash=True), help="Check a whole text (.txt, .md, .html; - for standard input): its check-worthy sentences, each checked and marked in place.")
@click.option("--out", type=click.Path(path_type=Path), help="Write verdicts as JSONL to this file (with --file), each as soon as it is done.")
@click.option("--resume", is_flag=True, help="With --file and --out: keep the verdicts --out already holds (from an interrupted run of the same --file) and check only the claims after them.")
@click.option("--html", "html_out", type=click.Path(path_type=Path), help="With --doc: also write the report as a self-contained HTML page to this file.")
@click.option("--extractor", type=click.Choice(EXTRACTORS), default="rules", show_default=True, help="With --doc: how claims are found: offline rules, or a chat model you run behind an OpenAI-compatible endpoint.")
@click.option("--base-url", default=None, metavar="URL", help="With --extractor openai: the endpoint, e.g. http://localhost:11434/v1 (Ollama).")
@click.option("--model", "extractor_model", default=None, metavar="NAME", help="With --extractor openai: the model to ask (API key, if needed: FACTCHECK_EXTRACTOR_API_KEY).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--top-k", type=click.IntRange(1, 100), default=None, help="Passages retrieved per claim.")
@click.option("--verifier", default=None, help="CrossEncoder NLI model name or path [default: the shipped verifier].")
@click.option("--judge-all", is_flag=True, help="Also judge passages below the similarity gate (slower; they never change the label).")
@_retrieval_option
@click.option("--embedder", default=None, help="Must match the embedder the index was built with.")
@_backend_options
@click.option("--source", "sources", multiple=True, help="Only evidence from this source (repeatable).")
@click.option("--lang", "languages", multiple=True, help="Only evidence in this language, e.g. en (repeatable).")
@click.option("--since", default=None, metavar="DATE", help="Only evidence dated on or after DATE (ISO, e.g. 2025-02-01).")
@click.option("--until", default=None, metavar="DATE", help="Only evidence dated on or before DATE.")
@click.option("--ray", "use_ray", is_flag=True, help="With --file: check the claims on Ray workers (a local cluster, or --ray-address).")
@click.option("--ray-address", default=None, metavar="ADDR", help="Ray cluster to run on (e.g. ray://head:10001 or auto); implies --ray.")
@click.option("--ray-workers", type=click.IntRange(1), default=None, help="Ray workers, each loading the models once [default: one per CPU].")
def check(
    claim: str | None,
    index_dir: Path | None,
    claims_file: Path | None,
    doc: Path | None,
    out: Path | None,
    resume: bool,
    html_out: Path | None,
    extractor: str,
    base_url: str | None,
    extractor_model: str | None,
    as_json: bool,
    top_k: int | None,
    verifier: str | None,
    judge_all: bool,
    retrieval: str,
    embedder: str | None,
    backend: str | None,
    uri: str | None,
    sources: tuple[str, ...],
    languages: tuple[str, ...],
    since: str | None,
    until: str | None,
    use_ray: bool,
    ray_address: str | None,
    ray_workers: int | None,
) -> None:
    """Check a CLAIM (or every claim of --file, or a whole text with --doc) and print the verdicts with the deciding evidence."""
    if sum(x is not None for x in (claim, claims_file, doc)) > 1:
        raise click.UsageError("give one of a CLAIM, --file or --doc")
    if claim is None and claims_file is None and doc is None:
        raise click.UsageError("give a CLAIM to check, --file with one claim per line, or --doc with a whole text")
    if out is not None and claims_file is None:
        raise click.UsageError("--out needs --file")
    if resume and out is None:
        raise click.UsageError("--resume needs --file and --out (the file an interrupted run was writing)")
    if html_out is not None and doc is None:
        raise click.UsageError("--html writes the report of a --doc")
    if doc is None and (extractor != "rules" or base_url or extractor_model):
        raise click.UsageError("--extractor, --base-url and --model choose how claims are found in a --doc")
    if html_out is not None and html_out.is_dir():
        raise FactcheckError(f"--html {html_out} is a directory: give a file name, such as report.html")
    if claim is not None and not claim.strip():
        raise FactcheckError("empty claim: give the text of the claim to check")
    if claim is not None:
        _claim_utf8(claim)
    use_ray = use_ray or ray_address is not None or ray_workers is not None
    if use_ray and claims_file is None:
        raise click.UsageError("--ray checks a --file of claims")
    backend = _backend(backend, uri)
    if out is not None and out.exists() and out.is_dir():
        raise FactcheckError(f"--out {out} is a directory: give a file name")
    rows: list[tuple[int, dict]] | None = None
    done = 0
    if claims_file is not None:
        rows, bad = _read_claims(claims_file)
        for message in bad:
            click.echo(f"factcheck: skipped {safe(message)}", err=True)
        if not rows:
            raise FactcheckError(f"{claims_file}: no line holds a claim that can be checked ({len(bad)} skipped, see above): fix them and run again")
        if resume and out is not None:
            done = _verdicts_done(out, rows, claims_file)
            if done:
                click.echo(f"factcheck: resuming: {out} holds the verdicts of the first {done} of {len(rows)} claims", err=True)
    spec = CheckerSpec(
        index=_index_location(index_dir, backend), backend=backend, uri=uri, embedder=embedder, verifier=verifier, top_k=top_k,
        judge_below_gate=judge_all, where=_filter(sources, languages, since, until), retrieval=retrieval,
    )
    if use_ray:
        assert rows is not None and claims_file is not None
        if index_dir is None and spec.embedder:
            raise FactcheckError("--embedder needs --index (the demo index is built with the default embedder)")
        if index_dir is None:
            _open_checker(spec)  # the demo index is built once, here, before the workers open it
        else:
            assert spec.index is not None
            open_index(spec.index, backend, uri).close()  # a missing or broken index: one error here, not one per worker
        with _Verdicts(rows, done, out, as_json) as sink:
            dicts = _check_file_on_ray(spec, rows[done:], ray_address, ray_workers)
            for message in dict.fromkeys(w for d in dicts for w in d["warnings"]):
                click.echo(f"factcheck: warning: {safe(message)}", err=True)
            sink.add(dicts)
        return
    if doc is not None:
        if use_ray or out is not None:
            raise click.UsageError("--doc prints its report (add --json for JSON): --ray and --out are for --file")
        text = _read_doc(doc)
        finder = make_extractor(extractor, base_url=base_url, model=extractor_model)
        checker = _open_checker(spec)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with progress_hook(transient=True, unit="") as hook:
                report = checker.check_text(text, progress=hook, extractor=finder).to_dict()
        for message in {str(w.message) for w in caught}:
            click.echo(f"factcheck: warning: {safe(message)}", err=True)
        if html_out is not None:
            _write_html(html_out, text_report_html(report, text, title=f"factcheck: {doc.name if str(doc) != '-' else 'standard input'}"))
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False))
        else:
            print_text_report(stdout(), report, text)
        if html_out is not None:
            click.echo(f"factcheck: wrote {html_out}", err=True)
        return
    checker = _open_checker(spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if rows is None or claims_file is None:
            assert claim is not None
            verdict = checker.check(claim)
            for w in caught:
                click.echo(f"factcheck: warning: {safe(w.message)}", err=True)
            if as_json:
                click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
            else:
                print_verdict(stdout(), verdict)
            return
        with _Verdicts(rows, done, out, as_json) as sink:
            _check_file(checker, rows, done, sink)
    for message in {str(w.message) for w in caught}:
        click.echo(f"factcheck: warning: {safe(message)}", err=True)


def _extra(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in {"claim", "label", "confidence", "evidence", "warnings"}}


def _same_claim(given: str, checked: object) -> bool:
    """Whether a verdict's claim is this claim: the checker keeps the claim with its spaces collapsed, and only
    its first tokens when it is too long."""
    given = " ".join(given.split())
    return isinstance(checked, str) and bool(checked) and (checked == given or given.startswith(checked))


def _verdicts_done(out: Path, rows: list[tuple[int, dict]], file: Path) -> int:
    """--resume: how many of ``rows`` --out already holds verdicts for. They are its complete lines, in the
    order of the claims; a last line cut short (a killed run) is removed, to be checked again. An --out that is
    not such a file is refused, never appended to."""
    if not out.exists():
        return 0
    data = out.read_bytes()
    end = data.rfind(b"\n") + 1
    lines = data[:end].decode("utf-8", errors="replace").split("\n")[:-1]
    fresh = "give another --out, or drop --resume to check every claim afresh"
    if len(lines) > len(rows):
        raise FactcheckError(f"--resume: {out} holds {len(lines)} verdicts, more than the {len(rows)} claims of {file}: {fresh}")
    for i, line in enumerate(lines):
        try:
            verdict = json.loads(line)
        except ValueError:
            raise FactcheckError(f"--resume: {out}:{i + 1} is not a verdict (not JSON): {fresh}") from None
        lineno, row = rows[i]
        if not isinstance(verdict, dict) or not _same_claim(row["claim"], verdict.get("claim")):
            raise FactcheckError(f"--resume: {out}:{i + 1} is not the verdict of {file}:{lineno} (another claim): give the --file that run checked, or {fresh}")
    if end < len(data):
        with out.open("r+b") as f:
            f.truncate(end)
    return len(lines)


class _Verdicts:
    """Where the verdicts of --file go, each as soon as it is done: a line of --out (written whole and flushed),
    a line of JSON on stdout, or a row of the table printed at the end. On Ctrl-C: what is done stays (a line
    cut short is removed), and one line says how many verdicts were kept and how to go on (--resume)."""

    def __init__(self, rows: list[tuple[int, dict]], done: int, out: Path | None, as_json: bool) -> None:
        self.rows, self.done, self.out, self.as_json = rows, done, out, as_json
        self.new: list[dict] = []
        self.stream: BinaryIO | None = None  # opened with the first verdict: a run that fails before leaves --out as it was

    def __enter__(self) -> _Verdicts:
        return self

    def add(self, verdicts: list[dict]) -> None:
        for verdict in verdicts:
            _, row = self.rows[self.done + len(self.new)]
            line = json.dumps({**_extra(row), **verdict}, ensure_ascii=False)
            if self.out is not None and self.stream is None:
                self.out.parent.mkdir(parents=True, exist_ok=True)
                self.stream = self.out.open("ab" if self.done else "wb")
            if self.stream is not None:
                self.stream.write(line.encode("utf-8") + b"\n")
                self.stream.flush()
            elif self.as_json:
                click.echo(line)
            self.new.append(verdict)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if self.stream is not None:
            self.stream.close()
            _cut_partial_line(self.out)  # type: ignore[arg-type]
        kept = self.done + len(self.new)
        if kind is None:
            if self.out is not None:
                counts = {label: sum(v["label"] == label for v in self.new) for label in LABELS}
                before = f" (after the {self.done} it held)" if self.done else ""
                stderr().print(f"Wrote {len(self.new)} verdicts to {escape_text(self.out)}{before}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
            elif not self.as_json:
                print_summary(stdout(), self.new)
            return
        if not issubclass(kind, KeyboardInterrupt):
            return
        left = len(self.rows) - kept
        if self.out is not None and not kept:
            how = f"no verdict written yet ({self.out} left as it was)"
        elif self.out is not None:
            how = f"{kept} of {len(self.rows)} verdicts are in {self.out}; to check the other {left}, run the same command with --resume"
        else:
            if not self.as_json:
                print_summary(stdout(), self.new)
            how = f"{kept} of {len(self.rows)} verdicts printed, {left} not checked (with --out FILE, --resume carries on where a run stopped)"
        click.echo(f"factcheck: interrupted: {safe(how)}", err=True)
        raise click.exceptions.Exit(130)


def _cut_partial_line(path: Path) -> None:
    """Remove a last line without its newline (a write cut short), so the file holds whole lines only."""
    with path.open("r+b") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size == 0:
            return
        f.seek(max(0, size - (1 << 20)))
        tail = f.read()
        if tail.endswith(b"\n"):
            return
        cut = tail.rfind(b"\n")
        if cut < 0 and size > len(tail):
            return  # a last line over 1 MiB: left for --resume to cut
        f.truncate(size - len(tail) + cut + 1)


def _check_file(checker: FactChecker, rows: list[tuple[int, dict]], done: int, sink: _Verdicts) -> None:
    """Check the claims after the first ``done``, CHUNK at a time, each chunk's verdicts written as it ends."""
    with progress_hook(unit="") as hook:
        for start in range(done, len(rows), CHUNK):
            chunk = [row["claim"] for _, row in rows[start : start + CHUNK]]

            def offset(phase: str, n: int, total: int, start: int = start) -> None:
                hook(phase, start + n, len(rows))

            sink.add([v.to_dict() for v in checker.check_many(chunk, batch_size=CHUNK, progress=offset)])


def _check_file_on_ray(spec: CheckerSpec, rows: list[tuple[int, dict]], address: str | None, workers: int | None) -> list[dict]:
    claims = [r["claim"] for _, r in rows]
    for i, c in enumerate(claims, 1):
        if not c.strip():
            raise FactcheckError(f"claim {i} is empty: give the text of the claim to check")
    with progress_hook(unit="") as hook:
        return check_on_ray(claims, spec, address=address, workers=workers, batch_size=32, progress=hook)


# ---------------------------------------------------------------- info


@main.command()
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index directory (FAISS) or index name (Milvus).")
@_backend_options
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.option("--verify", is_flag=True, help="Also read every file of a FAISS index and compare it with the checksum its manifest records (every open compares sizes only).")
def info(index_dir: Path, backend: str | None, uri: str | None, as_json: bool, verify: bool) -> None:
    """Show what an index holds and how it was built."""
    index = open_index(index_dir, _backend(backend, uri), uri)
    verified = None
    if verify:
        if not isinstance(index, FaissIndex):
            raise FactcheckError("--verify checks the files of a FAISS index directory: Milvus keeps no such files; drop --verify")
        verified = index.verify()
    manifest = index.manifest
    if as_json:
        click.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
    else:
        print_manifest(manifest, index_dir)
    if verified is not None:
        click.echo(f"verified: all {verified} files of {index.generation} match the checksums in its manifest", err=as_json)


# ---------------------------------------------------------------- serve


@main.command()
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index directory (FAISS) or index name (Milvus) [default: the bundled demo corpus].")
@_backend_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; any but a loopback address needs --token.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--token", default=None, envvar="FACTCHECK_TOKEN", show_envvar=True, help="Bearer token every route but /healthz requires (Authorization: Bearer TOKEN).")
@click.option("--verifier", default=None, help="CrossEncoder NLI model name or path [default: the shipped verifier].")
@click.option("--embedder", default=None, help="Must match the embedder the index was built with.")
@_retrieval_option
def serve(index_dir: Path | None, backend: str | None, uri: str | None, host: str, port: int, token: str | None, verifier: str | None, embedder: str | None, retrieval: str) -> None:
    """Serve checking over HTTP: a JSON API (POST /check, POST /check-document, GET /info; docs at /docs) and a page at /.

    The models are loaded once; claims of requests that arrive together are checked in one batch.
    """
    try:
        import uvicorn

        from ..serve import ServeConfig, allowed_hosts, check_port, create_app, loopback
    except ImportError as exc:
        raise FactcheckError(f"factcheck serve needs FastAPI and uvicorn ({exc.name} is missing): pip install 'factcheck[serve]'") from None
    if not loopback(host) and not token:
        raise click.UsageError(f"--host {host} is not a loopback address: anyone who can reach it could use the server, so give --token TOKEN (or FACTCHECK_TOKEN)")
    if token is not None and not token.strip():
        raise click.UsageError("--token is empty: give a secret, e.g. --token $(python3 -c 'import secrets; print(secrets.token_urlsafe())')")
    check_port(host, port)  # a port already taken: one line now, before the models load
    backend_name = _backend(backend, uri)
    spec = CheckerSpec(index=_index_location(index_dir, backend_name), backend=backend_name, uri=uri, embedder=embedder, verifier=verifier, retrieval=retrieval)
    checker = _open_checker(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the first check loads what opening does not (the verifier's session, the lexical index): judged below the
        # gate too, so that the verifier runs whatever the index holds
        checker.with_config(judge_below_gate=True).check_many(["warm-up"])
    config = ServeConfig(token=token, index_name=str(index_dir) if index_dir is not None else "the bundled demo corpus", allowed_hosts=allowed_hosts(host))
    app = create_app(checker, config)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"factcheck: serving http://{shown}:{port}/ (API docs: /docs); Ctrl+C stops it", err=True)
    uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning", access_log=False)


# ---------------------------------------------------------------- training the verifier


@main.command("recipes")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("../shared/data"), show_default=True, help="Public fact-checking sets, laid out as shared/data.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="Folder for train.jsonl and the dev sets.")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--no-retrieval", is_flag=True, help="Skip the hard negatives the embedder retrieves (faster).")
@click.option("--symmetric-negation", is_flag=True, help="Also negate contradicted claims (-> entailment) and neutral pairs (-> neutral), so that a negated claim is no cue for contradiction.")
@click.option("--synthetic", type=click.IntRange(0), default=0, show_default=True, help="Also add N synthetic pairs made by editing the sets' sentences (English and French; needs the train extra: spaCy).")
def recipes_cmd(data_dir: Path, out: Path, seed: int, no_retrieval: bool, symmetric_negation: bool, synthetic: int) -> None:
    """Build the verifier's training and dev pairs from SciFact, Climate-FEVER, FEVER-Lite and COVID-Fact."""
    if not data_dir.is_dir():
        raise FactcheckError(f"--data-dir {data_dir} does not exist: point it at the folder holding scifact/, fever/, ...")
    config = RecipeConfig(seed=seed, symmetric_negation=symmetric_negation)
    embedder = None if no_retrieval else create_embedder()
    pairs = training_pairs(data_dir, config, embedder)
    report: dict = {}
    if synthetic:
        made = synthetic_training_pairs(data_dir, synthetic, seed)
        pairs = pairs + made
        random.Random(seed).shuffle(pairs)
        report["synthetic"] = {"pairs": len(made), "by_transform": summarize_synthetic(made)}
    write_jsonl(pairs, out / "train.jsonl")
    for name, rows in dev_sets(data_dir, config, embedder).items():
        write_jsonl(rows, out / f"{name}.jsonl")
    click.echo(json.dumps({"train": len(pairs), "by_source": summarize(pairs), **report}, indent=2))


@main.command()
@click.option("--train", "train_data", required=True, help="Training rows (evidence, claim, label): a .jsonl/.json/.csv/.tsv file or a hub dataset name.")
@click.option("--dev", "dev_data", default=None, help="Dev rows in the same format, evaluated every epoch (the best epoch is kept).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the trained CrossEncoder.")
@click.option("--base-model", default=None, help="Model to start from [default: all-MiniLM-L6-v2].")
@click.option("--epochs", type=click.IntRange(1, 100), default=TrainConfig.epochs, show_default=True)
@click.option("--lr", type=float, default=TrainConfig.learning_rate, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, 4096), default=TrainConfig.batch_size, show_default=True)
@click.option("--max-length", type=click.IntRange(16, 4096), default=256, show_default=True)
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--claim-only", is_flag=True, help="Train the claim-only baseline (evidence blanked).")
@click.option("--group-by-length", is_flag=True, help="Batches of similar token length: much less padding, so much faster on a CPU (the shipped verifier was trained without).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its last epoch checkpoint in OUT/checkpoints (same data and options).")
def train(train_data: str, dev_data: str | None, out: Path, base_model: str | None, epochs: int, lr: float, batch_size: int, max_length: int, seed: int, claim_only: bool, group_by_length: bool, resume: bool) -> None:
    """Fine-tune a 3-label NLI CrossEncoder (entailment / neutral / contradiction) as a verifier."""
    config = TrainConfig(epochs=epochs, learning_rate=lr, batch_size=batch_size, max_length=max_length, seed=seed, claim_only=claim_only, group_by_length=group_by_length)
    if base_model:
        config = TrainConfig(**{**config.__dict__, "base_model": base_model})
    checkpoint_to_resume(out, config, resume)  # before loading any data: a refused folder costs nothing
    result = train_verifier(load_pairs(train_data), out, load_pairs(dev_data, split="dev") if dev_data else None, config, resume=resume)
    click.echo(json.dumps(result.__dict__, indent=2))


# ---------------------------------------------------------------- evaluation

@main.command("eval", epilog="Compare two run folders: factcheck eval compare RUN_A RUN_B [--json]")
@click.argument("benchmark", required=False, type=click.Choice(BENCHMARKS))
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("../shared/data"), show_default=True, help="Local copies of the public sets (laid out as shared/data).")
@click.option("--oracle", is_flag=True, help="Judge each claim against its gold evidence instead of retrieving.")
@click.option("--claims", "claims_file", type=click.Path(path_type=Path), help="Your labelled claims (JSONL: claim, label, optional evidence / evidence_ids).")
@click.option("--corpus", type=click.Path(path_type=Path), help="With --claims: documents to index and retrieve from (JSONL {id, title, text} or a folder).")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="With --claims: an existing index to retrieve from.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Evaluate a random sample of N claims (seed 13).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Run folder [default: runs/NAME-MODE-TIME].")
@click.option("--verifier", default=None, help="CrossEncoder NLI model name or path [default: the shipped verifier].")
@_backend_options
@click.option("--claim-only-model", type=click.Path(path_type=Path, file_okay=False), default=None, help="A claim-only model folder, reported as a baseline (SWEEP/claim-only-bs16 from eval/sweep_verifier.py --only claim-only-bs16).")
@click.option("--latency-sample", type=click.IntRange(0), default=50, show_default=True, help="Claims timed one at a time for the latency percentiles (0: none).")
@_retrieval_option
@click.option("--gate/--no-gate", "gate", default=None, help="With --oracle: apply the similarity gate to gold evidence too [default: on, except fever-lite and covid-fact, whose gold evidence always bears on the claim].")
def eval_cmd(
    benchmark: str | None,
    data_dir: Path,
    oracle: bool,
    claims_file: Path | None,
    corpus: Path | None,
    index_dir: Path | None,
    limit: int | None,
    out: Path | None,
    verifier: str | None,
    claim_only_model: Path | None,
    latency_sample: int,
    gate: bool | None,
    retrieval: str,
    backend: str | None,
    uri: str | None,
) -> None:
    """Measure accuracy on a public BENCHMARK, or on your own labelled --claims file.

    Writes a run folder: metrics.json, predictions.jsonl, report.md and PNG plots.
    """
    index_config = IndexConfig(backend=_backend(backend, uri), uri=uri)
    if (benchmark is None) == (claims_file is None):
        raise click.UsageError("give a BENCHMARK (scifact, climate-fever, fever-lite, covid-fact) or --claims FILE")
    if gate is not None and not (oracle or (claims_file is not None and corpus is None and index_dir is None)):
        raise click.UsageError("--gate/--no-gate applies to oracle runs (end to end, the gate always applies)")
    if claim_only_model is not None and not (claim_only_model / "config.json").is_file():
        raise FactcheckError(f"--claim-only-model {claim_only_model} is not a model folder (no config.json): train one with eval/sweep_verifier.py --pairs PAIRS --out SWEEP --only claim-only-bs16 and give SWEEP/claim-only-bs16")
    index_location: str | None = None
    if claims_file is not None:
        if corpus is not None and index_dir is not None:
            raise click.UsageError("give --corpus or --index, not both")
        bench = user_benchmark(claims_file, corpus)
        oracle = oracle or (corpus is None and index_dir is None)
        if index_dir is not None:
            index_location = str(index_dir)
    else:
        assert benchmark is not None
        bench = load_benchmark(benchmark, data_dir, oracle=oracle)
    if bench.corpus is not None and (not oracle or claims_file is not None):
        with progress_hook() as hook:
            index_location = benchmark_index(bench, index_config, hook)
    for message in bench.skipped:
        click.echo(f"factcheck: skipped {safe(message)}", err=True)
    claims = sample(bench.claims, limit)
    if not claims:
        raise FactcheckError(f"no claim to evaluate in {claims_file or benchmark}")
    name = bench.name
    mode = "oracle" if oracle else "end-to-end"
    if index_location is None:
        checker = FactChecker(None, verifier=load_verifier(verifier))
    else:
        checker = FactChecker.open(index_location, verifier=verifier, backend=index_config.backend, uri=uri).with_config(retrieval=retrieval)
    out = out or Path("runs") / f"{name}-{mode}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    gate_oracle = gate if gate is not None else name not in ORACLE_ONLY or claims_file is not None
    run = RunConfig(latency_sample=latency_sample, claim_only_model=str(claim_only_model) if claim_only_model else None, gate_oracle_evidence=gate_oracle)
    command = "factcheck eval " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["eval"] else None
    meta = {"skipped_rows": len(bench.skipped), "limit": limit, "command": command, "backend": index_config.backend}
    with progress_hook(unit="") as hook:
        result = run_benchmark(checker, claims, name=name, oracle=oracle, out_dir=out, meta=meta, config=run, progress=hook)
    if not result["plots"]:
        click.echo("factcheck: warning: plots not written: matplotlib is missing (pip install 'factcheck[eval]')", err=True)
    extra = ""
    if "retrieval" in result:
        extra = f", recall@5 {result['retrieval']['recall@5']:.3f}, nDCG@10 {result['retrieval']['ndcg@10']:.3f}"
    click.echo(f"{name} ({mode}): {result['n']} claims, accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f} "
               f"(majority class {result['baselines']['majority_class']['macro_f1']:.3f}, retrieval only {result['baselines']['retrieval_only']['macro_f1']:.3f}), "
               f"ECE {result['calibration']['ece']:.3f}{extra}; {result['speed']['claims_per_second']} claims/s; run folder {out}")


@click.command("compare")
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as one JSON object.")
@click.option("--examples", type=click.IntRange(0), default=5, show_default=True, help="Flipped predictions to show.")
def eval_compare(run_a: Path, run_b: Path, as_json: bool, examples: int) -> None:
    """Show what changed between two run folders of factcheck eval: metric deltas and flipped predictions."""
    diff = compare_runs(run_a, run_b, examples)
    if as_json:
        click.echo(json.dumps(diff, ensure_ascii=False, indent=2))
        return
    print_comparison(diff)
