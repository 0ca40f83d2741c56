"""A healthy adapter, the other side for the data and option cases."""

from _linear import Linear


def build():
    return Linear()
