"""Shared fixtures: real models (the bundled embedder, the shipped verifier), real indexes on disk; the helpers
the tests import are in helpers.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The demo index goes to a throwaway cache, never the user's."""
    os.environ["FACTCHECK_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def demo_corpus() -> Path:
    from factcheck.settings import demo_corpus_path

    return demo_corpus_path()


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory, demo_corpus: Path) -> Path:
    from factcheck import create_embedder
    from factcheck.embed import DEFAULT_EMBEDDER
    from factcheck.index import build_index

    # the default embedder, named, as the demo of `factcheck check` builds it (left to choose, the half-French
    # demo corpus would get the multilingual one)
    index_dir = tmp_path_factory.mktemp("demo") / "index"
    build_index([demo_corpus], index_dir, create_embedder(DEFAULT_EMBEDDER))
    return index_dir


@pytest.fixture(scope="session")
def checker(demo_index: Path):
    from factcheck import FactChecker

    return FactChecker.open(demo_index)
