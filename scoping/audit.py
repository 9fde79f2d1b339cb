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

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import manifest
from .curation.backends import Location
from .curation.store import open_store
from .errors import InputError
from .packs import PackParams, PackSpec, build_all, load_matrix
from .packs.params import LOCATION
from .pipeline import run_stages
from .text import said
from .workspace import Workspace

MANIFEST = manifest.MANIFEST
#: What a pack manifest must hold, and the type of each value, for an audit.
REQUIRED: dict[str, type | tuple[type, ...]] = {
    "pack": str,
    "workspace": str,
    "parameters": dict,
    "seeds": dict,
    "packages": dict,
    "inputs": dict,
    "decision_log": dict,
    "outputs": dict,
}


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
    """A pack manifest, checked: any problem is one line saying what and where."""
    path = folder / MANIFEST
    if not path.is_file():
        raise InputError(
            f"{path}: not found; audit a pack folder built by `scoping pack` (reports/<pack>/)."
        )
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputError(f"{path}{where}: not valid JSON; rebuild the pack.") from None
    if not isinstance(recorded, dict):
        raise InputError(f"{path}: not a pack manifest (a JSON object); rebuild the pack.")
    for name, kind in REQUIRED.items():
        if not isinstance(recorded.get(name), kind):
            raise InputError(
                f"{path}: '{name}' is missing or not a {getattr(kind, '__name__', kind)}; "
                "the manifest was edited or damaged: rebuild the pack."
            )
    seed = recorded["seeds"].get("pipeline")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise InputError(
            f"{path}: seeds.pipeline {seed!r} is not a whole number; rebuild the pack."
        )
    return recorded


def _input_changes(recorded: dict[str, Any], workspace: Path) -> list[str]:
    before, now = recorded["inputs"], manifest.input_hashes(workspace)
    changes = [
        f"{p}: changed (SHA-256 differs)"
        for p in sorted(before)
        if p in now and now[p] != before[p]
    ]
    changes += [f"{p}: removed" for p in sorted(set(before) - set(now))]
    changes += [f"{p}: added" for p in sorted(set(now) - set(before))]
    changes += _decision_changes(recorded["decision_log"], Workspace(workspace).store)
    versions = manifest.packages()
    changes += [
        f"package {k}: {v} when built, {versions.get(k)} now"
        for k, v in sorted(recorded["packages"].items())
        if versions.get(k) != v
    ]
    return changes


def _decision_changes(then: dict[str, Any], store: Location) -> list[str]:
    """How the decision log differs from the one a pack was built with.

    Events recorded before the build must be exactly those of the build: the log's
    digest up to the build's last event is compared, so an event rewritten outside the
    workbench is named, not hidden among "0 new events".
    """
    opened = open_store(store)
    events = opened.events() if opened is not None else None
    if events is None or events.empty:
        return ["decision log: it is gone or empty now"] if then.get("events") else []
    last = then.get("last_seq") or 0
    earlier, new = events[events["seq"] <= last], events[events["seq"] > last]
    changes = []
    if len(earlier) != then.get("events", 0) or (
        len(earlier) and manifest.events_digest(earlier) != then.get("sha256")
    ):
        changes.append(
            f"decision log: the {then.get('events', 0)} events recorded before the build are "
            "not the ones the pack was built from (the log was rewritten or replaced outside "
            "the workbench)"
        )
    if len(new):
        described = "; ".join(
            f"{r.reviewer} {r.decision}{f' ({r.reason})' if said(r.reason) else ''} on "
            f"{r.target} at {r.stage}"
            for r in new.head(5).itertuples()
        )
        more = f" and {len(new) - 5} more" if len(new) > 5 else ""
        changes.append(f"decision log: {len(new)} new event(s) since the build: {described}{more}")
    return changes


