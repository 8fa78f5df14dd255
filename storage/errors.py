"""The one exception storage raises to its callers."""

from __future__ import annotations


class StorageError(Exception):
    """The database cannot be opened, written or read.

    The message is one line: what went wrong and what the user can do about it. The CLI shows it
    as is, so it never contains a password.
    """
