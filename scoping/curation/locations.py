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
    """
    text = str(value)
    if _URL.match(text):
        return text
    return Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite:///") else Path(text)


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
