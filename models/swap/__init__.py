"""The swap network: one shared encoder, one decoder per identity (RGB + matte), progressive stages.

- :mod:`.presets`: ``tiny`` (CPU tests), ``256``, ``512``, ``1024``.
- :mod:`.network`: :class:`SwapModel` and the per-identity :class:`SwapInference` wrapper that export uses.
"""

from faceplate.models.swap.network import SwapInference, SwapModel
from faceplate.models.swap.presets import PRESETS, Preset, preset

__all__ = ["PRESETS", "Preset", "SwapInference", "SwapModel", "preset"]
