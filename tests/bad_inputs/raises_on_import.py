"""A spec whose module fails while it is imported (a dependency the machine lacks)."""

raise ImportError("this spec needs the package 'torchvision', which is not installed")


def build():  # never reached
    return None
