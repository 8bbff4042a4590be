"""Writing fixed files: all or nothing per file, and never over a change someone else made.

A file is re-read just before it is written; if its text is no longer the text the scan read (an editor
saved it, a formatter ran), it is left alone and the report says so. Otherwise the new text is encoded
as the file was (its coding cookie, a BOM), written to a temporary file in the same folder, given the
original's permission bits, flushed to disk and renamed over the original (``os.replace``, atomic on
POSIX and Windows): a reader sees the old file or the new one, never half of it. A symlink is followed
and the file it points to is replaced; the link stays a link.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
import tokenize
from pathlib import Path

CHANGED = "changed on disk since it was read; not fixed"


def read_text(path: Path) -> tuple[str | None, str]:
    """(text as the scan decodes it, encoding), or (None, "") when it cannot be read."""
    try:
        data = path.read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (OSError, SyntaxError, LookupError, UnicodeDecodeError):
        return None, ""
    if text.startswith("\ufeff"):  # a BOM the codec kept: the scan drops it too
        text = text[1:]
        encoding = "utf-8-sig"
    return text, encoding


def write(abspath: Path, original: str, new: str) -> str | None:
    """Replace ``abspath``'s text ``original`` by ``new``; None when done, else why not."""
    real = Path(os.path.realpath(abspath))
    current, encoding = read_text(real)
    if current is None or current != original:
        return CHANGED
    try:
        data = new.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return f"the fixed text cannot be written in the file's encoding ({encoding}); not fixed"
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
    except OSError as exc:
        return f"cannot read its permissions ({exc.strerror or exc}); not fixed"
    fd, tmp = tempfile.mkstemp(dir=str(real.parent), prefix=f".{real.name}.", suffix=".llm-audit")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if read_text(real)[0] != original:  # changed while we were writing the copy
            os.unlink(tmp)
            return CHANGED
        os.replace(tmp, real)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return f"cannot write it ({exc.strerror or exc}); not fixed"
    return None
