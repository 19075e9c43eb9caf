"""The one process pool: independent work spread over every core, in forked worker processes.

Stage: pipeline support, used to read workbooks and to render documents. Workers are
forked, so they start with what the parent has loaded (the survey, the fonts' caches)
and ``initializer`` can set up per-process state (render tuning) that never reaches the
parent process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TypeVar

__all__ = ["cores", "in_workers"]

R = TypeVar("R")


def cores() -> int:
    """How many processes can run at once on this machine."""
    return os.cpu_count() or 1


def in_workers(calls: Sequence[Callable[[], R]], *, initializer: Callable[[], None] | None = None,
               in_order: bool = False) -> Iterator[tuple[int, R]]:
    """Run each call in a worker process (as many as cores, at most one per call).

    Yields ``(index, result)`` as each call finishes, or in the order of ``calls`` with
    ``in_order``. A call's exception is raised here. The calls and their results cross
    process boundaries, so they must pickle (module-level functions, ``functools.partial``).
    """
    if not calls:
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(len(calls), cores()), mp_context=context, initializer=initializer) as pool:
        futures: dict[Future[R], int] = {pool.submit(call): index for index, call in enumerate(calls)}
        finished = list(futures) if in_order else as_completed(futures)
        for future in finished:
            yield futures[future], future.result()
