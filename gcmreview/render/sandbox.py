"""The sandbox every document template renders in, and the bounds on its time, memory and output.

Stage: render (templates). A workspace's ``templates/`` may hold its own
``submission.html.j2``, ``bilingual.html.j2``, ``_macros.j2`` or ``report.html.j2``:
text a facilitator wrote, run at build time. :class:`TemplateSandbox` runs every
template (the packaged ones too) in Jinja's immutable sandbox, narrowed further: a
template reads the data it is given, and calls only Jinja's own helpers, the
renderer's (the globals, filters and tests an environment registers), the methods of
the renderer's view objects (``gcmreview.render``, the translator) and of plain values
(strings, numbers, dates, lists, dicts); never a class, a module, a function found in
the data or a method of another library (a pydantic model's ``parse_file`` reads a
file). ``range()`` stops at 100,000 numbers, and ``*`` and ``**`` refuse results
that would take gigabytes or minutes.

:func:`bounded` renders in a forked child process (where ``os.fork`` exists), with an
address-space ceiling (:data:`MEMORY`) and an alarm after :attr:`Limits.seconds`, so a
template that loops forever or builds gigabytes stops with a clear message naming the
template and its line (the child's exception, raised here) rather than taking the
machine; a child that does not stop is killed. :class:`Pending` starts such a render
and lets the caller go on, so that several (the report's pages, the PDFs' pages)
render side by side (:func:`collect`).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import math
import os
import pickle
import select
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import FrameType, ModuleType
from typing import Any, Generic, TypeVar

from jinja2.exceptions import SecurityError
from jinja2.runtime import BlockReference, Context, LoopContext, Macro, TemplateReference
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from markupsafe import Markup

from ..errors import GcmReviewError

__all__ = ["MAX_ITEMS", "MEMORY", "Limits", "Pending", "RenderTimeout", "TemplateSandbox", "bounded", "collect"]

R = TypeVar("R")
T_co = TypeVar("T_co", covariant=True)

MAX_ITEMS = 10_000_000
"""Most characters or items ``*`` may make (a rendered page of the largest review has a few million characters)."""
MAX_POWER_BITS = 100_000
"""Largest result of ``**``, in bits (about 30,000 digits)."""
MEMORY = 1 << 30
"""Most memory a render may take beyond what its process held when it started."""
_VALUES = (str, int, float, complex, bool, bytes, tuple, list, dict, set, frozenset, dt.date, dt.time, dt.timedelta, type(None))
"""Plain values whose own methods a template may call (the sandbox keeps lists and dicts unchanged)."""
_JINJA = (LoopContext, Cycler, Joiner, Namespace, Macro, BlockReference, TemplateReference)
"""Jinja's own objects a template may call or call methods of (``loop.cycle``, ``caller()``, ``super()``)."""
_OURS = ("gcmreview.render.", "gcmreview.i18n")
"""Modules whose view objects' methods a template may call."""


class RenderTimeout(Exception):
    """The render took longer than its :class:`Limits` allow (raised inside it, where it was)."""


@dataclass(frozen=True)
class Limits:
    """How long a render may take and how much text it may produce."""

    seconds: float
    characters: int


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, calling only what the renderer gives the templates."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals.pop("lipsum", None)  # filler text of any length: nothing a form needs

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(value, ModuleType) or (isinstance(value, type) and not isinstance(obj, Namespace)):
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def is_safe_callable(self, obj: Any) -> bool:
        if not super().is_safe_callable(obj):
            return False
        if isinstance(obj, _JINJA) or _registered(self, obj):
            return True
        if isinstance(obj, type | ModuleType):
            return False
        owner = getattr(obj, "__self__", None)
        if owner is not None and not isinstance(owner, type | ModuleType):
            if isinstance(owner, (*_VALUES, *_JINJA)):
                return True
            return _is_ours(getattr(getattr(obj, "__func__", None), "__module__", None))
        wrapped = getattr(obj, "__wrapped__", None)  # the sandbox's own wrapper of str.format
        if wrapped is not None and isinstance(getattr(wrapped, "__self__", None), str):
            return getattr(obj, "__module__", None) in ("jinja2.sandbox", None) or _is_ours(getattr(obj, "__module__", None))
        module = getattr(obj, "__module__", None) if callable(obj) and hasattr(obj, "__code__") else type(obj).__module__
        return _is_ours(module)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        elif operator == "**" and _power_bits(left, right) > MAX_POWER_BITS:
            raise SecurityError(f"{left} ** {right} is a number too large for a template")
        return super().call_binop(context, operator, left, right)


def _registered(env: TemplateSandbox, obj: Any) -> bool:
    """Whether ``obj`` is one of the environment's globals, filters or tests."""
    return any(obj is value for table in (env.globals, env.filters, env.tests) for value in table.values())


def _is_ours(module: object) -> bool:
    return isinstance(module, str) and module.startswith(_OURS)


