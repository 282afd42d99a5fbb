"""Writing files whole: a temporary file beside the target, then a rename."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from keel.errors import UserError


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader sees the old file or the new one, never
    half of it. Raises ``UserError`` when the file cannot be written."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Opened like any new file (so the umask decides its mode), under a unique name.
        tmp = folder / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
        try:
            with tmp.open("x", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}") from e
