"""Errors that carry a one-line message for the user (the CLI prints them and exits with code 2)."""

from __future__ import annotations


class FactcheckError(Exception):
    """A problem with the user's input or environment, with a one-line message saying how to fix it."""


class IndexError_(FactcheckError):
    """An index directory that is missing, corrupt, incompatible or built with another embedder."""


class EmptyCorpusError(FactcheckError):
    """No passage could be read from the given paths."""


class BackendError(FactcheckError):
    """The index backend (a Milvus server) is unreachable or failed; the message names its URI."""


class IndexBusyError(FactcheckError):
    """Another process is building the same index directory."""
