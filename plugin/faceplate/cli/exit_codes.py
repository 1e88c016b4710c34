"""Exit codes of the ``faceplate`` command (documented in the README).

:data:`EXIT_OK` success, :data:`EXIT_FRAMES_FAILED` some frames failed, :data:`EXIT_USAGE` bad usage /
bad script / an error before any work.
"""

EXIT_OK, EXIT_FRAMES_FAILED, EXIT_USAGE = 0, 1, 2
