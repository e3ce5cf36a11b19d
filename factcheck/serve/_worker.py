"""The one thread that owns the checker: requests are queued, and whatever has queued up while it was busy is
drained into one batch (claims of several requests verified together, as ``check --file`` verifies its batches).

The models are not thread-safe to share and gain from batching, so a single worker thread does all the checking;
the event loop only waits on :class:`asyncio.Future` objects, so ``/healthz`` never waits behind a long request.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..pipeline import FactChecker


@dataclass
class _Job:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    claims: list[str] = field(default_factory=list)
    #: a whole text to check (``check_text``), or None for a job of claims.
    text: str | None = None


@dataclass
class WorkerStats:
    """What the worker has done so far (reported by ``/healthz``)."""

    #: claims (or texts) in the batch being checked now (0: idle).
    checking: int = 0
    requests: int = 0
    claims: int = 0
    batches: int = 0
    largest_batch: int = 0
    busy_seconds: float = 0.0


_STOP = object()


class CheckWorker:
    """Checks claims and texts with ``checker`` on its own thread; ``await worker.check(claims)`` from the loop."""

    def __init__(self, checker: FactChecker, *, max_batch: int = 64, gather_seconds: float = 0.02) -> None:
        self.checker = checker
        self.max_batch = max_batch
        self.gather_seconds = gather_seconds
        self.stats = WorkerStats()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._held: _Job | None = None  # a job drained that did not fit in the last batch
        self._thread = threading.Thread(target=self._run, name="factcheck-checker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    async def check(self, claims: Sequence[str]) -> list[dict]:
        """The verdicts of ``claims`` (each as ``Verdict.to_dict()``), checked in a batch with whatever else is queued."""
        loop = asyncio.get_running_loop()
        job = _Job(loop, loop.create_future(), claims=list(claims))
        self._queue.put(job)
        return await job.future

    async def check_text(self, text: str) -> dict:
        """``FactChecker.check_text(text).to_dict()``."""
        loop = asyncio.get_running_loop()
        job = _Job(loop, loop.create_future(), text=text)
        self._queue.put(job)
        return await job.future

    # -- the worker thread ---------------------------------------------------------------------

    def _run(self) -> None:
        with warnings.catch_warnings():
            # the notes warned about are in each verdict's "warnings" already
            warnings.simplefilter("ignore")
            while True:
                first = self._held if self._held is not None else self._queue.get()
                self._held = None
                if first is _STOP:
                    return
                started = time.perf_counter()
                if first.text is not None:
                    self.stats.checking = 1
                    self._run_text(first)
                else:
                    jobs = self._drain(first)
                    self.stats.checking = sum(len(job.claims) for job in jobs)
                    self._run_claims(jobs)
                self.stats.checking = 0
                self.stats.busy_seconds += time.perf_counter() - started

    def _drain(self, first: _Job) -> list[_Job]:
        """``first`` and the claim jobs queued behind it, up to ``max_batch`` claims (a job is never split). Jobs
        still arriving are waited for while each comes within ``gather_seconds`` of the last: clients answered by
        the same batch send their next requests a few milliseconds apart, and without the wait the first of them
        would start a batch of one while the others queue behind it. The waits stop after five of them in all."""
        jobs, size = [first], len(first.claims)
        until = time.monotonic() + 5 * self.gather_seconds  # never more than five waits in all
        while size < self.max_batch:
            wait = min(self.gather_seconds, until - time.monotonic())
            try:
                job = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP or job.text is not None or size + len(job.claims) > self.max_batch:
                self._held = job
                break
            jobs.append(job)
            size += len(job.claims)
        return jobs

    def _run_claims(self, jobs: list[_Job]) -> None:
        claims = [c for job in jobs for c in job.claims]
        try:
            verdicts = [v.to_dict() for v in self.checker.check_many(claims, batch_size=max(len(claims), 1))]
        except Exception as exc:  # one request's failure must not fail the others batched with it
            if len(jobs) == 1:
                _resolve(jobs[0], error=exc)
            else:
                for job in jobs:
                    self._run_claims([job])
            return
        self.stats.requests += len(jobs)
        self.stats.claims += len(claims)
        self.stats.batches += 1
        self.stats.largest_batch = max(self.stats.largest_batch, len(claims))
        for job in jobs:
            _resolve(job, result=verdicts[: len(job.claims)])
            verdicts = verdicts[len(job.claims) :]

    def _run_text(self, job: _Job) -> None:
        try:
            report = self.checker.check_text(job.text or "").to_dict()
        except Exception as exc:  # handed to the request, which answers it
            _resolve(job, error=exc)
            return
        self.stats.requests += 1
        self.stats.claims += len(report["claims"])
        self.stats.batches += 1
        _resolve(job, result=report)


def _resolve(job: _Job, *, result: object = None, error: BaseException | None = None) -> None:
    def settle() -> None:
        if job.future.done():  # the client went away and the request was cancelled
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(result)

    job.loop.call_soon_threadsafe(settle)
