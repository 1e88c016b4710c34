"""``python -m faceplate.cli``: the ``faceplate`` command (what the tests run as a real process)."""

import sys

from faceplate.cli import main

sys.exit(main())
