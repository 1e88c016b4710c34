# faceplate for Nuke: menu.py (written by `python -m faceplate.hosts.nuke install FOLDER`).
# Runs in interactive Nuke sessions after init.py: adds the faceplate menu to the Nodes toolbar.
import os

try:
    FACEPLATE_NUKE_FOLDER = os.path.dirname(os.path.abspath(__file__))
except NameError:  # Nuke did not set __file__
    FACEPLATE_NUKE_FOLDER = "@FACEPLATE_NUKE_FOLDER@"

import faceplate.hosts.nuke.nuke_calls as _faceplate_nuke

_faceplate_nuke.on_menu(FACEPLATE_NUKE_FOLDER)
