"""Who is deciding: a reviewer's name matched to the names the store already knows.

"ann librarian" and "Ann  Librarian" are one person: names are compared without case
and with runs of spaces as one. A name the store does not know yet, where it knows
others, is refused unless added deliberately (``new=True``): a typing slip should not
make a second reviewer. The name is remembered for the user, per workspace, outside
the tracked notebook (``$XDG_CONFIG_HOME/scoping/reviewers.json``, else
``~/.config/scoping/reviewers.json``), so a notebook left with an empty ``reviewer``
opens with the last name used there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..atomic import write_text
from ..errors import InputError
from .store import DecisionStore


def same_name(name: str) -> str:
    """The form names are compared in: case-folded, spaces collapsed.

    >>> same_name("  Ann   LIBRARIAN ") == same_name("ann librarian")
    True
    """
    return " ".join(name.split()).casefold()


def remembered_file() -> Path:
    """Where each workspace's last reviewer name is kept for this user."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "scoping" / "reviewers.json"


def _remembered() -> dict[str, str]:
    try:
        found = json.loads(remembered_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: nothing is remembered, nothing is lost
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def remember(workspace: Path, name: str) -> None:
    """Keep ``name`` as this user's reviewer name in ``workspace``."""
    known = _remembered()
    known[str(Path(workspace).resolve())] = name
    path = remembered_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(known, indent=1, sort_keys=True) + "\n")


def choose_reviewer(
    store: DecisionStore, given: str, workspace: Path, *, new: bool = False
) -> tuple[str, str]:
    """The reviewer name to store decisions under, and a line to tell the user.

    Parameters
    ----------
    store : DecisionStore
        Whose reviewers are known.
    given : str
        The name typed; empty: the name last used in ``workspace`` by this user.
    workspace : Path
        The workspace (names are remembered per workspace).
    new : bool
        Add a name the store does not know although it knows others.

    Raises
    ------
    InputError
        When no name is given or remembered, or a new name is given without ``new``.
    """
    typed = " ".join((given or "").split())
    login, bound = store.whoami()
    if bound:  # a server login the lead bound to a name: that name, and only it
        if typed and same_name(typed) != same_name(bound):
            raise InputError(
                f"you are connected as {login}, which records only as {bound!r}; put "
                f"{bound!r} in `reviewer` (or connect with your own login)."
            )
        remember(workspace, bound)
        return bound, f"Deciding as {bound} (the name of login {login})."
    known = store.reviewers()
    name = typed or _remembered().get(str(Path(workspace).resolve()), "")
    listed = ", ".join(known) if known else "none yet"
    if not name:
        raise InputError(
            f"put your name in `reviewer` (reviewers this store knows: {listed}); "
            "it is stored with every decision."
        )
    match = [k for k in known if same_name(k) == same_name(name)]
    if match:
        said = "" if match[0] == name else f" (written {name!r}: the same name)"
        name, line = match[0], f"Deciding as {match[0]}{said}."
    elif known and not new:
        raise InputError(
            f"{name!r} is not a reviewer this store knows ({listed}); use one of those "
            "names, or set new_reviewer = True to add yourself."
        )
    else:
        line = f"Deciding as {name}, a new reviewer in this store."
    remember(workspace, name)
    return name, line
