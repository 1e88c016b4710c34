"""faceplate.actions: what a user asks faceplate to do to a shot, over the nodes and models.

Rendering (:mod:`.rendering`, run on a process pool or Dask by :mod:`.scheduling`), shot-long face tracking
(:mod:`.shot_tracking`), face-set extraction (:mod:`.faceset_extraction`), training (:mod:`.model_training`,
:mod:`.default_occluder`), the default graph (:mod:`.default_graph`) and the end-to-end demo (:mod:`.demo`).
The interfaces (CLI, viewer, hosts) call these; nothing here parses arguments or prints progress bars.
"""
