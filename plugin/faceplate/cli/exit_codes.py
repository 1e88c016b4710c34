"""Exit codes of the ``faceplate`` command (documented in the README).

:data:`EXIT_OK` success, :data:`EXIT_FRAMES_FAILED` some frames failed, :data:`EXIT_USAGE` bad usage /
bad script / an error before any work, :data:`EXIT_INTERRUPTED` Ctrl-C (128 + the signal: 143 for SIGTERM).
"""

EXIT_OK, EXIT_FRAMES_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
