"""Manifests, and the audit that rebuilds a pack and says what changed.

Every pack folder gets a ``manifest.json``: the command and parameters, seeds, the
workbench version and git commit (and whether the tree was dirty), Python and package
versions, the SHA-256 of every input (raw exports, search log, codebook, the decision
log up to its last event) and of every output. Times are kept only in the manifest, so
the outputs themselves are byte-for-byte reproducible.

``scoping audit <pack folder>`` copies the pack's workspace inputs (as they are now)
into a temporary folder, re-runs every stage and the pack there, and compares:

- inputs: which recorded inputs changed, appeared or disappeared since the build, which
  pack parameters changed in ``packs.yml``, which decisions were added, and which
  package versions differ;
- outputs: which differ from the hashes in the manifest, and how (records in the pack,
  PRISMA counts, topics, evidence table rows).

It returns "reproduced" only when every output matches byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .curation.store import DecisionStore
from .errors import InputError

#: Packages whose versions a manifest records (they can change an output).
PACKAGES = (
    "pandas",
    "numpy",
    "pyarrow",
    "scikit-learn",
    "scipy",
    "nltk",
    "seaborn",
    "matplotlib",
    "papermill",
    "nbconvert",
    "nbformat",
    "weasyprint",
    "rapidfuzz",
    "rispy",
    "bibtexparser",
    "openpyxl",
    "defusedxml",
    "pyyaml",
)
MANIFEST = "manifest.json"
STORE = Path("curation") / "decisions.sqlite"


def sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def packages() -> dict[str, str]:
    """Python and the versions of the packages that shape the outputs."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version(), "scoping-workbench": __version__}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_state(folder: Path) -> dict[str, Any]:
    """The workbench's git commit and whether its tree had uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None, "note": "not a git checkout"}
    return {"commit": commit, "dirty": bool(dirty.strip())}


def decision_log(workspace: Path) -> dict[str, Any]:
    """The decision log's size, last event and a hash of its events (canonical JSON)."""
    path = workspace / STORE
    if not path.is_file():
        return {"events": 0, "last_seq": 0, "sha256": None}
    events = DecisionStore(path).events()
    text = events.drop(columns=["seq"]).to_json(orient="records", lines=True, force_ascii=False)
    return {
        "events": len(events),
        "last_seq": int(events["seq"].max()) if len(events) else 0,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }


