"""PyTorch `.py` specs: reading what NAME() returns (spec.py) and describing it (describe.py)."""
