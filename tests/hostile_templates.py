"""Generators of hostile files in a workspace's ``templates/`` folder, for tests/test_hostile_templates.py.

Each writes one file into ``WORKSPACE/templates/`` in well under a second: a template that runs a
program (Jinja's way out to Python: ``cycler.__init__.__globals__.os``) and others that reach for
what a template is not given (:data:`ESCAPES`); a template with a syntax error, or naming what its
data does not have; one that loops forever, writes gigabytes, takes gigabytes of memory in one
filter, or calls its macros without end; a ``submission.css`` that fetches a stylesheet and a font
from the network and pictures from files outside the workspace; a ``base.docx`` that links to an
attached template on the network, a picture in a local file and a web page.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from hostile import rewrite_parts

from gcmreview.render.templates import packaged_templates

__all__ = [
    "ESCAPES", "code_running_template", "deep_recursion", "endless_loop", "fetching_stylesheet", "gigabytes",
    "linked_base_docx", "memory_bomb", "syntax_error", "template", "undefined_name",
]

ESCAPES = {
    "globals-of-a-global": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "class-walk": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "format-string": "{{ '{0.__class__.__init__.__globals__}'.format(doc) }}",
    "pydantic-reads-a-file": "{{ facts.submission.parse_file('/etc/passwd') }}",
    "model-copy": "{{ facts.submission.model_copy() }}",
    "mutate-the-data": "{{ facts.contributors.append(1) }}",
    "class-from-data": "{{ facts.generated.__class__ }}",
    "method-of-a-type": "{{ facts.generated.fromisoformat('2020-01-01') }}",
    "huge-power": "{{ 10 ** 1000000 }}",
    "huge-repeat": "{{ 'x' * 10000000000 }}",
    "huge-range": "{% for i in range(10 ** 9) %}{% endfor %}",
}
"""report.html.j2 lines a sandbox must refuse, by name: each reaches for more than the data it is given."""


def template(workspace: Path, name: str, text: str) -> Path:
    """``text`` as the workspace's template ``name``."""
    folder = workspace / "templates"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def code_running_template(workspace: Path, proof: Path) -> Path:
    """A submission template whose line 3 runs a shell command creating ``proof`` (the finding, as sent)."""
    return template(workspace, "submission.html.j2",
                    f"<!DOCTYPE html>\n<p>{{{{ doc.country }}}}</p>\n{{{{ cycler.__init__.__globals__.os.popen('touch {proof}').read() }}}}\n")


def syntax_error(workspace: Path) -> Path:
    """A submission template with an expression left open on line 4."""
    return template(workspace, "submission.html.j2", "<!DOCTYPE html>\n{% for cluster in doc.clusters %}\n<h2>\n{{ cluster.title }\n</h2>\n{% endfor %}\n")


def undefined_name(workspace: Path) -> tuple[Path, int]:
    """The packaged macros (which both submission templates import) with their check box naming what a
    value does not have; and that line."""
    text = (packaged_templates() / "_macros.j2").read_text(encoding="utf-8")
    box = "{{ '☒' if checked else '☐' }}"
    assert text.count(box) == 1
    line = text[: text.index(box)].count("\n") + 1
    return template(workspace, "_macros.j2", text.replace(box, "{{ checked.nothing_here }}")), line


def endless_loop(workspace: Path) -> Path:
    """A report template whose loop on line 2 runs 10^10 times and writes nothing."""
    return template(workspace, "report.html.j2", "<!DOCTYPE html>\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n")


def gigabytes(workspace: Path) -> Path:
    """A bilingual template writing 100 characters 10^10 times (a terabyte) from line 3."""
    return template(workspace, "bilingual.html.j2", "<!DOCTYPE html>\n<p>\n{% for i in range(100000) %}{% for j in range(100000) %}"
                    + "x" * 100 + "{% endfor %}{% endfor %}\n")


def memory_bomb(workspace: Path) -> Path:
    """A bilingual template whose one filter on line 2 asks for a 4 GB string."""
    return template(workspace, "bilingual.html.j2", "<!DOCTYPE html>\n{{ left.country|center(4000000000) }}\n")


def deep_recursion(workspace: Path) -> Path:
    """A report template whose macro calls itself for ever."""
    return template(workspace, "report.html.j2", "{% macro again(n) %}{{ again(n + 1) }}{% endmacro %}\n{{ again(0) }}\n")


def fetching_stylesheet(workspace: Path, port: int, canary: Path) -> Path:
    """A submission.css importing a stylesheet and a font from 127.0.0.1:``port`` and pictures from ``canary``
    (as a file: URL and as a relative path that climbs out of the workspace)."""
    climb = "../" * (len(workspace.resolve().parts) + 1) + canary.resolve().as_posix().lstrip("/")
    css = (
        f"@import url(http://127.0.0.1:{port}/theme.css);\n"
        f"@font-face {{ font-family: Remote; src: url(http://127.0.0.1:{port}/remote.woff2); }}\n"
        f"body {{ font-family: Remote, serif; background: url({canary.resolve().as_uri()}); }}\n"
        f"h1 {{ background-image: url({climb}); }}\n"
    )
    return template(workspace, "submission.css", css)


_SETTINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
_IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_LINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def linked_base_docx(workspace: Path, port: int, canary: Path) -> Path:
    """The packaged base.docx linking to an attached template on 127.0.0.1:``port`` (settings.xml, as Word
    writes it), a picture in ``canary`` and a web page (document.xml.rels)."""
    path = workspace / "templates" / "base.docx"
    path.parent.mkdir(exist_ok=True)
    shutil.copy(packaged_templates() / "base.docx", path)
    rel = '<Relationship Id="{}" Type="{}" Target="{}" TargetMode="External"/>'
    settings_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_RELS_NS}">'
                     + rel.format("rIdT", _SETTINGS_REL, f"http://127.0.0.1:{port}/normal.dotm") + "</Relationships>")

    def settings(xml: bytes) -> bytes:
        return re.sub(rb"(<w:settings\b[^>]*>)", rb'\1<w:attachedTemplate r:id="rIdT"/>', xml, count=1)

    def document_rels(xml: bytes) -> bytes:
        extra = rel.format("rIdP", _IMAGE_REL, canary.resolve().as_uri()) + rel.format("rIdL", _LINK_REL, f"http://127.0.0.1:{port}/page")
        return xml.replace(b"</Relationships>", extra.encode() + b"</Relationships>")

    rewrite_parts(path, {"word/settings.xml": settings, "word/_rels/document.xml.rels": document_rels})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/_rels/settings.xml.rels", settings_rels)
    return path
