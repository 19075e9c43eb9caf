"""Where document templates are found: the workspace's ``templates/`` first, then the packaged ones.

A facilitator restyles the output by copying a packaged template (e.g. ``base.docx``
or ``submission.css``) into the workspace's ``templates/`` folder and editing it.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..errors import Code, Diagnostic, GcmReviewError, Location

__all__ = ["find_template", "jinja_environment", "packaged_templates", "template_dirs"]


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


def find_template(name: str, workspace: Path | None) -> Path:
    """The first template called ``name``; GcmReviewError if none exists."""
    for folder in template_dirs(workspace):
        if (folder / name).is_file():
            return folder / name
    hint = "Reinstall gcmreview or copy the file from the packaged templates/ folder."
    raise GcmReviewError([Diagnostic.make(Code.FILE_NOT_FOUND, Location(file=f"templates/{name}"), what=f"Template {name}", hint=hint)])


def jinja_environment(workspace: Path | None) -> Environment:
    """A Jinja environment over the template folders (workspace's first), escaping every value."""
    return Environment(
        loader=FileSystemLoader([str(d) for d in template_dirs(workspace)]),
        autoescape=True,  # explicitly: select_autoescape() would not cover .j2 names
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
