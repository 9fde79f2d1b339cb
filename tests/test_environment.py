"""environment.yml (for conda users) must list what pyproject.toml lists."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower()


def _bare(spec: str) -> str:
    """A requirement without spaces or pip extras (conda has none: ``psycopg[binary]``
    on PyPI is ``psycopg``, with its own libpq, on conda-forge)."""
    return re.sub(r"\[.*?\]", "", spec.replace(" ", ""))


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {
        _name(s): _bare(s)
        for s in [*project["dependencies"], *project["optional-dependencies"]["test"]]
    }
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    listed = {_name(s): _bare(s) for s in env["dependencies"] if isinstance(s, str)}
    listed.pop("python")
    listed.pop("pip")
    assert listed == wanted
