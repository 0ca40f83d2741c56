"""build() returns a dict: neither a compiled keras.Model nor an adapter."""


def build():
    return {"W": [[0.0] * 784] * 10}
