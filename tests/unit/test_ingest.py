from __future__ import annotations

import gzip
import json
import os
import string
import tempfile
import threading
import time
from pathlib import Path

import pytest
from helpers import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck import Document
from factcheck.ingest import MAX_PASSAGE_CHARS, ReadReport, fold_whitespace, read_documents, split_passages
from factcheck.ingest._read import MAX_DOCUMENT_BYTES


def test_reads_every_format_with_provenance(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\ntitle: Bid news\nsource: desk\ndate: 2025-02-11\nlang: en\n---\n\n# Heading\n\nMusk offered 97.4 billion dollars for OpenAI. Altman said no.\n")
    write(tmp_path / "b.txt", "Plain text evidence about a tram line in Lyon. It opens next year.")
    write(tmp_path / "c.html", "<html><head><title>Page</title><style>x{}</style></head><body><p>The museum opens on Sunday.</p><script>var a;</script></body></html>")
    write(tmp_path / "d.jsonl", json.dumps({"id": "row1", "title": "T", "text": "Row text number one is here."}) + "\n" + json.dumps({"_id": "row2", "text": ["Two", "sentences."]}) + "\n")
    write(tmp_path / "e.csv", "id,title,text,url\nx1,Csv title,A sentence from a CSV file.,https://example.org/x1\n")
    report = read_documents([tmp_path])
    assert report.skipped == []
    docs = {d.doc_id: d for d in report.documents}
    assert set(docs) == {"a.md", "b.txt", "c.html", "row1", "row2", "x1"}
    assert docs["a.md"].title == "Bid news" and docs["a.md"].date == "2025-02-11" and docs["a.md"].source == "desk"
    assert "Heading" in docs["a.md"].text and "---" not in docs["a.md"].text
    assert docs["c.html"].title == "Page" and "var a" not in docs["c.html"].text and "museum" in docs["c.html"].text
    assert docs["x1"].source == "https://example.org/x1"
    assert docs["b.txt"].source.endswith("b.txt")


def test_passages_are_sentences_with_exact_offsets(tmp_path: Path) -> None:
    text = "Elon Musk offered 97.4 billion dollars. Dr. Smith disagreed with that offer.\n\nOui. Sam Altman a refusé l'offre de M. Musk le 11 février."
    write(tmp_path / "doc.txt", text)
    doc = read_documents([tmp_path]).documents[0]
    passages = split_passages(doc)
    assert [p.text for p in passages][:2] == ["Elon Musk offered 97.4 billion dollars.", "Dr. Smith disagreed with that offer."]
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
    # "Oui." is too short to stand alone: it is joined to the next sentence.
    assert passages[2].text.startswith("Oui. Sam Altman")


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", "A perfectly fine sentence of evidence.")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    write(tmp_path / "broken.jsonl", '{"id": 1, "text": "ok"}\n{not json\n')
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    write(tmp_path / "image.png", "not evidence")
    report = read_documents([tmp_path])
    assert [d.doc_id for d in report.documents] == ["1", "good.txt"]  # broken.jsonl's good first row is kept
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert reasons["binary.txt"] == "binary file"
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert reasons["broken.jsonl:2"].startswith("invalid JSON")
    assert reasons["broken.pdf"].startswith("unreadable PDF")
    assert reasons["image.png"] == "unsupported file type .png"


def test_a_bad_jsonl_line_is_skipped_as_file_line_and_the_other_rows_kept(tmp_path: Path) -> None:
    rows = [json.dumps({"id": "r1", "text": "The harbour opened in 1890."}), "{not json", "[1, 2]", "", json.dumps({"id": "r5", "text": "The bridge was rebuilt in 1950."})]
    write(tmp_path / "rows.jsonl", "\n".join(rows) + "\n")
    (tmp_path / "rows.jsonl.gz").write_bytes(gzip.compress(("\n".join(rows).replace('"r', '"gz') + "\n").encode()))
    (tmp_path / "latin1.jsonl").write_bytes(json.dumps({"id": "l1", "text": "Plain row."}).encode() + b"\n" + '{"id": "l2", "text": "caf\xe9"}'.encode("latin-1") + b"\n")
    write(tmp_path / "blank.jsonl", "\n\n")
    report = read_documents([tmp_path])
    assert sorted(d.doc_id for d in report.documents) == ["gz1", "gz5", "l1", "r1", "r5"]
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert reasons["rows.jsonl:2"].startswith("invalid JSON") and reasons["rows.jsonl:3"] == "expected a JSON object"
    assert reasons["rows.jsonl.gz:2"].startswith("invalid JSON") and reasons["latin1.jsonl:2"].startswith("not UTF-8")
    assert reasons["blank.jsonl"] == "no rows"
    assert len(report.skipped) == 6


def test_what_is_not_a_readable_file_is_skipped_with_its_reason(tmp_path: Path) -> None:
    """A FIFO named like a document (it used to block the build forever), a broken link, a file too large for one
    document; the folders around them are read."""
    write(tmp_path / "good.txt", "A perfectly fine sentence of evidence.")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    with open(tmp_path / "huge.txt", "wb") as huge:
        huge.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: its size is read, never its bytes
    result: list[ReadReport] = []
    reader = threading.Thread(target=lambda: result.append(read_documents([tmp_path])), daemon=True)
    reader.start()
    reader.join(60)
    if reader.is_alive():  # blocked opening the FIFO, waiting for a writer: be one, so that the thread ends
        with open(tmp_path / "pipe.txt", "wb"):
            pass
        pytest.fail("reading a folder that holds a FIFO blocked")
    (report,) = result
    assert [d.doc_id for d in report.documents] == ["good.txt"]
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert reasons == {
        "pipe.txt": "not a regular file (a FIFO)",
        "gone.md": "no such file (a broken link?)",
        "huge.txt": "too large for one document (20.0 million bytes; at most 20 million): split it into smaller files",
    }


def test_folders_nested_deeper_than_the_recursion_limit_are_read(tmp_path: Path) -> None:
    folders = [str(tmp_path / "deep")]
    for _ in range(1400):  # os.makedirs recurses, as shutil.rmtree does (pytest's clean-up): one level at a time
        folders.append(folders[-1] + "/d")
    for folder in folders:
        os.mkdir(folder)
    bottom = write(Path(folders[-1]) / "bottom.txt", "A sentence at the bottom of 1,400 folders.")
    try:
        report = read_documents([tmp_path / "deep"])
        assert report.skipped == [] and [d.text for d in report.documents] == ["A sentence at the bottom of 1,400 folders."]
    finally:
        bottom.unlink()
        for folder in reversed(folders):
            os.rmdir(folder)


def test_a_long_line_is_split_in_linear_time_into_bounded_passages(tmp_path: Path) -> None:
    """One line of Chinese with no space after its full stops (sentencex alone: 80,000 characters in 2 s, 4 times as
    many in 30 s); one line of words with no sentence punctuation; a Markdown line of unclosed brackets (53 s for
    80,000 before the link pattern was bounded)."""
    chinese = "这条电车线路耗资六亿欧元。" * 25_000  # 325,000 characters, one paragraph
    words = " ".join(f"word{i}" for i in range(60_000))
    write(tmp_path / "brackets.md", "[" * 80_000 + " The text after the brackets.\n")
    started = time.perf_counter()
    docs = {d.doc_id: d for d in read_documents([tmp_path]).documents}
    assert time.perf_counter() - started < 5
    assert docs["brackets.md"].text.endswith("The text after the brackets.\n")
    for text, lang, sentences in ((chinese, "zh", 12_500), (words, "en", 0)):
        started = time.perf_counter()
        passages = split_passages(Document("d", text, lang=lang))
        assert time.perf_counter() - started < 8, lang  # the Chinese line: 0.5 s; 18 s unwindowed
        assert all(0 < len(p.text) <= MAX_PASSAGE_CHARS and p.text == fold_whitespace(text[p.start : p.end]) for p in passages)
        assert all(a.end <= b.start for a, b in zip(passages, passages[1:]))
        if sentences:
            assert len(passages) == sentences and passages[-1].text == "这条电车线路耗资六亿欧元。" * 2  # short: in twos
        else:
            assert len(passages) >= len(text) // MAX_PASSAGE_CHARS and passages[-1].text.endswith("word59999")


# ------------------------------------------------------------------ any input: read, or skipped with a reason

_NAME = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=30).filter(
    lambda n: n not in {".", ".."} and len(n.encode()) < 200
)
_SUFFIXES = (".txt", ".md", ".html", ".jsonl", ".jsonl.gz", ".csv", ".pdf", ".bin", "")
_WORDS = st.text(alphabet=string.ascii_letters + string.digits + " .,;:!?'\"-()[]<>#*_`&/\\\n\t\r" + "éàüßñ中文。日本語ة", max_size=400)
_UNICODE = st.text(max_size=400)


