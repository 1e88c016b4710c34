"""Preview grids: rows of image cells with a title, column headers and row labels, as an 8-bit PNG."""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.foundation.drawing import put_text, write_png


def _text(image: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.4) -> None:
    put_text(image, text, org, scale, (0.95, 0.85, 0.4), 1)


def write_grid(
    path: str, rows: list[list[np.ndarray]], header: list[str], labels: list[str], title: str, cell: int = 128
) -> str:
    """Each cell (any ``(h, w, 3)`` float [0, 1]) is resized to ``cell`` wide, keeping its aspect."""
    heights = [max(round(c.shape[0] * cell / c.shape[1]) for c in row) for row in rows]
    left, top, gap = 56, 36, 2
    columns = max(len(r) for r in rows)
    sheet = np.full((top + sum(h + gap for h in heights), left + columns * (cell + gap), 3), 0.08, np.float32)
    _text(sheet, title, (6, 14), 0.45)
    for j, name in enumerate(header):
        _text(sheet, name, (left + j * (cell + gap) + 4, 31))
    y = top
    for row, label, h in zip(rows, labels, heights):
        _text(sheet, label[:8], (4, y + h // 2))
        for j, c in enumerate(row):
            ch = round(c.shape[0] * cell / c.shape[1])
            sheet[y : y + ch, left + j * (cell + gap) : left + j * (cell + gap) + cell] = cv2.resize(
                np.clip(c, 0, 1).astype(np.float32),
                (cell, ch),
                interpolation=cv2.INTER_NEAREST if cell >= c.shape[1] else cv2.INTER_AREA,
            )
        y += h + gap
    return write_png(path, sheet)
