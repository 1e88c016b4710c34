"""Training: a generic loop (:mod:`.loop`, :mod:`.checkpoint`, :mod:`.curves`, :mod:`.preview_grid`, :mod:`.losses`,
:mod:`.augment`) that any faceplate model reuses, and the swap model's task (:mod:`.faceset`, :mod:`.swap_task`).

The public entry point is :func:`faceplate.actions.model_training.train_swap` (``faceplate train``).
"""