def workspace_inputs(workspace: Path) -> dict[str, str]:
    """SHA-256 of every input file under the workspace's ``corpus/`` and ``packs.yml``."""
    found = {}
    for path in sorted((workspace / "corpus").rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            found[path.relative_to(workspace).as_posix()] = sha256(path)
    if (workspace / "packs.yml").is_file():
        found["packs.yml"] = sha256(workspace / "packs.yml")
    return found


def write_manifest(
    folder: Path,
    *,
    workspace: Path,
    params: dict[str, Any],
    outputs: tuple[str, ...],
    started: float,
    seed: int | None,
    key: str,
    source: str,
) -> dict[str, Any]:
    """Write ``folder/manifest.json`` for a built pack and return it."""
    manifest = {
        "kind": "briefing pack",
        "pack": folder.name,
        "key": key,
        "source": source,
        "command": " ".join(["scoping", *sys.argv[1:]])
        if sys.argv[0].endswith("scoping")
        else "scoping pack",
        "workspace": Path(os.path.relpath(Path(workspace).resolve(), folder.resolve())).as_posix(),
        "parameters": params,
        "seeds": {"pipeline": seed, "pack": params.get("seed")},
        "workbench": {"version": __version__, **git_state(workspace)},
        "packages": packages(),
        "inputs": workspace_inputs(workspace),
        "decision_log": decision_log(workspace),
        "outputs": {name: sha256(folder / name) for name in outputs},
        "times": {
            "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.time() - started, 1),
        },
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


@dataclass
class AuditReport:
    """What an audit found: input changes, output differences, and the verdict."""

    pack: str
    input_changes: list[str] = field(default_factory=list)
    output_differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def reproduced(self) -> bool:
        """True when every output was rebuilt byte for byte."""
        return not self.output_differences

    def text(self) -> str:
        """The report as a person reads it."""
        if self.reproduced and not self.input_changes:
            return f"reproduced: every output of {self.pack} was rebuilt byte for byte."
        lines = [f"{'reproduced' if self.reproduced else 'NOT REPRODUCED'}: {self.pack}"]
        if self.input_changes:
            lines.append(
                "inputs changed since the pack was built"
                + (" (without changing any output):" if self.reproduced else ":")
            )
            lines += [f"  - {c}" for c in self.input_changes]
        if self.output_differences:
            lines.append("outputs that differ:")
            lines += [f"  - {d}" for d in self.output_differences]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _load(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise InputError(
            f"{path}: not found; audit a pack folder built by `scoping pack` (reports/<pack>/)."
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} line {exc.lineno}: not valid JSON; rebuild the pack.") from None


def _input_changes(manifest: dict[str, Any], workspace: Path) -> list[str]:
    before, now = manifest["inputs"], workspace_inputs(workspace)
    changes = [
        f"{p}: changed (SHA-256 differs)"
        for p in sorted(before)
        if p in now and now[p] != before[p]
    ]
    changes += [f"{p}: removed" for p in sorted(set(before) - set(now))]
    changes += [f"{p}: added" for p in sorted(set(now) - set(before))]
    log_then, log_now = manifest["decision_log"], decision_log(workspace)
    if log_now["sha256"] != log_then["sha256"]:
        changes.append(_decision_change(log_then, workspace))
    versions = packages()
    changes += [
        f"package {k}: {v} when built, {versions.get(k)} now"
        for k, v in sorted(manifest["packages"].items())
        if versions.get(k) != v
    ]
    return changes


def _decision_change(log_then: dict[str, Any], workspace: Path) -> str:
    events = DecisionStore(workspace / STORE).events()
    new = events[events["seq"] > log_then["last_seq"]]
    if len(events) < log_then["events"]:
        return "decision log: it has fewer events than when the pack was built (replaced?)"
    described = "; ".join(
        f"{r.reviewer} {r.decision}{' (' + r.reason + ')' if r.reason else ''} on {r.target} "
        f"at {r.stage}"
        for r in new.head(5).itertuples()
    )
    more = f" and {len(new) - 5} more" if len(new) > 5 else ""
    return f"decision log: {len(new)} new event(s) since the build: {described}{more}"


def _params_change(manifest: dict[str, Any], current: dict[str, Any] | None) -> list[str]:
    if current is None:
        return [
            f"packs.yml: no pack {manifest['pack']} any more; rebuilt with the recorded parameters"
        ]
    before = manifest["parameters"]
    return [
        f"parameter {k}: {json.dumps(before.get(k))} when built, {json.dumps(current.get(k))} now"
        for k in sorted(set(before) | set(current))
        if k not in ("workspace", "output") and before.get(k) != current.get(k)
    ]


def _current_params(manifest: dict[str, Any], workspace: Path) -> dict[str, Any] | None:
    from .packs import load_matrix
    from .pipeline import packs_file

    if manifest.get("source") != "packs.yml":
        return manifest["parameters"]
    for spec in load_matrix(packs_file(workspace)):
        if spec.name == manifest["pack"]:
            from .briefing import check_parameters

            return {
                **check_parameters(spec.params),
                "workspace": ".",
                "output": manifest["parameters"]["output"],
            }
    return None


def _describe(name: str, old: Path, new: Path) -> str:
    if name == "trace.json":
        return _trace_difference(old, new)
    if name == "evidence.csv":
        a = pd.read_csv(old, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        b = pd.read_csv(new, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        gone = sorted(set(a["record_id"]) - set(b["record_id"]))
        came = sorted(set(b["record_id"]) - set(a["record_id"]))
        both = a.merge(b, on="record_id", suffixes=("", "_new"))
        changed = [c for c in a.columns if c != "record_id" and (both[c] != both[f"{c}_new"]).any()]
        return (
            f"evidence.csv: {len(a)} rows when built, {len(b)} now; {len(gone)} removed, "
            f"{len(came)} added; columns with changed values: {', '.join(changed) or 'none'}"
        )
    return f"{name}: differs"


def _trace_difference(old: Path, new: Path) -> str:
    a = json.loads(old.read_text(encoding="utf-8"))
    b = json.loads(new.read_text(encoding="utf-8"))
    parts = []
    keys = sorted(set(a["numbers"]) | set(b["numbers"]))
    keys.sort(key=lambda k: (k != "records in this pack", not k.startswith("funnel"), k))
    for key in keys:
        x, y = a["numbers"].get(key), b["numbers"].get(key)
        if x != y:
            parts.append(
                f"'{key}' {len(x) if x is not None else 'absent'} -> "
                f"{len(y) if y is not None else 'absent'}"
            )
    for box in sorted(set(a["prisma"]) | set(b["prisma"])):
        x, y = a["prisma"].get(box), b["prisma"].get(box)
        if x != y:
            parts.append(f"PRISMA '{box}' {_size(x)} -> {_size(y)}")
    shown = "; ".join(parts[:12]) + (f"; and {len(parts) - 12} more" if len(parts) > 12 else "")
    return f"trace.json (counts and the records behind them): {shown or 'ids reordered'}"


def _size(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {len(v)}" for k, v in sorted(value.items())) + "}"
    return str(len(value))


def pack_folders(paths: list[str | Path]) -> list[Path]:
    """Pack folders named by ``paths``: a pack folder itself, or a folder of packs."""
    found = []
    for path in map(Path, paths):
        if (path / MANIFEST).is_file():
            found.append(path)
            continue
        inside = sorted(p.parent for p in path.glob(f"*/{MANIFEST}"))
        if not inside:
            raise InputError(
                f"{path / MANIFEST}: not found; audit a pack folder built by `scoping pack` "
                "(reports/<pack>/) or the reports/ folder."
            )
        found += inside
    return found


def _copy_inputs(workspace: Path, target: Path) -> None:
    shutil.copytree(workspace / "corpus", target / "corpus", dirs_exist_ok=True)
    if (workspace / "packs.yml").is_file():
        shutil.copy2(workspace / "packs.yml", target / "packs.yml")
    if (workspace / STORE).is_file():
        DecisionStore(workspace / STORE).export(target / "log.jsonl")
        DecisionStore(target / STORE).import_log(target / "log.jsonl")
        (target / "log.jsonl").unlink()


def _compare(folder: Path, manifest: dict[str, Any], rebuilt: Path, report: AuditReport) -> None:
    for name, digest in sorted(manifest["outputs"].items()):
        if sha256(rebuilt / name) == digest:
            continue
        old = folder / name
        if old.is_file() and sha256(old) == digest:
            report.output_differences.append(_describe(name, old, rebuilt / name))
        else:
            report.output_differences.append(
                f"{name}: differs (the pack folder's copy was changed after the build, too)"
            )
    if any(d.startswith(("pack.html", "pack.pdf")) for d in report.output_differences):
        report.notes.append(
            "pack.html and pack.pdf hold every count, reference and package "
            "version of the pack, so any change above changes them too."
        )


def audit(paths: list[str | Path], *, keep: str | Path | None = None) -> list[AuditReport]:
    """Rebuild packs from their workspace's inputs and compare each with its manifest.

    The stages run once per workspace; the packs are then rebuilt together (two at a
    time), so auditing a whole matrix costs about what building it did.

    Parameters
    ----------
    paths : list of str or Path
        Pack folders (``reports/<pack>``, holding ``manifest.json``) or folders of them.
    keep : str or Path, optional
        Rebuild here and keep it (for inspection); a temporary folder otherwise.
    """
    from .packs import PackSpec, build_all
    from .pipeline import run_stages

    folders = pack_folders(paths)
    manifests = [_load(f) for f in folders]
    workspaces = {(f / m["workspace"]).resolve() for f, m in zip(folders, manifests, strict=True)}
    if len(workspaces) != 1:
        raise InputError("these packs come from different workspaces; audit one at a time.")
    workspace = workspaces.pop()
    if not workspace.is_dir():
        raise InputError(f"{folders[0] / MANIFEST}: its workspace {workspace} is gone.")
    reports, specs = [], []
    for folder, manifest in zip(folders, manifests, strict=True):
        report = AuditReport(folder.name)
        report.input_changes = _input_changes(manifest, workspace)
        params = _current_params(manifest, workspace)
        report.input_changes += _params_change(manifest, params)
        params = params or manifest["parameters"]
        reports.append(report)
        specs.append(
            PackSpec(
                folder.name, {k: v for k, v in params.items() if k not in ("workspace", "output")}
            )
        )
    tmp = tempfile.TemporaryDirectory(prefix="scoping-audit-") if keep is None else None
    target = Path(tmp.name if tmp else keep)
    try:
        _copy_inputs(workspace, target)
        run_stages(target, seed=manifests[0]["seeds"]["pipeline"], progress=False)
        rebuilt = build_all(specs, target, reports=target / "reports", progress=False)
        for folder, manifest, new, report in zip(folders, manifests, rebuilt, reports, strict=True):
            _compare(folder, manifest, new, report)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return reports
