"""parity: find the first step and layer where two trainings of one network part, and why."""

__version__ = "0.1.0"
