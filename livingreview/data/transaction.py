"""Changes to several files, all or nothing.

A command that changes data (search, add, release) gathers every new text first and writes it
here at the end: each text goes to a temporary file beside its target, and only when all of
them are written are they renamed into place (a rename is atomic on one file system). A failure
before that point (no network, an API error, a bug) leaves every file exactly as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_all(changes: dict[Path, str]) -> None:
    """Write each path's new text, or none of them if any write fails."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name, text in changes.items():
            path = Path(name)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            if path.exists():  # keep the file's permissions (mkstemp makes it private)
                os.chmod(temporary, path.stat().st_mode & 0o7777)
            else:
                os.chmod(temporary, 0o644)
            staged.append((Path(temporary), path))
    except BaseException:
        for staged_file, _path in staged:
            staged_file.unlink(missing_ok=True)
        raise
    for staged_file, path in staged:
        os.replace(staged_file, path)
