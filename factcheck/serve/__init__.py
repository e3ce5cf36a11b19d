"""``factcheck serve``: the checker behind an HTTP API and a web page (the ``serve`` extra: FastAPI and uvicorn).

Importing this package needs FastAPI; nothing else in factcheck imports it, so checking works without the extra.

>>> from factcheck import FactChecker                           # doctest: +SKIP
>>> from factcheck.serve import create_app
>>> app = create_app(FactChecker.open("my-index"))               # doctest: +SKIP
>>> import uvicorn; uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
"""

from __future__ import annotations

from ._app import CheckRequest, DocumentRequest, ServeConfig, ServeLimits, create_app
from ._listen import allowed_hosts, check_port, loopback

__all__ = ["CheckRequest", "DocumentRequest", "ServeConfig", "ServeLimits", "allowed_hosts", "check_port", "create_app", "loopback"]
