"""Artist edits of AlignEdit nodes, as the ``faceplate`` API: ``faceplate.edits.set_offset(node, ...)``.

The functions live in :mod:`faceplate.nodes.alignedit.api` (see its docstring for an example);
this module is the public name for them.
"""

from faceplate.nodes.alignedit.api import (
    clear,
    copy_from,
    edited_frames,
    edits_without_track,
    lock,
    move_track,
    offset_at,
    set_landmarks,
    set_offset,
)

__all__ = ["clear", "copy_from", "edited_frames", "edits_without_track", "lock", "move_track", "offset_at",
           "set_landmarks", "set_offset"]
