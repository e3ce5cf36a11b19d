"""The FastAPI application of ``factcheck serve``: a JSON API and a page over one :class:`FactChecker`.

Routes: ``POST /check`` (one claim or a list: the verdict JSON of ``factcheck check --json``), ``POST
/check-document`` (a whole text: the JSON of ``factcheck check --doc --json``), ``GET /info`` (the index's
manifest, as ``factcheck info --json``), ``GET /healthz``, and the page at ``/``. Checking runs on the one worker
thread of :class:`CheckWorker`, in batches; every bad request gets a 4xx and a one-line ``detail``.
"""

from __future__ import annotations

import json
import secrets
from base64 import b64decode
from binascii import Error as BinasciiError
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ..errors import FactcheckError
from ..pipeline import FactChecker
from ..settings import __version__
from ._page import STATIC, page, report_html, verdict_html
from ._worker import CheckWorker

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class ServeLimits:
    """What one request may hold; anything over answers 413 or 422 with a one-line message."""

    max_claim_chars: int = 2_000
    max_claims: int = 256
    max_text_chars: int = 100_000
    max_body_bytes: int = 1_000_000


@dataclass(frozen=True)
class ServeConfig:
    #: bearer token every route but ``/healthz`` requires (None: no authentication, for loopback only).
    token: str | None = None
    limits: ServeLimits = field(default_factory=ServeLimits)
    #: the most claims verified in one batch (requests queued together are batched up to this).
    max_batch: int = 64
    #: how long the worker waits for another request before it starts a batch (each arrival restarts the wait).
    gather_seconds: float = 0.02
    #: what the page says it checks against (an index directory, a Milvus index name, or the demo corpus).
    index_name: str = "the demo corpus"
    #: the Host headers answered (None: any). A server on loopback answers only its loopback names, so that a web
    #: page elsewhere cannot reach it through a DNS name rebound to 127.0.0.1.
    allowed_hosts: tuple[str, ...] | None = None


class CheckRequest(BaseModel):
    """One claim (``claim``) or several (``claims``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"claim": "Stargate funds will not be available"}]})
    claim: str | None = Field(None, description="One claim: the answer is its verdict.")
    claims: list[str] | None = Field(None, description="Several claims: the answer is {\"verdicts\": [...]}, in their order.")


class DocumentRequest(BaseModel):
    """A whole text: its statements of fact are extracted and each is checked."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The text (plain text; Markdown and HTML markup are read as text).")


class _BodyTooLarge(HTTPException):
    pass


class _Guard:
    """ASGI middleware before everything: the bearer token (every route but /healthz) and the body size limit."""

    def __init__(self, app: Callable, token: str | None, max_body_bytes: int) -> None:
        self.app, self.token, self.limit = app, token, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.token is not None and scope["path"] != "/healthz" and not self._authorized(headers.get("authorization", "")):
            await _reply(send, 401, "missing or wrong token: send the header Authorization: Bearer TOKEN (the --token of factcheck serve)",
                         [(b"www-authenticate", b'Bearer realm="factcheck"'), (b"www-authenticate", b'Basic realm="factcheck"')])
            return
        too_large = f"request body over {self.limit} bytes: send fewer or shorter claims, or a shorter text"
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.limit:
            await _reply(send, 413, too_large)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _BodyTooLarge(413, too_large)
            return message

        await self.app(scope, limited, send)

    def _authorized(self, header: str) -> bool:
        """``Bearer TOKEN``, or (for a browser's own prompt, so the page works without JavaScript) HTTP basic
        authentication with the token as the password and any user name."""
        assert self.token is not None
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                value = b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2]
            except (BinasciiError, UnicodeDecodeError):
                return False
        elif scheme.lower() != "bearer":
            return False
        return secrets.compare_digest(value.strip().encode("utf-8"), self.token.encode("utf-8"))


async def _reply(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    start = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})


