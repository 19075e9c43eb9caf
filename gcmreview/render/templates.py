"""Where document templates are found: the workspace's ``templates/`` first, then the packaged ones;
and how they are filled.

A facilitator restyles the output by copying a packaged template (e.g. ``base.docx``
or ``submission.css``) into the workspace's ``templates/`` folder and editing it.
:func:`jinja_environment` loads templates into the sandbox of :mod:`.sandbox`, never
through a link to a file outside the template folders; :func:`fill` renders one within
:class:`~.sandbox.Limits`, in a child process, and turns whatever goes wrong in a
template (its syntax, a name it does not have, something the sandbox refuses, a loop
that does not end) into a GcmReviewError naming the template and its line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.exceptions import SecurityError

from ..errors import Code, Diagnostic, GcmReviewError, Location
from .sandbox import MEMORY, Limits, Pending, RenderTimeout, TemplateSandbox

__all__ = ["fill", "find_template", "jinja_environment", "limits_for", "packaged_templates", "start_fill", "template_dirs"]

R = TypeVar("R")

SECONDS, SECONDS_PER_MB = 10.0, 5.0
"""A render may take 10 s, plus 5 s for every million characters of the data it shows."""
CHARACTERS, CHARACTERS_PER_CHARACTER = 4_000_000, 4
"""A render may write 4 million characters, plus 4 for every character of the data it shows."""


def packaged_templates() -> Path:
    """The templates shipped with gcmreview (the repository's templates/ folder).

    Installed, they are the data folder ``gcmreview/templates``; in a source tree
    (editable install or PYTHONPATH) they are the repository's ``templates/``.
    """
    package = Path(__file__).resolve().parents[1]
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


def template_dirs(workspace: Path | None) -> list[Path]:
    """Folders searched for templates, the workspace's own first."""
    dirs = []
    if workspace is not None and (workspace / "templates").is_dir():
        dirs.append((workspace / "templates").resolve())
    packaged = packaged_templates().resolve()
    if packaged not in dirs:
        dirs.append(packaged)
    return dirs


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is a file in ``folder`` itself, not reached through a link to elsewhere."""
    return path.is_file() and path.resolve().is_relative_to(folder)


def find_template(name: str, workspace: Path | None) -> Path:
    """The first template called ``name``; GcmReviewError if none exists.

    A file in a workspace's ``templates/`` that links to a file elsewhere is not used.
    """
    for folder in template_dirs(workspace):
        if _inside(folder / name, folder):
            return folder / name
    hint = "Reinstall gcmreview or copy the file from the packaged templates/ folder."
    raise GcmReviewError([Diagnostic.make(Code.FILE_NOT_FOUND, Location(file=f"templates/{name}"), what=f"Template {name}", hint=hint)])


class _Folder(FileSystemLoader):
    """Templates from one folder, never through a link to a file outside it."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(Path(self.searchpath[0])):
            raise TemplateNotFound(template)
        return source, filename, uptodate


def _folders(env: Environment) -> list[Path]:
    """The template folders of an environment made by :func:`jinja_environment`."""
    loader = env.loader
    return [Path(d) for one in loader.loaders for d in getattr(one, "searchpath", ())] if isinstance(loader, ChoiceLoader) else []


def jinja_environment(workspace: Path | None) -> Environment:
    """A sandboxed Jinja environment over the template folders (workspace's first), escaping every value."""
    return TemplateSandbox(
        loader=ChoiceLoader([_Folder(str(d)) for d in template_dirs(workspace)]),
        autoescape=True,  # explicitly: select_autoescape() would not cover .j2 names
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def limits_for(data_characters: int) -> Limits:
    """How long a render of data holding ``data_characters`` characters may take and how much it may write."""
    return Limits(SECONDS + SECONDS_PER_MB * data_characters / 1e6, CHARACTERS + CHARACTERS_PER_CHARACTER * data_characters)


def fill(env: Environment, name: str, limits: Limits, context: dict[str, Any], then: Callable[[str], R]) -> R:
    """``then(text)`` of template ``name`` filled with ``context``, in a child process within ``limits``.

    ``then`` runs in the child too, so it sees what rendering changed in the context's
    objects (e.g. footnotes counted). Every fault of a template is a GcmReviewError
    naming it and its line.
    """
    return start_fill(env, name, limits, context, then).result()


def start_fill(env: Environment, name: str, limits: Limits, context: dict[str, Any], then: Callable[[str], R]) -> Pending[R]:
    """:func:`fill` begun in its child process: its result (or fault) from :meth:`~.sandbox.Pending.result`."""
    def render() -> R:
        return then(_render(env, name, limits, context))

    def killed() -> Exception:
        detail = f"did not stop within {limits.seconds:.0f} s"
        return GcmReviewError([Diagnostic.make(Code.TEMPLATE_TOO_LARGE, Location(file=f"templates/{name}"), detail=detail)])

    return Pending(render, limits, killed)


def _render(env: Environment, name: str, limits: Limits, context: dict[str, Any]) -> str:
    try:
        template = env.get_template(name)
        out: list[str] = []
        size = 0
        chunks = template.generate(context)
        for chunk in chunks:
            size += len(chunk)
            if size > limits.characters:
                where = _writing(env, chunks) or Location(file=f"templates/{name}")
                detail = f"writes more than {limits.characters:,} characters"
                raise GcmReviewError([Diagnostic.make(Code.TEMPLATE_TOO_LARGE, where, detail=detail)])
            out.append(chunk)
        return "".join(out)
    except GcmReviewError:
        raise
    except TemplateSyntaxError as exc:
        found = _where(env, exc.filename, exc.lineno)
        where = found[0] if found else Location(file=f"templates/{name}")
        raise GcmReviewError([Diagnostic.make(Code.TEMPLATE_ERROR, where, detail=(exc.message or "syntax error").rstrip("."))]) from None
    except BaseException as exc:  # a template's fault (even running out of memory) becomes a message
        diagnostic = _fault(env, name, exc)
        if diagnostic is None:
            raise
        raise GcmReviewError([diagnostic]) from None


def _fault(env: Environment, name: str, exc: BaseException) -> Diagnostic | None:
    """The diagnostic for an exception raised while filling template ``name``; None if it is not the template's fault."""
    frames = _template_frames(env, exc.__traceback__)
    own = [where for where, workspace in frames if workspace]
    where = own[-1] if own else frames[-1][0] if frames else Location(file=f"templates/{name}")
    if isinstance(exc, RenderTimeout):
        return Diagnostic.make(Code.TEMPLATE_TOO_LARGE, where, detail=str(exc))
    if isinstance(exc, MemoryError):
        return Diagnostic.make(Code.TEMPLATE_TOO_LARGE, where, detail=f"needs more than {MEMORY >> 20:,} MB of memory")
    if isinstance(exc, RecursionError):
        return Diagnostic.make(Code.TEMPLATE_TOO_LARGE, where, detail="calls macros within each other too deeply")
    if isinstance(exc, SecurityError) or (isinstance(exc, OverflowError) and "sandbox" in str(exc)):
        return Diagnostic.make(Code.TEMPLATE_UNSAFE, where, detail=str(exc).rstrip("."))
    if isinstance(exc, TemplateError):
        return Diagnostic.make(Code.TEMPLATE_ERROR, where, detail=str(exc).rstrip("."))
    if isinstance(exc, Exception) and own:  # e.g. a TypeError from a helper the workspace's template called wrongly
        return Diagnostic.make(Code.TEMPLATE_ERROR, where, detail=f"{type(exc).__name__}: {str(exc).rstrip('.')}")
    return None  # a fault of gcmreview's own templates or code: a bug, raised as it is


def _writing(env: Environment, chunks: Iterator[str]) -> Location | None:
    """The template line a suspended render is writing at (the innermost template being filled)."""
    found: Location | None = None
    generator: Any = chunks
    while generator is not None:
        frame = generator.gi_frame
        known = _where(env, frame.f_code.co_filename, None) if frame is not None else None
        if known is not None:
            line = env.get_template(known[0].file.removeprefix("templates/")).get_corresponding_lineno(frame.f_lineno)
            found = Location(file=known[0].file, key=f"line {line}")
        generator = getattr(generator, "gi_yieldfrom", None)
    return found


def _where(env: Environment, filename: str | None, line: int | None) -> tuple[Location, bool] | None:
    """``templates/NAME, line N`` for a file of the template folders, and whether it is the workspace's; else None."""
    if not filename:
        return None
    path = Path(filename).resolve()
    home = next((d for d in _folders(env) if path.is_relative_to(d)), None)
    if home is None:
        return None
    where = Location(file=f"templates/{path.relative_to(home).as_posix()}", key=f"line {line}" if line else "")
    return where, home != packaged_templates().resolve()


def _template_frames(env: Environment, tb: TracebackType | None) -> list[tuple[Location, bool]]:
    """Where the traceback runs through template files (and whether each is the workspace's), outermost first."""
    found: list[tuple[Location, bool]] = []
    while tb is not None:
        where = _where(env, tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        if where is not None:
            found.append(where)
        tb = tb.tb_next
    return found
