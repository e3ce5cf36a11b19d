"""Batch checking on Ray: claims flow through Ray Data's ``map_batches``; each worker (an actor of
:class:`CheckClaims`) loads the models and opens the index once, then checks batch after batch.

On a cluster every node needs factcheck installed and the index reachable: a Milvus index (any node can query
it) or a FAISS index directory on a shared filesystem. The verdicts are the same JSON as a local batch.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Progress
from ..errors import FactcheckError
from ..index import SearchFilter
from ..pipeline import FactChecker
from ..settings import WORKER_ENV


@dataclass(frozen=True)
class CheckerSpec:
    """What a worker needs to open its own checker (plain values, shipped to every worker)."""

    #: a FAISS index directory or a Milvus index name; None for the bundled demo corpus.
    index: str | None = None
    backend: str | None = None
    uri: str | None = None
    embedder: str | None = None
    verifier: str | None = None
    top_k: int | None = None
    judge_below_gate: bool = False
    where: SearchFilter | None = None
    #: ``auto``, ``dense``, ``lexical`` or ``hybrid`` (see :class:`factcheck.CheckConfig`).
    retrieval: str = "auto"

    def open(self) -> FactChecker:
        if self.index is None:
            checker = FactChecker.demo(verifier=self.verifier, backend=self.backend, uri=self.uri)
        else:
            checker = FactChecker.open(self.index, embedder=self.embedder, verifier=self.verifier, backend=self.backend, uri=self.uri)
        if self.top_k is not None:
            checker = checker.with_config(top_k=self.top_k)
        if self.judge_below_gate:
            checker = checker.with_config(judge_below_gate=True)
        if self.retrieval != "auto":
            checker = checker.with_config(retrieval=self.retrieval)
        return checker.with_filter(self.where) if self.where else checker


class CheckClaims:
    """The callable class given to ``map_batches``: one checker per worker, kept for all its batches."""

    def __init__(self, spec: CheckerSpec) -> None:
        self.checker = spec.open()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        claims = [str(c) for c in batch["claim"]]
        verdicts = self.checker.check_many(claims, batch_size=len(claims))
        return {"row": [int(r) for r in batch["row"]], "verdict": [json.dumps(v.to_dict(), ensure_ascii=False) for v in verdicts]}


def check_on_ray(
    claims: Sequence[str],
    spec: CheckerSpec,
    *,
    address: str | None = None,
    workers: int | None = None,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> list[dict]:
    """Check ``claims`` on a Ray cluster (``address``; None starts a local one) and return each claim's verdict
    as the dict :meth:`Verdict.to_dict` gives, in the order of ``claims``; ``progress`` gets ("checking claims on
    Ray", done, total)."""
    try:
        import ray
    except ImportError:
        raise FactcheckError("--ray needs Ray Data: pip install 'factcheck[ray]'") from None
    if not claims:
        return []
    started_here = not ray.is_initialized()
    if started_here:
        env = {k: os.environ[k] for k in WORKER_ENV if k in os.environ}
        local: dict[str, Any] = {} if address else {"num_cpus": os.cpu_count() or 1, "object_store_memory": 256 * 1024**2}
        try:
            ray.init(
                address=address,
                include_dashboard=False,
                logging_level=logging.ERROR,
                log_to_driver=False,
                runtime_env={"env_vars": env} if env else None,
                **local,
            )
        except Exception as exc:
            where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
            raise FactcheckError(f"cannot start or reach {where}: {' '.join(str(exc).split())[:300]} (check --ray-address)") from None
    try:
        from ray.data import DataContext

        for name in ("ray", "ray.data"):
            logging.getLogger(name).setLevel(logging.ERROR)  # Ray's own notices would bury the progress bar
        context = DataContext.get_current()
        context.enable_progress_bars = False  # the caller shows one bar for the whole run
        context.print_on_execution_start = False
        if workers is None:
            workers = max(1, min(int(ray.cluster_resources().get("CPU", 1)), -(-len(claims) // batch_size)))
        data = ray.data.from_items([{"row": i, "claim": c} for i, c in enumerate(claims)])
        verdicts = data.map_batches(
            CheckClaims, fn_constructor_args=(spec,), batch_size=batch_size, compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1
        )
        results: list[dict | None] = [None] * len(claims)
        done = 0
        try:
            for batch in verdicts.iter_batches(batch_size=None, batch_format="numpy"):
                for row, verdict in zip(batch["row"], batch["verdict"]):
                    results[int(row)] = json.loads(verdict)
                done += len(batch["row"])
                if progress:
                    progress("checking claims on Ray", done, len(claims))
        except Exception as exc:
            raise _user_error(exc) from None
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            raise FactcheckError(f"the Ray run returned no verdict for claim {missing[0] + 1}: rerun it")
        return results  # type: ignore[return-value]
    finally:
        if started_here:
            ray.shutdown()


def _user_error(exc: BaseException) -> FactcheckError:
    """The FactcheckError a worker raised (Ray wraps it), or a one-line error for any other failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, FactcheckError):
            return current
        for attr in ("cause", "__cause__", "__context__"):
            nxt = getattr(current, attr, None)
            if isinstance(nxt, BaseException):
                current = nxt
                break
        else:
            current = None
    text = str(exc).strip().splitlines()
    message = next((line for line in reversed(text) if line.strip()), type(exc).__name__)
    return FactcheckError(f"the Ray run failed: {' '.join(message.split())[:300]}")