@st.composite
def _content(draw: st.DrawFn, suffix: str) -> bytes:
    """Bytes shaped like the format the name claims (or random bytes, or text in any script)."""
    kind = draw(st.sampled_from(["bytes", "unicode", "structured"]))
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    if kind == "unicode":
        return draw(_UNICODE).encode("utf-8", "surrogatepass")
    text = draw(_WORDS)
    if suffix == ".md":
        front = draw(st.sampled_from(["", "---\ntitle: T\n---\n", "---\ndate: 2025-02-30\nlang: [1, 2]\n---\n", "---\n: : :\n---\n", "---\ntitle: [\n"]))
        return (front + draw(st.sampled_from(["# ", "", "## ", "![", "[x]("])) + text).encode()
    if suffix == ".html":
        tag = draw(st.sampled_from(["p", "title", "script", "div", "!--", "a href='", "br/", "style"]))
        return f"<html><head><{tag}>{text}</{tag}><body><{tag}>{draw(_WORDS)}".encode()
    if suffix in {".jsonl", ".jsonl.gz"}:
        values = st.one_of(_WORDS, st.integers(), st.none(), st.lists(_WORDS, max_size=3), st.dictionaries(_WORDS, _WORDS, max_size=2))
        rows = draw(st.lists(st.one_of(st.dictionaries(st.sampled_from(["id", "_id", "text", "title", "lang", "date", "url"]), values), _WORDS), max_size=5))
        lines = "\n".join(json.dumps(r, ensure_ascii=draw(st.booleans())) if isinstance(r, dict) else r for r in rows).encode()
        return gzip.compress(lines) if suffix == ".jsonl.gz" and draw(st.booleans()) else lines
    if suffix == ".csv":
        return ("id,title,text\n" + "\n".join(f"{i},{draw(_WORDS)},{draw(_WORDS)}" for i in range(draw(st.integers(0, 3))))).encode()
    return text.encode()


