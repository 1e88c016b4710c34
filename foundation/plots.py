"""Saving matplotlib figures (loss curves, pose coverage) the way faceplate writes every file: atomically."""

from __future__ import annotations

from typing import Any

from faceplate.foundation.files import atomic_path


def save_figure(fig: Any, path: str) -> str:
    """Saves ``fig`` as PNG at ``path`` atomically (:func:`~faceplate.foundation.files.atomic_path`) and closes it."""
    import matplotlib.pyplot as plt  # deferred: matplotlib is slow to import and only plots need it

    try:
        with atomic_path(path) as temp:
            fig.savefig(temp, format="png")
    finally:
        plt.close(fig)
    return path
