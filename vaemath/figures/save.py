"""Atomic, deterministic PNG writing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def save(fig, path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` as PNG atomically (temporary file, then rename), without timestamps."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, format="png", metadata={"Software": None}, bbox_inches="tight")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
