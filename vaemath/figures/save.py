"""Atomic, deterministic PNG writing."""

from __future__ import annotations

from pathlib import Path

from vaemath.atomic import atomic_path


def save(fig, path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` as PNG atomically (temporary file, then rename), without timestamps."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", metadata={"Software": None}, bbox_inches="tight")
    return Path(path)
