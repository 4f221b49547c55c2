"""The one error a file that cannot be used at all raises: a message a shop owner understands."""

from __future__ import annotations


class UnusableFile(Exception):
    """The file as a whole cannot be read (not a spreadsheet, encrypted, over a limit, empty...)."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.message = message

    def __str__(self) -> str:
        return self.message
