"""The package's shape: no import circles, every module importable alone, and an
installed wheel that works in an empty folder."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scoping"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports, anywhere in it (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, node])):
                return found
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node, [])):
            return found
    return None


def test_the_import_graph_has_no_circle():
    """Imports inside functions count too: none may hide a circle."""
    modules = _modules()
    graph = {
        name: {
            m
            for m in _imports(name, path, set(modules))
            # a package's __init__ re-exporting its own modules is not a circle
            if not (path.name == "__init__.py" and m.startswith(name + "."))
        }
        for name, path in modules.items()
    }
    # importing a submodule imports its package first
    for name in modules:
        if "." in name:
            graph[name].add(name.rpartition(".")[0])
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


ALONE = """
import importlib, os, sys
# Third-party libraries are loaded once; each project module is then imported in a
# forked child that has imported no module of the project: a fresh start for them.
for heavy in ("pandas", "sklearn.feature_extraction.text", "sklearn.decomposition",
              "sklearn.linear_model", "sklearn.svm", "scipy.optimize", "matplotlib", "seaborn",
              "ipywidgets", "anywidget", "nbformat", "pyarrow.parquet", "rapidfuzz", "yaml",
              "nltk.stem", "joblib", "click", "rispy", "bibtexparser", "openpyxl",
              "defusedxml.ElementTree", "pycountry", "tqdm"):
    importlib.import_module(heavy)
assert not [m for m in sys.modules if m.split(".")[0] == "scoping"]
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException as exc:
            print(f"{name}: {type(exc).__name__}: {exc}", flush=True)
            os._exit(1)
        os._exit(0)
    failed.append(os.waitpid(pid, 0)[1] != 0)
sys.exit(1 if any(failed) else 0)
"""


def test_every_module_imports_alone_in_a_fresh_interpreter():
    result = subprocess.run(
        [sys.executable, "-c", ALONE, *_modules()], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]


@pytest.mark.long
@pytest.mark.timeout(2400)
def test_an_installed_wheel_inits_and_runs_a_workspace_in_an_empty_folder(tmp_path):
    """Built, installed outside the checkout, run where no source tree is near."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), "."],
        cwd=PACKAGE.parent,
        check=True,
    )
    (wheel,) = dist.glob("scoping_workbench-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True)
    scoping = env_dir / "bin" / "scoping"
    here = tmp_path / "somewhere"
    here.mkdir()
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    made = subprocess.run(
        [scoping, "init", "review"], cwd=here, capture_output=True, text=True, env=clean
    )
    assert made.returncode == 0, made.stderr
    ran = subprocess.run(
        [scoping, "run"], cwd=here / "review", capture_output=True, text=True, env=clean
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "packs: 13 briefing packs from packs.yml" in ran.stdout
    packs = sorted(p.name for p in (here / "review" / "reports").iterdir())
    assert len(packs) == 13 and all(
        (here / "review" / "reports" / p / "pack.pdf").is_file() for p in packs
    )
    imported = subprocess.run(
        [python, "-c", "import scoping, sys; print(scoping.__file__)"],
        cwd=here,
        capture_output=True,
        text=True,
        env=clean,
    )
    assert str(env_dir) in imported.stdout  # the wheel's copy, not the checkout's
    # JupyterLab in that environment saves curation notebooks without outputs
    hook = env_dir / "etc/jupyter/jupyter_server_config.d/scoping-workbench.json"
    assert json.loads(hook.read_text())["ServerApp"]["jpserver_extensions"] == {
        "scoping.notebook": True
    }
