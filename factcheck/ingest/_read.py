"""Reading evidence documents from files.

Formats: .txt and .md (optional YAML front matter with title, source, date, lang), .html/.htm, .jsonl (one
document per row: ``id``/``_id``, ``title``, ``text``, optional ``source``/``url``, ``date``, ``lang``), .csv
(same columns) and .pdf when ``pypdf`` is installed. A file that cannot be read is skipped with its reason; it
never stops a build.

A document that declares no ``lang`` gets the language detected on its text.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .._types import Document
from ._language import detect_language, lang_code

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".csv", ".pdf", ".jsonl.gz")


@dataclass
class ReadReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    files: int = 0


# ---------------------------------------------------------------- reading files


def iter_files(paths: Sequence[str | Path]) -> Iterator[Path]:
    """The files under ``paths``, in path order; hidden files and folders, and factcheck index folders (one kept
    inside the documents it indexes), are left out."""
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path
            continue
        found: list[Path] = []
        visited: set[str] = set()  # symlinked folders are followed, once each
        for folder, subfolders, files in os.walk(path, followlinks=True):
            visited.add(os.path.realpath(folder))
            subfolders[:] = [
                d for d in subfolders
                if not d.startswith(".") and not (Path(folder) / d / "CURRENT").is_file() and os.path.realpath(Path(folder) / d) not in visited
            ]
            found += [Path(folder) / f for f in files if not f.startswith(".")]
        yield from sorted(found)


def read_documents(paths: Sequence[str | Path]) -> ReadReport:
    """Read every supported file under ``paths``; unreadable files go to ``report.skipped``."""
    report = ReadReport()
    seen: set[str] = set()
    roots = [Path(p) for p in paths]
    for file in iter_files(paths):
        if file.name.lower() in {"readme.md", "readme.txt", "license", "license.md"} and file.parent in roots:
            continue  # a corpus folder's own description is not evidence
        report.files += 1
        if not file.exists():
            report.skipped.append((str(file), "no such file"))
            continue
        suffix = _suffix(file)
        if suffix not in SUPPORTED_SUFFIXES:
            report.skipped.append((str(file), f"unsupported file type {suffix or '(none)'}"))
            continue
        base = _doc_id_base(file, roots)
        try:
            docs = list(_read_file(file, base))
        except _Skip as exc:
            report.skipped.append((str(file), str(exc)))
            continue
        for doc in docs:
            if not doc.text.strip():
                report.skipped.append((str(file) if doc.doc_id == base else f"{file}#{doc.doc_id}", "no text"))
                continue
            if doc.doc_id in seen:
                report.skipped.append((str(file), f"duplicate document id {doc.doc_id!r}"))
                continue
            seen.add(doc.doc_id)
            report.documents.append(doc)
    return report


class _Skip(Exception):
    pass


def _doc_id_base(file: Path, roots: list[Path]) -> str:
    for root in roots:
        if root.is_dir():
            try:
                return file.relative_to(root).as_posix()
            except ValueError:
                continue
    return file.name


def _suffix(file: Path) -> str:
    name = file.name.lower()
    return ".jsonl.gz" if name.endswith(".jsonl.gz") else file.suffix.lower()


def _read_text(file: Path) -> str:
    data = file.read_bytes()
    if _suffix(file) == ".jsonl.gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise _Skip(f"unreadable gzip file: {exc}") from None
    if b"\x00" in data[:8192]:
        raise _Skip("binary file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Skip(f"not UTF-8 (byte {exc.start}); convert it with iconv -t UTF-8") from None


def _read_file(file: Path, doc_id: str) -> Iterator[Document]:
    suffix = _suffix(file)
    if suffix == ".pdf":
        yield _read_pdf(file, doc_id)
        return
    text = _read_text(file)
    if suffix in {".txt", ".md", ".markdown"}:
        meta, body = split_front_matter(text)
        if suffix != ".txt":
            body = _strip_markdown(body)
        yield _document(doc_id, body, meta, file, default_title=_first_heading(text) or file.stem)
    elif suffix in {".html", ".htm"}:
        parser = _HTMLText()
        parser.feed(text)
        body = parser.text()
        yield Document(doc_id=doc_id, text=body, title=parser.title.strip() or file.stem, source=str(file), lang=detect_language(body[:2000])[0], path=str(file))
    elif suffix in {".jsonl", ".jsonl.gz"}:
        yield from _read_rows(_jsonl_rows(text), file)
    elif suffix == ".csv":
        try:
            rows = list(csv.DictReader(io.StringIO(text)))
        except csv.Error as exc:
            raise _Skip(f"unparseable CSV: {exc}") from None
        yield from _read_rows(((i + 2, row) for i, row in enumerate(rows)), file)


def _document(doc_id: str, text: str, meta: dict, file: Path, default_title: str) -> Document:
    return Document(
        doc_id=str(meta.get("id") or doc_id),
        text=text,
        title=str(meta.get("title") or default_title),
        source=str(meta.get("source") or meta.get("url") or file),
        date=str(meta.get("date") or ""),
        lang=lang_code(str(meta.get("lang") or meta.get("language") or "")) or detect_language(text[:2000])[0],
        path=str(file),
    )


def parse_jsonl(text: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; ValueError("line N: ...") for a line that is not an object."""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {lineno}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"line {lineno}: expected a JSON object")
        yield lineno, row


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict]]:
    try:
        yield from parse_jsonl(text)
    except ValueError as exc:
        raise _Skip(str(exc)) from None


def _read_rows(rows: Iterable[tuple[int, dict]], file: Path) -> Iterator[Document]:
    for lineno, row in rows:
        text = row.get("text") or row.get("abstract") or row.get("contents") or ""
        if isinstance(text, list):
            text = " ".join(str(t) for t in text)
        doc_id = row.get("id", row.get("_id", row.get("doc_id")))
        if doc_id is None or str(doc_id).strip() == "":
            doc_id = f"{file.name}:{lineno}"
        meta = {k: row.get(k) for k in ("title", "source", "url", "date", "lang", "language")}
        yield _document(str(doc_id), str(text), {k: v for k, v in meta.items() if v}, file, default_title="")


def _read_pdf(file: Path, doc_id: str) -> Document:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise _Skip("PDF support needs pypdf: pip install 'factcheck[pdf]'") from None
    try:
        reader = PdfReader(str(file))
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
        title = (reader.metadata.title if reader.metadata else None) or file.stem
    except Exception as exc:  # pypdf raises many error types for broken files
        raise _Skip(f"unreadable PDF: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    return Document(doc_id=doc_id, text=text, title=str(title), source=str(file), lang=detect_language(text[:2000])[0], path=str(file))


_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict, str]:
    """YAML front matter (between two ``---`` lines) and the body after it."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        return {}, text
    if not isinstance(meta, dict):
        return {}, text
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}, text[match.end() :]


def _first_heading(text: str) -> str:
    match = re.search(r"^#\s+(.+)$", text, re.M)
    return match.group(1).strip() if match else ""


def _strip_markdown(text: str) -> str:
    """Drop Markdown markup that is not prose, keeping character count per line stable enough for offsets."""
    text = re.sub(r"^#{1,6}\s+", "", text, flags=re.M)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\*\*|__|`)", "", text)


class _HTMLText(HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        joined = "".join(self.parts)
        return "\n\n".join(re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in re.split(r"\n\s*\n", joined) if p.strip())
