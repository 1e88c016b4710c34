"""Frame ranges: the text a user types on the command line or in a knob.

======================  ========================================
``1001``                one frame
``1001-1100``           every frame from 1001 to 1100, inclusive
``1001-1100x2``         every second frame: 1001, 1003, ... 1099
``1001,1005,1010-1020`` a list of items (commas or spaces)
``-5--1``               negative frames: -5, -4, -3, -2, -1
======================  ========================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from faceplate.foundation.errors import SequenceIOError

__all__ = ["format_frame_range", "parse_frame_range"]

_RANGE_ITEM = re.compile(r"^(?P<first>-?\d+)(?:-(?P<last>-?\d+)(?:x(?P<step>\d+))?)?$")
_ITEM_SEPARATORS = re.compile(r"[,\s]+")


def parse_frame_range(text: str) -> list[int]:
    """The frames a frame-range text names, in the order given, each once.

    Args:
        text: items separated by commas or spaces; each item is ``F``, ``A-B`` or ``A-BxS``
            (``A <= B``, ``S >= 1``); frames may be negative (``-5--1``).

    Returns:
        The frames, in the order the items give them, without repeats.

    Raises:
        SequenceIOError: the text is empty or an item is malformed; the message quotes the item.

    Example:
        >>> parse_frame_range("1001-1005x2, 1010")
        [1001, 1003, 1005, 1010]
    """
    if not isinstance(text, str):
        raise SequenceIOError(f"frame range: expected text such as '1001-1100', got {type(text).__name__}")
    items = [item for item in _ITEM_SEPARATORS.split(text.strip()) if item]
    if not items:
        raise SequenceIOError("frame range is empty: expected e.g. '1001-1100', '1001-1100x2' or '1001,1005'")
    frames: dict[int, None] = {}
    for item in items:
        for frame in _parse_item(item, text):
            frames.setdefault(frame, None)
    return list(frames)


def _parse_item(item: str, text: str) -> range:
    match = _RANGE_ITEM.match(item)
    if match is None:
        raise SequenceIOError(
            f"frame range '{text}': cannot read '{item}'; "
            "expected F, A-B or A-BxS with integers (e.g. 1001, 1001-1100, 1001-1100x2, -5--1)"
        )
    first = int(match["first"])
    if match["last"] is None:
        return range(first, first + 1)
    last = int(match["last"])
    step = int(match["step"]) if match["step"] is not None else 1
    if last < first:
        raise SequenceIOError(f"frame range '{text}': '{item}' ends before it starts ({last} < {first})")
    if step < 1:
        raise SequenceIOError(f"frame range '{text}': '{item}' has step {step}; the step must be 1 or more")
    return range(first, last + 1, step)


def format_frame_range(frames: Iterable[int]) -> str:
    """The shortest frame-range text for some frames (sorted, each once); inverse of :func:`parse_frame_range`.

    Runs of three or more frames with a constant step become ``A-B`` or ``A-BxS``.

    Example:
        >>> format_frame_range([1001, 1003, 1005, 1010, 1011])
        '1001-1005x2,1010,1011'
    """
    ordered = sorted(set(int(f) for f in frames))
    items: list[str] = []
    i = 0
    while i < len(ordered):
        j = i + 1
        if j < len(ordered):
            step = ordered[j] - ordered[i]
            while j + 1 < len(ordered) and ordered[j + 1] - ordered[j] == step:
                j += 1
        if j - i >= 2:  # three or more frames with one step
            step_text = "" if step == 1 else f"x{step}"
            items.append(f"{ordered[i]}-{ordered[j]}{step_text}")
            i = j + 1
        else:
            items.append(str(ordered[i]))
            i += 1
    return ",".join(items)
