"""Renderers: the submission laid out per language (``document``), then written as
DOCX (``docx``), HTML and PDF (``html``), JSON and the build log."""
