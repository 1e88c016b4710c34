"""Saving matplotlib figures (loss curves, pose coverage) the way faceplate writes every file: atomically."""

from __future__ import annotations

import os
import uuid
from typing import Any


def save_figure(fig: Any, path: str) -> str:
    """Saves ``fig`` as PNG to a temporary file beside ``path``, closes it, renames it into place."""
    import matplotlib.pyplot as plt

    tmp = f"{path}.{uuid.uuid4().hex[:8]}.partial.png"
    try:
        fig.savefig(tmp)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
