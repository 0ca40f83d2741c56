"""The project's exception tree; each class knows the exit code the CLI gives it.

Library code raises only these. `cli.py` turns them into exit codes in one place.
"""


class ParityError(Exception):
    """Bad input or usage: exit code 2, a one-paragraph message, no traceback."""

    exit_code = 2

    def __init__(self, message, *, path=None, line=None, col=None, hint=None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        self.hint = hint

    def __str__(self):
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        text = where + self.message
        if self.hint:
            text += f" {self.hint}"
        return text


class SpecError(ParityError):
    """A model spec cannot be read or understood."""


class DataError(ParityError):
    """The samples cannot be read, or do not fit the specs."""


class UsageError(ParityError):
    """A command-line option is out of range or inconsistent with the specs."""


class InternalError(Exception):
    """A bug in parity itself: exit code 3."""

    exit_code = 3


def file_start(path):
    """What a file that failed to parse starts with, for an error message."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as err:
        return f"a file parity cannot read ({err.strerror or err})"
    return "an empty file" if not head else f"a file starting with bytes {head.hex(' ')}"
