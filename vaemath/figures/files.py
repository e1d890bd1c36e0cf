"""Atomic, deterministic figure files: PNG, SVG or PDF without timestamps."""

from __future__ import annotations

from pathlib import Path

import matplotlib

from vaemath.atomic import atomic_path

FORMATS = ("png", "svg", "pdf")
# Metadata that would change from run to run (dates, software versions) is dropped.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
             "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}}


def check_formats(formats) -> tuple:
    """Validated tuple of formats from ``"png,svg"`` or an iterable; ValueError naming an unknown one."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    items = [str(f).strip().lower() for f in items if str(f).strip()]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise ValueError(f"format: expected one or more of {', '.join(FORMATS)}, got {formats!r}")
    return tuple(dict.fromkeys(items))


def save(fig, path, dpi: int = 150, format: str | None = None) -> Path:
    """Write ``fig`` atomically (temporary file, then rename) as PNG, SVG or PDF, byte-identical across runs.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or Path
        Target file; its suffix gives the format unless ``format`` is given.
    dpi : int
        Resolution of PNG output (dots per inch).
    format : {"png", "svg", "pdf"}, optional

    Raises
    ------
    ValueError
        If the format is not one of png, svg, pdf.
    """
    path = Path(path)
    fmt = check_formats(format or path.suffix.lstrip(".") or "png")[0]
    with matplotlib.rc_context({"svg.hashsalt": "vaemath"}), atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=fmt, metadata=_METADATA[fmt], bbox_inches="tight", pad_inches=0.1)
    return path
