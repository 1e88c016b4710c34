"""AlignEdit: stable face alignment, artist edits that survive re-tracking, exports and face-sets.

Modules: :mod:`.template` (mean shape, face types), :mod:`.umeyama` (similarity fit and its
parameters), :mod:`.smoothing` (temporal smoothing with locks), :mod:`.edits` (the edits store and
its knob), :mod:`.api` (editing functions), :mod:`.align` (per-track transforms and crops),
:mod:`.pose` (head pose), :mod:`.export` (JSON and Nuke keyframes), :mod:`.node` (the node).
"""
