"""Reading evidence documents from files.

Formats: .txt and .md (optional YAML front matter with title, source, date, lang), .html/.htm, .jsonl (one
document per row: ``id``/``_id``, ``title``, ``text``, optional ``source``/``url``, ``date``, ``lang``), .csv
(same columns) and .pdf when ``pypdf`` is installed. What cannot be read is skipped with its reason and never stops
or hangs a build: a file or folder without read permission, a broken link, a FIFO or device, a file too large for one
document (:data:`MAX_DOCUMENT_BYTES`), a binary or non-UTF-8 file; a bad row of a .jsonl file is skipped as
``file:line`` and the file's other rows are kept.

A document that declares no ``lang`` gets the language detected on its text.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

from .._types import Document, Progress
from ._language import detect_language, lang_code

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".csv", ".pdf", ".jsonl.gz")

#: the largest document read: a bigger file (.txt .md .html; a .pdf's text, a .jsonl or .csv row's text) is skipped
#: with its reason; 20 MB is some 3 million words, 260,000 passages to embed (hours on a laptop): split it into files.
MAX_DOCUMENT_BYTES = 20_000_000


@dataclass
class ReadReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason); (path:line, reason) for a bad row
    files: int = 0


# ---------------------------------------------------------------- reading files


def iter_files(paths: Sequence[str | Path], skipped: list[tuple[str, str]] | None = None) -> Iterator[Path]:
    """The files under ``paths``, in path order; hidden files and folders, and factcheck index folders (one kept
    inside the documents it indexes), are left out. Symlinked folders are followed, once each. A folder that cannot
    be listed goes to ``skipped`` with its reason. The walk keeps its own stack (no recursion: any depth)."""
    for raw in paths:
        path = Path(raw)
        if _folder_id(path) is None:
            yield path
            continue
        found: list[Path] = []
        walked: set[tuple[int, int] | None] = set()  # (device, inode): a realpath costs time in the square of its depth
        stack = [path]
        while stack:
            folder = stack.pop()
            walked.add(_folder_id(folder))
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                if skipped is not None:
                    skipped.append((str(folder), f"cannot list this folder: {_os_reason(exc)}"))
                continue
            subfolders: list[Path] = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                child = folder / entry.name
                folder_id = _folder_id(child)
                if folder_id is None:
                    found.append(child)
                elif not _is_file(child / "CURRENT") and folder_id not in walked:  # not a loop back up
                    subfolders.append(child)
            stack += reversed(subfolders)  # depth first, in name order
        yield from sorted(found)


def _folder_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the folder ``path`` is or links to; None for anything else, or what cannot be stat'ed."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _os_reason(exc: OSError) -> str:
    """What an OSError says, as a skip reason: ``permission denied (give read access: chmod +r)``."""
    text = (exc.strerror or type(exc).__name__).lower()
    if isinstance(exc, PermissionError):
        return f"{text} (give read access: chmod +r, or run as its owner)"
    return text


def read_documents(paths: Sequence[str | Path], progress: Progress | None = None) -> ReadReport:
    """Read every supported file under ``paths``; what cannot be read goes to ``report.skipped`` with its reason.
    ``progress``: called as ``("read", files done, files in all)``."""
    report = ReadReport()
    seen: set[str] = set()
    roots = [Path(p) for p in paths]
    files = list(iter_files(paths, report.skipped))
    for done, file in enumerate(files, 1):
        if progress:
            progress("read", done, len(files))
        if file.name.lower() in {"readme.md", "readme.txt", "license", "license.md"} and file.parent in roots:
            continue  # a corpus folder's own description is not evidence
        report.files += 1
        suffix = _suffix(file)
        if suffix not in SUPPORTED_SUFFIXES:
            if not os.path.lexists(file):
                report.skipped.append((str(file), "no such file"))
            else:
                report.skipped.append((str(file), f"unsupported file type {suffix or '(none)'}"))
            continue
        base = _doc_id_base(file, roots)
        reasons = len(report.skipped)
        try:
            docs = list(_read_file(file, base, report.skipped))
        except _Skip as exc:
            report.skipped.append((str(file), str(exc)))
            continue
        if not docs and len(report.skipped) == reasons:
            report.skipped.append((str(file), "no rows"))  # a .jsonl or .csv file with only blank lines or a header
        for doc in docs:
            where = str(file) if doc.doc_id == base else f"{file}#{doc.doc_id}"
            if not doc.text.strip():
                report.skipped.append((where, "no text"))
                continue
            if len(doc.text) > MAX_DOCUMENT_BYTES:
                report.skipped.append((where, _too_large(len(doc.text), "characters of text")))
                continue
            if doc.doc_id in seen:
                report.skipped.append((str(file), f"duplicate document id {doc.doc_id!r}"))
                continue
            seen.add(doc.doc_id)
            report.documents.append(doc)
    return report


def _too_large(size: int, unit: str) -> str:
    return f"too large for one document ({size / 1e6:.1f} million {unit}; at most {MAX_DOCUMENT_BYTES / 1e6:.0f} million): split it into smaller files"


class _Skip(Exception):
    pass


def _doc_id_base(file: Path, roots: list[Path]) -> str:
    for root in roots:
        if _folder_id(root) is not None:
            try:
                return file.relative_to(root).as_posix()
            except ValueError:
                continue
    return file.name


def _suffix(file: Path) -> str:
    name = file.name.lower()
    return ".jsonl.gz" if name.endswith(".jsonl.gz") else file.suffix.lower()


def _open(file: Path) -> IO[bytes]:
    """``file`` opened for reading, if it is a regular file. Opened without blocking (a FIFO named like a document
    would wait for a writer forever) and checked on the open descriptor (no race between a check and the open)."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _Skip("no such file (a broken link?)" if os.path.islink(file) else "no such file") from None
    except OSError as exc:
        raise _Skip(f"cannot open: {_os_reason(exc)}") from None
    handle = os.fdopen(fd, "rb")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        handle.close()
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a folder" if stat.S_ISDIR(mode) else "special"
        raise _Skip(f"not a regular file ({kind})")
    return handle