@st.composite
def _corpus(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    """A file of each format (and one of no known format), odd names."""
    names = draw(st.lists(_NAME, min_size=len(_SUFFIXES), max_size=len(_SUFFIXES), unique_by=str.lower))
    return [(name + suffix, draw(_content(suffix))) for name, suffix in zip(names, _SUFFIXES)]


@settings(max_examples=100, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_corpus())
def test_any_files_are_read_or_skipped_with_a_reason(files: list[tuple[str, bytes]]) -> None:
    """Random bytes, any Unicode, Markdown/HTML/JSONL/CSV shapes, odd file names: reading never raises, every file
    gives documents or a reason, and every document splits into bounded passages with exact offsets."""
    with tempfile.TemporaryDirectory() as root:
        for name, data in files:
            sub = Path(root) / "sub"
            sub.mkdir(exist_ok=True)
            (sub / name).write_bytes(data)
        report = read_documents([root])
        ignored = {"readme.md", "readme.txt", "license", "license.md"}  # a corpus folder's own description
        read = {d.path for d in report.documents}
        for name, _ in files:
            path = str(Path(root) / "sub" / name)
            if name.startswith(".") or name.lower() in ignored:
                continue
            assert path in read or any(p == path or p.startswith((f"{path}:", f"{path}#")) for p, _ in report.skipped), name
        assert all(reason for _, reason in report.skipped)
        for doc in report.documents:
            for passage in split_passages(doc):
                assert 0 < len(passage.text) <= MAX_PASSAGE_CHARS
                assert passage.text == fold_whitespace(doc.text[passage.start : passage.end])


def test_demo_corpus_is_bilingual_with_metadata(demo_corpus: Path) -> None:
    report = read_documents([demo_corpus])
    assert 20 <= len(report.documents) <= 40 and not report.skipped
    assert {d.lang for d in report.documents} == {"en", "fr"}
    assert all(d.title and d.source and d.date for d in report.documents)


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text in Helvetica, xref offsets computed."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_pdf_text_is_read(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(_minimal_pdf("The annual report was approved by the board in March."))
    report = read_documents([tmp_path])
    assert report.skipped == []
    (doc,) = report.documents
    assert doc.doc_id == "report.pdf" and "approved by the board in March" in doc.text
    assert [p.text for p in split_passages(doc)] == ["The annual report was approved by the board in March."]


def test_passages_fold_wrapped_lines_and_keep_true_offsets() -> None:
    text = "About 90,000\nhomes lost   power.\n\nIt cost 610 million euros."
    passages = split_passages(Document("d", text, lang="en"))
    assert passages[0].text == "About 90,000 homes lost power."
    assert " ".join(text[passages[0].start : passages[0].end].split()) == passages[0].text


def test_a_passage_that_refers_back_is_read_with_the_sentence_before() -> None:
    from factcheck.ingest import needs_context, reading_text

    assert needs_context("It cost 610 million euros after four years of work.")
    assert needs_context("La ville a voté le budget du tramway pour la troisième fois.")
    assert not needs_context("The tram line in Lyon cost 610 million euros after four years of work.")
    assert reading_text("It cost 610 million euros.", "The tram line opened.") == "The tram line opened. It cost 610 million euros."
    assert reading_text("The tram line in Lyon cost 610 million euros in all.", "Before.") == "The tram line in Lyon cost 610 million euros in all."


def test_a_corpus_with_a_real_share_of_another_language_gets_the_multilingual_embedder() -> None:
    from factcheck.index import choose_embedder

    english = [Document(f"en{i}", "The tram line cost 610 million euros. " * 10, lang="en") for i in range(7)]
    french = [Document(f"fr{i}", "La ligne de tramway a coûté 610 millions d'euros. " * 10, lang="fr") for i in range(5)]
    assert choose_embedder(english) == "all-MiniLM-L6-v2"
    assert choose_embedder(english + french) == "use-multilingual"  # 12 news items, 5 French: claims cross languages
    assert choose_embedder(english * 10 + french[:1]) == "all-MiniLM-L6-v2"  # a stray French note


def test_front_matter_yaml_refuses_is_read_as_key_value_lines() -> None:
    from factcheck.ingest import split_front_matter

    meta, body = split_front_matter("---\ntitle: Besançon : le tram prolongé\nsource: 'Le Quotidien: édition locale'\ndate: 2025-03-02\n---\nLe tram roule.\n")
    assert meta == {"title": "Besançon : le tram prolongé", "source": "Le Quotidien: édition locale", "date": "2025-03-02"}
    assert body == "Le tram roule.\n"
    # valid YAML is read as YAML; what is neither stays in the text, as before
    assert split_front_matter("---\ntitle: Plain\ntags: [a, b]\n---\nBody")[0] == {"title": "Plain", "tags": ["a", "b"]}
    assert split_front_matter("---\ntitle: [\n  nested\n---\nBody") == ({}, "---\ntitle: [\n  nested\n---\nBody")


def test_a_csv_row_as_long_as_an_article_is_read_with_the_others(tmp_path: Path) -> None:
    from factcheck.ingest import read_documents

    long_text = "The harbour opened in 1890. " * 6000  # 168,000 characters: over the csv module's default field limit
    csv_file = write(tmp_path / "rows.csv", f"id,title,text\nr1,One,First row text.\nr2,Two,{long_text}\nr3,Three,Third row text.\n")
    report = read_documents([csv_file])
    assert [d.doc_id for d in report.documents] == ["r1", "r2", "r3"] and not report.skipped
    assert len(report.documents[1].text.strip()) == len(long_text.strip())
