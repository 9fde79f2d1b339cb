"""The project's own exceptions.

Every error a user can cause (a bad file, an unknown format, a wrong option) is a
:class:`ScopingError` whose message says what is wrong, where, and how to fix it, in
one line. The command line prints that line and exits with status 2; it never shows a
traceback for user error.
"""

from __future__ import annotations


class ScopingError(Exception):
    """Base class for errors that a user can cause and fix."""


class FormatError(ScopingError):
    """A file cannot be read as any supported format, or not as the one asked for."""


class InputError(ScopingError):
    """An input file, folder or configuration is missing or inconsistent."""


class StrictModeError(ScopingError):
    """A reader met problems while ``strict=True`` was asked for."""