def _power_bits(base: Any, exponent: Any) -> float:
    """About how many bits ``base ** exponent`` has (0 unless both are integers and it grows)."""
    if not (isinstance(base, int) and isinstance(exponent, int)) or abs(base) <= 1 or exponent <= 0:
        return 0.0
    return exponent * math.log2(abs(base))


def _check_repeat(sequence: Any, times: Any) -> None:
    if isinstance(sequence, str | bytes | list | tuple | Markup) and isinstance(times, int) and len(sequence) * times > MAX_ITEMS:
        raise SecurityError(f"repeating {len(sequence):,} item(s) {times:,} times makes more than {MAX_ITEMS:,}")


# ---------------------------------------------------------------- bounds


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """RenderTimeout raised where the render is once ``seconds`` have passed (main thread only)."""
    def ring(signum: int, frame: FrameType | None) -> None:
        raise RenderTimeout(f"took longer than {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _memory_ceiling() -> None:
    """Limit this process's address space to what it uses now plus :data:`MEMORY` (Linux; elsewhere nothing)."""
    import resource

    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = used + MEMORY
    if hard == resource.RLIM_INFINITY or ceiling < hard:
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def bounded(call: Callable[[], R], limits: Limits, on_kill: Callable[[], Exception]) -> R:
    """``call()``'s result, computed in a forked child process within ``limits`` and :data:`MEMORY`.

    The child's exception is raised here; ``on_kill()`` is raised if the child had to be
    killed (it did not stop at its alarm) or died. Without ``os.fork``, ``call`` runs
    here, bounded by the sandbox only.
    """
    return Pending(call, limits, on_kill).result()


class Pending(Generic[T_co]):
    """:func:`bounded` begun: ``call`` runs in its child process from now on, while this one goes on; :meth:`result`
    waits for it. Several at once run side by side (:func:`collect`)."""

    def __init__(self, call: Callable[[], T_co], limits: Limits, on_kill: Callable[[], Exception]) -> None:
        self._call, self._on_kill = call, on_kill
        self._pid: int | None = None
        if not hasattr(os, "fork"):
            return
        reader, writer = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, leave without running the parent's exit handlers
            os.close(reader)
            _die_with_parent(parent)
            _child(call, limits, writer)
        os.close(writer)
        self._pid, self._reader = pid, reader
        self._deadline = time.monotonic() + limits.seconds + 10

    def result(self) -> T_co:
        """The call's result (its exception raised here); once only."""
        if self._pid is None:
            return self._call()
        data: bytes | None = None
        try:
            data = _receive(self._reader, self._deadline)
        finally:
            self._end(killed=data is None)
        if data is None:
            raise self._on_kill()
        ok, value = pickle.loads(data)
        if ok:
            return value  # type: ignore[no-any-return]
        raise value

    def abandon(self) -> None:
        """Stop the child without waiting for its result."""
        if self._pid is not None:
            self._end(killed=True)

    def _end(self, *, killed: bool) -> None:
        assert self._pid is not None
        os.close(self._reader)
        if killed:
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        self._pid = None
        self._call = _done


def _done() -> Any:
    raise RuntimeError("a pending render's result was asked for twice")


def collect(pending: Sequence[Pending[R]]) -> list[R | GcmReviewError]:
    """Each one's result, or the GcmReviewError it raised; another exception is raised at once, the others stopped."""
    out: list[R | GcmReviewError] = []
    try:
        for one in pending:
            try:
                out.append(one.result())
            except GcmReviewError as exc:
                out.append(exc)
    except BaseException:
        for one in pending[len(out) + 1:]:
            one.abandon()
        raise
    return out


def _die_with_parent(parent: int) -> None:
    """End this child when the process that forked it ends (Linux's PR_SET_PDEATHSIG), so no render outlives a stopped build."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _child(call: Callable[[], Any], limits: Limits, writer: int) -> None:
    """Run ``call`` bounded, send ``(ok, result or exception)`` to the parent and exit."""
    try:
        try:
            _memory_ceiling()
            with alarm(limits.seconds):
                data = pickle.dumps((True, call()))
        except BaseException as exc:  # everything, even an alarm or exit, goes back to the parent
            if not isinstance(exc, GcmReviewError):  # a bug: its traceback in the child goes along
                exc.add_note("In the render process:\n" + "".join(traceback.format_exception(exc)))
            try:
                data = pickle.dumps((False, exc))
            except Exception:
                data = pickle.dumps((False, RuntimeError("".join(traceback.format_exception(exc)))))
        with os.fdopen(writer, "wb") as out:
            out.write(data)
    finally:
        os._exit(0)


def _receive(reader: int, deadline: float) -> bytes | None:
    """Everything the child sends, or None if it sends nothing complete before ``deadline``."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()  # what a child sent before its deadline is read even after it
        if not select.select([reader], [], [], max(left, 0))[0]:
            return None
        chunk = os.read(reader, 1 << 20)
        if not chunk:
            return b"".join(chunks) or None
        chunks.append(chunk)
