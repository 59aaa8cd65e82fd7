"""Headers and query parameters the ledger cannot read: 422 problems naming them."""

from __future__ import annotations


class InvalidParameter(Exception):
    """A header or query parameter the ledger cannot read."""

    location = "query"

    def __init__(self, name: str, msg: str) -> None:
        super().__init__(f"{name}: {msg}")
        self.name = name
        self.msg = msg


class InvalidHeader(InvalidParameter):
    location = "header"


class InvalidQuery(InvalidParameter):
    location = "query"


class InvalidPathParameter(InvalidParameter):
    location = "path"
