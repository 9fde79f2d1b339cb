"""Where a decision store is: an SQLite file's path or a PostgreSQL server's URL.

The low module of the store's backends: how a location is read, told apart and
printed (never with its password), and the error for a server out of reach.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..errors import InputError

#: A location: an SQLite file, or a ``postgresql://`` URL.
Location = Path | str
_URL = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)
#: A URL scheme of two letters or more (``C:/`` on Windows is a drive, not a scheme).
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]+:/", re.IGNORECASE)
_PASSWORD = re.compile(r"(//[^:/@]*):[^@/]*@")


class Unreachable(InputError):
    """The decision server cannot be reached (a lost connection, a server down).

    Parameters
    ----------
    message : str
        The one line to show: what, where, what happens next.
    reason : str
        The driver's own reason, in brief.
    waiting : int
        How many decisions are kept on this machine until the server is back (0 when
        nothing was kept).
    """

    def __init__(self, message: str, *, reason: str = "", waiting: int = 0) -> None:
        super().__init__(message)
        self.reason, self.waiting = reason, waiting


class LoginRefused(InputError):
    """The server answered but refused the login (password, role, database or SSL)."""


#: Words of libpq's messages when the server is reached but refuses the login.
_REFUSALS = (
    "authentication failed",
    "no password supplied",
    "does not exist",
    "pg_hba.conf",
    "permission denied for database",
)

#: Words of libpq's messages when the connection's SSL settings cannot be met (a server
#: without SSL, a certificate missing or not trusted): no retry will help. An SSL
#: connection lost on the way ("SSL SYSCALL error") is out of reach, not refused.
_SSL = ("does not support SSL", "SSL was required", "certificate")


def connection_error(where: str, error: Exception) -> InputError:
    """The one-line error for a failed connection: a refused login, or out of reach."""
    reason = first_line(error)
    if any(words in reason for words in _SSL):
        return LoginRefused(
            f"{where}: the server and the URL disagree on SSL ({reason}); set sslmode in "
            "the URL to what the server offers, or ask its administrator to offer SSL."
        )
    if any(words in reason for words in _REFUSALS):
        return LoginRefused(
            f"{where}: the server refused the login ({reason}); check the login and "
            "database in the URL, and the password (~/.pgpass or PGPASSWORD)."
        )
    return Unreachable(f"{where}: the decision server cannot be reached ({reason})", reason=reason)


def first_line(error: Exception) -> str:
    """The first line of an error's message (a driver's can run to several)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def parse_location(value: str | Path) -> Location:
    """A store location: a ``postgresql://`` URL as given, anything else a file path.

    >>> parse_location("postgresql://ann@db.example.org/burnout")
    'postgresql://ann@db.example.org/burnout'
    >>> parse_location("curation/decisions.sqlite")
    PosixPath('curation/decisions.sqlite')
    >>> parse_location("postgressql://ann@db.example.org/burnout")
    Traceback (most recent call last):
    ...
    scoping.errors.InputError: postgressql://ann@db.example.org/burnout: not a store ...

    Raises
    ------
    InputError
        For anything else that looks like a URL (a misspelt scheme, one slash): taken
        as a file name, it would quietly make a store in a strange folder.
    """
    text = str(value)
    if _URL.match(text):
        return text
    if text.startswith("sqlite:///"):
        return Path(text.removeprefix("sqlite:///"))
    if _SCHEME.match(text):
        shown = _PASSWORD.sub(r"\1@", text)
        raise InputError(
            f"{shown}: not a store location; give a file path, or a server as "
            "postgresql://login@host/database (two slashes)."
        )
    return Path(text)


def is_server(location: Location) -> bool:
    """True when ``location`` names a PostgreSQL server rather than a file."""
    return isinstance(location, str) and bool(_URL.match(location))


def describe(location: Location) -> str:
    """A location fit to print: a URL without its password.

    >>> describe("postgresql://ann:secret@db.example.org:5432/burnout")
    'postgresql://ann@db.example.org:5432/burnout'
    """
    if not is_server(location):
        return str(location)
    parts = urlsplit(str(location))
    host = parts.hostname or ""
    netloc = f"{parts.username + '@' if parts.username else ''}{host}"
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
