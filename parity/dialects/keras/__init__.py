"""Keras 3 models (a .py spec, a saved .keras/.h5/.json) as parity sides."""
