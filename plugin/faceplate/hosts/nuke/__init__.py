"""faceplate in Nuke: a toolbar of gizmos generated from node metadata, and a bridge that renders them.

Almost all of the adapter is plain Python that runs without Nuke:

- :mod:`.nk_parse`: Nuke's script text (quoting, words, node blocks, ``addUserKnob``, curves).
- :mod:`.knob_mapping`: a faceplate knob declaration or value <-> Nuke user-knob text.
- :mod:`.catalog`: node metadata for the host, saved as JSON beside the gizmos.
- :mod:`.gizmo`: a node's metadata -> ``.gizmo`` / Group text; ``install`` writes a NUKE_PATH folder.
- :mod:`.conventions`: every Nuke <-> faceplate convention (y axis, windows, patterns, colour space
  names, channels, proxy, work folders), in one place.
- :mod:`.bridge`: the recorded Nuke graph -> a faceplate script, the command that runs it, and the
  knob values that point the gizmo's internal Read at the result.
- :mod:`.align_export`: per-frame transforms -> native ``Transform`` / ``CornerPin2D`` nodes.
- :mod:`.nuke_calls`: the only module that calls ``nuke.*``; a thin layer over the modules above.

Set up: ``python -m faceplate.hosts.nuke install FOLDER`` and add FOLDER to ``NUKE_PATH``
(see docs/nuke.md). Importing this package never imports ``nuke``.
"""
