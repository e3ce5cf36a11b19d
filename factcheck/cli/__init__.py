"""The ``factcheck`` command line (click + rich): a thin layer over the library."""

from __future__ import annotations

from ._app import main

__all__ = ["main"]
