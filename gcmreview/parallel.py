"""The one process pool: independent work spread over every core, in forked worker processes.

Stage: pipeline support, used to read workbooks and to render documents. Workers are
forked, so they start with what the parent has loaded (the survey, the fonts' caches)
and ``initializer`` can set up per-process state (render tuning) that never reaches the
parent process. Workers ignore Ctrl+C (SIGINT): the main process alone stops, and
stops them with it (:func:`in_workers`), so an interrupted command prints one line.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from functools import partial
from typing import TypeVar

__all__ = ["cores", "in_workers"]

R = TypeVar("R")


def cores() -> int:
    """How many processes can run at once on this machine."""
    return os.cpu_count() or 1


def _start_worker(initializer: Callable[[], None] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches every process of the terminal; the main one decides
    if initializer is not None:
        initializer()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the pool at once: pending calls cancelled, running workers terminated (not waited for)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def in_workers(calls: Sequence[Callable[[], R]], *, initializer: Callable[[], None] | None = None,
               in_order: bool = False) -> Iterator[tuple[int, R]]:
    """Run each call in a worker process (as many as cores, at most one per call).

    Yields ``(index, result)`` as each call finishes, or in the order of ``calls`` with
    ``in_order``. A call's exception is raised here. The calls and their results cross
    process boundaries, so they must pickle (module-level functions, ``functools.partial``).
    Interrupted (Ctrl+C) or abandoned, the pool is stopped at once.
    """
    if not calls:
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=min(len(calls), cores()), mp_context=context,
                               initializer=partial(_start_worker, initializer))
    try:
        futures: dict[Future[R], int] = {pool.submit(call): index for index, call in enumerate(calls)}
        finished = list(futures) if in_order else as_completed(futures)
        for future in finished:
            yield futures[future], future.result()
    except BaseException:  # KeyboardInterrupt, a call's exception, or the caller closing the generator
        _stop(pool)
        raise
    pool.shutdown()
