"""Engines run one side one full-batch step at a time; the only modules that import tensorflow."""
