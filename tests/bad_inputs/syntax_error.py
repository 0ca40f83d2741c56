"""A spec with a syntax error on line 5."""


def build():
    return [1, 2
