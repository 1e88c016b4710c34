"""The installed faceplate version (``0+unknown`` when running from a source tree that is not installed)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("faceplate")
except PackageNotFoundError:
    __version__ = "0+unknown"
