# faceplate for Nuke: init.py (written by `python -m faceplate.hosts.nuke install FOLDER`).
# Put FOLDER on NUKE_PATH. Runs in every Nuke session, render-only ones included: makes the faceplate
# gizmos loadable. faceplate must import in Nuke's Python: set FACEPLATE_NUKE_PYTHONPATH (os.pathsep-
# separated folders) when it is not installed there. See docs/nuke.md.
import os
import sys

try:
    FACEPLATE_NUKE_FOLDER = os.path.dirname(os.path.abspath(__file__))
except NameError:  # Nuke did not set __file__
    FACEPLATE_NUKE_FOLDER = "@FACEPLATE_NUKE_FOLDER@"

for _path in reversed([p for p in os.environ.get("FACEPLATE_NUKE_PYTHONPATH", "").split(os.pathsep) if p]):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import faceplate.hosts.nuke.nuke_calls as _faceplate_nuke  # noqa: E402

_faceplate_nuke.on_init(FACEPLATE_NUKE_FOLDER)
