from __future__ import annotations

import json
from pathlib import Path

from helpers import write

from factcheck import Document
from factcheck.ingest import read_documents, split_passages


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
    assert [d.doc_id for d in report.documents] == ["good.txt"]
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert reasons["binary.txt"] == "binary file"
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert reasons["broken.jsonl"].startswith("line 2: invalid JSON")
    assert reasons["broken.pdf"].startswith("unreadable PDF")
    assert reasons["image.png"] == "unsupported file type .png"




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
