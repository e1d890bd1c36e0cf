"""Atomic file writes: a temporary file beside the target, renamed over it only when complete.

A leaf module (no vaemath imports), shared by every layer that writes files.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    The file gets the mode a plain ``open(path, "w")`` would give (0666 less the umask), not mkstemp's 0600.

    Examples
    --------
    >>> with atomic_path("out/result.json") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("{}")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a plain write would follow the umask (0644 under 022)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


def check_writable(out, entries) -> Path:
    """Refuse ``out`` now, before any work, if the results could not be written there.

    ``entries``: (relative path, "folder" or "file") pairs that will be written under ``out``.

    Raises
    ------
    TypeError, ValueError
        Naming ``out``: not a path, or an empty one (which would mean the current folder); a path exists with
        the wrong kind (a file where a folder is due, or the reverse), or a folder of the results cannot be
        created or written (tried: each is created and a temporary file written in it, since permission bits
        say nothing for root or on /proc).
    """
    if not isinstance(out, (str, os.PathLike)) or not str(out).strip():
        raise (ValueError if isinstance(out, str) else TypeError)(f"out: expected a folder path, got {out!r}")
    out = Path(out)
    for rel, kind in entries:
        target = out / rel
        for path, want in [(out / p, "folder") for p in reversed(Path(rel).parents)] + [(target, kind)]:
            if path.exists() and path.is_dir() != (want == "folder"):
                raise ValueError(f"out: {str(path)!r} exists and is not a {want}; choose another --out")
    for folder in sorted({(out / rel).parent for rel, _ in entries} | {out}):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as exc:
            raise ValueError(f"out: cannot write in {str(folder)!r} ({exc.strerror or exc}); choose another --out") \
                from None
    return out
