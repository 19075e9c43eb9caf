"""The submission as a Word document, laid out like the ESCAP survey form.

Stage: render (DOCX). :func:`render_docx` writes a laid-out
:class:`~gcmreview.render.document.Document` into the base template
(``templates/base.docx``, restyled by the facilitator in Word);
:func:`render_bilingual_docx` writes two documents laid out together side by side, for
workshops. Both return a :class:`DocxResult`: the .docx bytes and what had to be
cleaned (:func:`clean`) for the build log. Nothing is written to disk here.

Modules: :mod:`.writer` (the writer's core: paragraphs, runs, languages, footnote
references, comments, tables), :mod:`.form` (the form's blocks, principles table,
problems page, footnotes part, header and footer, properties), :mod:`.bilingual` (the
side-by-side draft), :mod:`.styles` (the Word styles, script fonts and the base template,
``python -m gcmreview.base_template templates/base.docx``) and :mod:`.wml` (the
WordprocessingML helpers python-docx lacks).
"""

from __future__ import annotations

from .bilingual import render_bilingual_docx
from .form import render_docx
from .writer import DocxResult, clean

__all__ = ["DocxResult", "clean", "render_bilingual_docx", "render_docx"]
