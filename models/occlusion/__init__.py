"""The learned occlusion model: network (:mod:`.network`), presets (:mod:`.presets`), ONNX export with
its card (:mod:`.export`), the shipped default occluder (``default/``, found by
:func:`faceplate.models.registry.default_occluder`) and the command that trains it (:mod:`.train_default`)."""