def _where(loc: tuple) -> str:
    return ".".join(str(part) for part in loc[1:]) if loc[:1] == ("body",) else ".".join(str(part) for part in loc)


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    """One line for what FastAPI found wrong with a request body (the first problem), and its status."""
    first = exc.errors()[0] if exc.errors() else {}
    kind, loc = first.get("type", ""), tuple(first.get("loc", ()))
    if kind == "json_invalid":
        return 400, f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'malformed')}): send a JSON object such as {{\"claim\": \"...\"}}"
    if kind == "missing" and loc == ("body",):
        return 400, "no JSON body: send a JSON object such as {\"claim\": \"...\"} with the header Content-Type: application/json"
    if kind == "model_attributes_type":
        return 422, "the body must be a JSON object, such as {\"claim\": \"...\"}"
    if kind == "extra_forbidden":
        return 422, f"unknown field {_where(loc)!r}: see /docs for the fields this route takes"
    if kind == "missing":
        return 422, f"the field {_where(loc)!r} is missing: see /docs for the fields this route takes"
    return 422, f"{_where(loc) or 'body'}: {first.get('msg', 'invalid')}"


def claims_problem(claims: list[str], limits: ServeLimits) -> str | None:
    """Why ``claims`` cannot be checked (None when they can): none, too many, one empty or too long."""
    if not claims:
        return "no claim: give \"claim\": \"...\" or \"claims\": [\"...\", ...]"
    if len(claims) > limits.max_claims:
        return f"{len(claims)} claims in one request, over the limit of {limits.max_claims}: send them in several requests"
    for i, claim in enumerate(claims):
        where = "claim" if len(claims) == 1 else f"claims[{i}]"
        if not claim.strip():
            return f"{where} is empty: give the text of the claim to check"
        if len(claim) > limits.max_claim_chars:
            return f"{where} is {len(claim)} characters long, over the limit of {limits.max_claim_chars}: check a long text with /check-document"
    return None


def text_problem(text: str, limits: ServeLimits) -> str | None:
    if not text.strip():
        return "empty text: give the text to check"
    if len(text) > limits.max_text_chars:
        return f"the text is {len(text)} characters long, over the limit of {limits.max_text_chars}: split it into parts"
    return None


def create_app(checker: FactChecker, config: ServeConfig | None = None) -> FastAPI:
    """The application over ``checker`` (already opened: the models are loaded once, by the caller)."""
    config = config or ServeConfig()
    limits = config.limits
    worker = CheckWorker(checker, max_batch=config.max_batch, gather_seconds=config.gather_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker.start()
        yield
        worker.stop()

    app = FastAPI(
        title="factcheck",
        version=__version__,
        summary="Check claims against your own documents: supported, disputed or unverified, with the passages that decided it.",
        lifespan=lifespan,
    )
    app.state.worker = worker
    app.add_middleware(_Guard, token=config.token, max_body_bytes=limits.max_body_bytes)
    if config.allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts))
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, detail = _validation_message(exc)
        return JSONResponse({"detail": detail}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if exc.status_code == 400 and detail == "There was an error parsing the body":  # FastAPI's, for a body json cannot read
            detail = "the body could not be read as JSON (not UTF-8, or nested too deep): send a UTF-8 JSON object such as {\"claim\": \"...\"}"
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(FactcheckError)
    async def _factcheck_error(request: Request, exc: FactcheckError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}: {exc}): see the server's log"}, status_code=500)

    @app.get("/healthz", summary="Liveness: answers at once, even while a long request is being checked (no token needed).")
    async def healthz() -> dict:
        return {"status": "ok", "version": __version__, "queued": worker.queued, **asdict(worker.stats)}

    @app.get("/info", summary="What the index holds and how it was built (factcheck info --json), and this server's limits.")
    async def info() -> dict:
        assert checker.index is not None
        return {**checker.index.manifest, "limits": asdict(limits)}

    @app.post("/check", summary="Check one claim (the answer: its verdict) or a list (the answer: {\"verdicts\": [...]}).")
    async def check(request: CheckRequest) -> dict:
        if (request.claim is None) == (request.claims is None):
            raise HTTPException(422, "give either \"claim\": \"...\" or \"claims\": [\"...\", ...], not both and not neither")
        claims = [request.claim] if request.claim is not None else list(request.claims or [])
        problem = claims_problem(claims, limits)
        if problem:
            raise HTTPException(422, problem)
        verdicts = await worker.check(claims)
        return verdicts[0] if request.claim is not None else {"verdicts": verdicts}

    @app.post("/check-document", summary="Check a whole text: its statements of fact, each checked and located (factcheck check --doc --json).")
    async def check_document(request: DocumentRequest) -> dict:
        problem = text_problem(request.text, limits)
        if problem:
            raise HTTPException(422, problem)
        return await worker.check_text(request.text)

    def _page(status: int = 200, **fields: str) -> HTMLResponse:
        return HTMLResponse(page(index=config.index_name, limits=asdict(limits), **fields), status_code=status)

    @app.get("/", include_in_schema=False)
    async def home() -> HTMLResponse:
        return _page()

    @app.post("/", include_in_schema=False)
    async def home_post(request: Request) -> HTMLResponse:
        """The page's form, posted (with JavaScript off, or by page.js): the page again, with the result."""
        try:
            form = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return _page(400, error="the form is not UTF-8 text")
        mode = (form.get("mode") or ["claim"])[0]
        claim, text = (form.get("claim") or [""])[0], (form.get("text") or [""])[0]
        problem = text_problem(text, limits) if mode == "text" else claims_problem([claim], limits)
        if problem:
            return _page(422, mode=mode, claim=claim, text=text, error=problem)
        try:
            if mode == "text":
                result = report_html(await worker.check_text(text), text)
            else:
                result = verdict_html((await worker.check([claim]))[0])
        except FactcheckError as exc:
            return _page(422, mode=mode, claim=claim, text=text, error=str(exc))
        return _page(mode=mode, claim=claim, text=text, result=result)

    return app
