"""Facts per framework, as data, each with the source line it comes from."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    value: object
    source: str  # repo:path:line — "quote"
