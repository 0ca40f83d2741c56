"""build() itself raises."""


def build():
    raise ValueError("layer sizes must be positive, received -3")