def _read_bytes(file: Path, limit: int | None = None) -> bytes:
    with _open(file) as handle:
        size = os.fstat(handle.fileno()).st_size
        if limit is not None and size > limit:
            raise _Skip(_too_large(size, "bytes"))
        try:
            return handle.read()
        except OSError as exc:
            raise _Skip(f"cannot read: {_os_reason(exc)}") from None


def _read_text(file: Path) -> str:
    data = _read_bytes(file, MAX_DOCUMENT_BYTES)
    if b"\x00" in data[:8192]:
        raise _Skip("binary file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Skip(f"not UTF-8 (byte {exc.start}); convert it with iconv -t UTF-8") from None


def _read_file(file: Path, doc_id: str, skipped: list[tuple[str, str]]) -> Iterator[Document]:
    suffix = _suffix(file)
    if suffix == ".pdf":
        yield _read_pdf(file, doc_id)
        return
    if suffix in {".jsonl", ".jsonl.gz"}:
        with _open(file) as handle:
            yield from _read_rows(_jsonl_rows(handle, file, skipped), file)
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
    elif suffix == ".csv":
        yield from _read_rows(_csv_rows(text, file, skipped), file)


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


def _jsonl_rows(handle: IO[bytes], file: Path, skipped: list[tuple[str, str]]) -> Iterator[tuple[int, dict]]:
    """The rows of an open .jsonl (or .jsonl.gz) file, read line by line; a bad line goes to ``skipped`` as
    ``file:line`` and the rows after it are still read."""
    stream = gzip.GzipFile(fileobj=handle) if _suffix(file) == ".jsonl.gz" else handle
    lineno = 0
    try:
        if b"\x00" in stream.read(8192):
            raise _Skip("binary file")
        stream.seek(0)
        for lineno, raw in enumerate(stream, 1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                skipped.append((f"{file}:{lineno}", f"not UTF-8 (byte {exc.start} of the line); convert the file with iconv -t UTF-8"))
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                skipped.append((f"{file}:{lineno}", f"invalid JSON ({exc.msg}); the file's other lines are read"))
                continue
            except RecursionError:
                skipped.append((f"{file}:{lineno}", "JSON nested too deeply"))
                continue
            if not isinstance(row, dict):
                skipped.append((f"{file}:{lineno}", "expected a JSON object"))
                continue
            yield lineno, row
    except (OSError, EOFError) as exc:  # a truncated or corrupt .gz; a disk error
        what = f"unreadable {'gzip ' if stream is not handle else ''}file: {exc}"
        if not lineno:
            raise _Skip(what) from None
        skipped.append((str(file), f"{what} (after line {lineno}; the lines before it are read)"))


def _csv_rows(text: str, file: Path, skipped: list[tuple[str, str]]) -> Iterator[tuple[int, dict]]:
    """The rows of a .csv file with the line each ends on; a row the csv module cannot read goes to ``skipped`` as
    ``file:line`` and the rows after it are still read. A field may be as long as a document (csv's default limit,
    128 KiB, would refuse a long article)."""
    if csv.field_size_limit() < MAX_DOCUMENT_BYTES:
        csv.field_size_limit(MAX_DOCUMENT_BYTES)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            skipped.append((f"{file}:{reader.line_num}", f"unreadable CSV row ({exc}); the file's other rows are read"))
            continue
        yield reader.line_num, row


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
    data = _read_bytes(file)
    try:
        reader = PdfReader(io.BytesIO(data))
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
    except (yaml.YAMLError, ValueError, RecursionError):  # ValueError: a date that is no date (2025-02-30)
        meta = _flat_front_matter(match.group(1))
    if not isinstance(meta, dict):
        return {}, text
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}, text[match.end() :]


_FLAT = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")


def _flat_front_matter(block: str) -> dict | None:
    """Front matter YAML refuses but a person reads as ``key: value`` lines ("title: Besançon : le tram" or "title:
    Why: a review", where YAML wants quotes): the value is the rest of the line. None when a line is not so."""
    meta: dict = {}
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _FLAT.match(line)
        if found is None:
            return None
        value = found.group(2)
        meta[found.group(1)] = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else value
    return meta


def _first_heading(text: str) -> str:
    match = re.search(r"^#\s+(.+)$", text, re.M)
    return match.group(1).strip() if match else ""


def _strip_markdown(text: str) -> str:
    """Drop Markdown markup that is not prose, keeping character count per line stable enough for offsets."""
    text = re.sub(r"^#{1,6}\s+", "", text, flags=re.M)
    # link text holds no bracket and a link target no parenthesis: each match attempt stops at the next one, so a
    # run of unclosed brackets costs linear time, not quadratic (a 80,000-character run of "[" took 53 s)
    text = re.sub(r"!\[([^\[\]]*)\]\([^()]*\)", r"\1", text)
    text = re.sub(r"\[([^\[\]]+)\]\([^()]*\)", r"\1", text)
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
