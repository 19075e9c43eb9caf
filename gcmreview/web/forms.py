"""Reading a form that carries a file: counted while it streams, the file saved to a temporary folder.

Stage: front end (web). Used by every upload (workbooks, translations). The caller
checks the CSRF field of the form it gets back and removes the folder when done.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from anyio import to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request

__all__ = ["TooLarge", "read_upload"]

_SLACK = 64 * 1024
"""What a form adds around the file it carries (boundaries, the other fields)."""


class TooLarge(Exception):
    """More was sent than the form may hold."""


async def read_upload(request: Request, field: str, limit: int) -> tuple[Any, Path | None, str]:
    """The form of a multipart POST with its one file saved to a temporary folder, counted as it streams.

    TooLarge as soon as more than ``limit`` bytes (and the form's own) have arrived,
    or when the browser announces as much; the file is then never complete anywhere.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _SLACK:
        raise TooLarge
    received = 0
    upstream = request.receive

    async def counted() -> Any:
        nonlocal received
        message = await upstream()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit + _SLACK:
                raise TooLarge
        return message

    form = await Request(request.scope, counted).form(max_files=1, max_fields=20, max_part_size=64 * 1024)
    request.state.form = form
    upload = form.get(field)
    try:
        if not isinstance(upload, UploadFile) or not upload.size:
            return form, None, ""  # no file, or an empty one
        if upload.size > limit:
            raise TooLarge
        folder = Path(tempfile.mkdtemp(prefix="gcmreview-upload-"))
        target = folder / "upload"
        with target.open("wb") as handle:
            await to_thread.run_sync(shutil.copyfileobj, upload.file, handle)
        return form, target, upload.filename or ""
    finally:
        await form.close()
