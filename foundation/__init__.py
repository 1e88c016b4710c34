"""faceplate.foundation: the ground floor every other layer stands on.

Errors (:mod:`.errors`), environment variables (:mod:`.config`), the package version (:mod:`.version`),
files (:mod:`.files`: hashing, atomic writes, writable folders), frame ranges (:mod:`.frames`), 2D affine
geometry (:mod:`.geometry`), pixel kernels over the native module (:mod:`.imaging`) and figures
(:mod:`.plots`). Nothing here imports from the layers above (the graph, models, nodes, actions, interfaces).
"""
