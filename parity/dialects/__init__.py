"""One loader per dialect, registered by file suffix (registry.py); each turns a file into a `Side` (side.py)."""

from .registry import load
from .side import Side

__all__ = ["Side", "load"]