def _params_change(recorded: dict[str, Any], current: dict[str, Any] | None) -> list[str]:
    if current is None:
        return [
            f"packs.yml: no pack {recorded['pack']} any more; rebuilt with the recorded parameters"
        ]
    before = PackParams.from_mapping(recorded["parameters"]).as_dict()
    return [
        f"parameter {k}: {json.dumps(before.get(k))} when built, {json.dumps(current.get(k))} now"
        for k in sorted(set(before) | set(current))
        if k not in LOCATION and before.get(k) != current.get(k)
    ]


def _current_params(recorded: dict[str, Any], workspace: Path) -> dict[str, Any] | None:
    if recorded.get("source") != "packs.yml":
        return recorded["parameters"]
    for spec in load_matrix(Workspace(workspace).packs):
        if spec.name == recorded["pack"]:
            return spec.params.as_dict()
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
    """Copy a workspace's inputs (every file the manifest hashes, and the decision log)."""
    for name in manifest.input_hashes(workspace):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(workspace / name, target / name)
    opened = open_store(Workspace(workspace).store)
    rebuilt = Workspace(target)
    if opened is not None:  # exact: ids, times, order, any exclusion reason
        opened.copy_to(rebuilt.store_file)
    # The rebuild reads that copy, even where a team's server is named in the
    # environment: an audit never writes to, or waits on, the live store.
    rebuilt.config.write_text("workspace: 1\nstore: curation/decisions.sqlite\n", encoding="utf-8")


def _compare(folder: Path, recorded: dict[str, Any], rebuilt: Path, report: AuditReport) -> None:
    for name, digest in sorted(recorded["outputs"].items()):
        if (rebuilt / name).is_file() and manifest.sha256(rebuilt / name) == digest:
            continue
        old = folder / name
        if old.is_file() and manifest.sha256(old) == digest:
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
    time), so auditing a whole matrix costs about what building it did. Nothing in
    the audited workspace is written.

    Parameters
    ----------
    paths : list of str or Path
        Pack folders (``reports/<pack>``, holding ``manifest.json``) or folders of them.
    keep : str or Path, optional
        Rebuild in this new (or empty) folder and keep it for inspection; a temporary
        folder otherwise.

    Raises
    ------
    InputError
        When the packs cannot be audited (no or damaged manifest, workspace gone,
        ``keep`` not empty): the audit could not run, which is not "not reproduced".
    """
    folders = pack_folders(paths)
    recorded = [_load(f) for f in folders]
    workspace = _workspace(folders, recorded)
    if keep is not None and Path(keep).exists() and any(Path(keep).iterdir()):
        raise InputError(f"--keep {keep}: not empty; give a new or empty folder for the rebuild.")
    reports, specs = [], []
    for folder, entry in zip(folders, recorded, strict=True):
        report = AuditReport(folder.name)
        report.input_changes = _input_changes(entry, workspace)
        params = _current_params(entry, workspace)
        report.input_changes += _params_change(entry, params)
        params = params or entry["parameters"]
        reports.append(report)
        specs.append(PackSpec(folder.name, PackParams.from_mapping(params)))
    tmp = tempfile.TemporaryDirectory(prefix="scoping-audit-") if keep is None else None
    target = Path(tmp.name if tmp else keep)
    try:
        _copy_inputs(workspace, target)
        run_stages(target, seed=recorded[0]["seeds"].get("pipeline") or 2026, progress=False)
        baselines = {f.name: manifest.read(f / "baseline.json") or None for f in folders}
        rebuilt = build_all(
            specs, target, reports=target / "reports", progress=False, baselines=baselines
        )
        for folder, entry, new, report in zip(folders, recorded, rebuilt, reports, strict=True):
            _compare(folder, entry, new, report)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return reports


def _workspace(folders: list[Path], recorded: list[dict[str, Any]]) -> Path:
    """The one workspace the packs were built in (it must still exist)."""
    found = {(f / m["workspace"]).resolve() for f, m in zip(folders, recorded, strict=True)}
    if len(found) != 1:
        raise InputError("these packs come from different workspaces; audit one at a time.")
    workspace = found.pop()
    if not workspace.is_dir():
        raise InputError(f"{folders[0] / MANIFEST}: its workspace {workspace} is gone.")
    return workspace
