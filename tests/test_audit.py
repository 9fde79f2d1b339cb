"""Audit: a pack rebuilt in a fresh process is reproduced, and every change is named."""

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from scoping import resources
from scoping.audit import _input_changes
from scoping.curation.store import DecisionStore
from scoping.demo import generate
from scoping.packs import OUTPUTS, PackSpec, build_all, load_matrix
from scoping.pipeline import run_stages
from scoping.workspace import Workspace

PACK = "burnout-leaders"


def audit(folder):
    return subprocess.run(
        [sys.executable, "-m", "scoping.cli", "audit", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A user's workspace (the demo exports copied in as if downloaded), built once."""
    source = tmp_path_factory.mktemp("src")
    generate(source)
    workspace = tmp_path_factory.mktemp("ws")
    raw = workspace / "corpus" / "raw"
    shutil.copytree(source / "raw", raw)
    shutil.copy(source / "searches.yml", workspace / "corpus" / "searches.yml")
    shutil.copy(resources.path(resources.CODEBOOK), workspace / "corpus" / "codebook.yml")
    (workspace / "packs.yml").write_text(
        "matrix:\n  themes: [burnout]\n  audience: [leaders]\n", encoding="utf-8"
    )
    run_stages(workspace, progress=False)
    build_all(load_matrix(workspace / "packs.yml"), workspace, progress=False)
    return workspace


def copy(built, tmp_path):
    target = tmp_path / "ws"
    shutil.copytree(built, target)
    return target


def test_manifest_records_inputs_outputs_versions_and_times(built):
    manifest = json.loads((built / "reports" / PACK / "manifest.json").read_text())
    assert manifest["workspace"] == "../.."
    assert set(manifest["outputs"]) == set(OUTPUTS)
    assert "corpus/codebook.yml" in manifest["inputs"] and "packs.yml" in manifest["inputs"]
    assert any(p.startswith("corpus/raw/") for p in manifest["inputs"])
    assert manifest["seeds"] == {"pipeline": 2026, "pack": 2026}
    assert manifest["packages"]["weasyprint"] and manifest["workbench"]["version"]
    assert {"started", "finished", "seconds"} <= set(manifest["times"])


def test_unchanged_pack_is_reproduced_in_a_fresh_process(built, tmp_path):
    workspace = copy(built, tmp_path)
    result = audit(workspace / "reports" / PACK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("reproduced: every output of burnout-leaders")
    assert len(result.stdout.strip().splitlines()) == 1


def test_a_rebuild_on_the_same_inputs_is_skipped_and_byte_identical(built, tmp_path):
    workspace = copy(built, tmp_path)
    folder = workspace / "reports" / PACK
    before = {n: (folder / n).read_bytes() for n in OUTPUTS}
    report = run_stages(workspace, progress=False)
    assert not report.ran and "ingest" in report.kept, report.text()
    build_all(load_matrix(workspace / "packs.yml"), workspace, progress=False)
    assert {n: (folder / n).read_bytes() for n in OUTPUTS} == before


def _change_title(workspace):
    path = workspace / "corpus" / "raw" / "cinahl_ebsco_2026-10-01.ris"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(
        i for i, line in enumerate(lines) if line.startswith("T1  - ") and "xhaustion" in line
    )
    lines[at] = "T1  - [Synthetic demo] A changed title about burnout in care homes\n"
    path.write_text("".join(lines), encoding="utf-8")
    return "corpus/raw/cinahl_ebsco_2026-10-01.ris: changed"


def _change_codebook(workspace):
    path = workspace / "corpus" / "codebook.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("include: [burnout, ", "include: [sickness absence, burnout, ", 1))
    assert path.read_text(encoding="utf-8") != text
    return "corpus/codebook.yml: changed"


def _change_decision(workspace):
    trace = json.loads((workspace / "reports" / PACK / "trace.json").read_text())
    first, second = trace["numbers"]["records in this pack"][:2]
    store = DecisionStore(workspace / "curation" / "decisions.sqlite")
    store.record(
        reviewer="Auditor",
        target=first,
        stage="title_abstract",
        decision="exclude",
        reason="wrong population",
    )
    store.record(reviewer="Auditor", target=second, stage="title_abstract", decision="include")
    return (
        f"Auditor exclude (wrong population) on {first} at title_abstract; "
        f"Auditor include on {second} at title_abstract"  # no reason: stored as missing
    )


def _change_parameter(workspace):
    (workspace / "packs.yml").write_text(
        "defaults:\n  year_from: 2015\nmatrix:\n  themes: [burnout]\n  audience: [leaders]\n",
        encoding="utf-8",
    )
    return "parameter year_from: null when built, 2015 now"


@pytest.mark.parametrize(
    ("change", "affected"),
    [
        pytest.param(_change_title, "evidence.csv", id="raw-export-title", marks=pytest.mark.long),
        pytest.param(_change_codebook, "trace.json", id="codebook-term", marks=pytest.mark.long),
        # nothing was screened at the build, so the pack showed every record; after the
        # first decision it shows the included ones only
        pytest.param(_change_decision, "evidence.csv: 104 rows when built", id="decision"),
        pytest.param(
            _change_parameter, "'records in this pack'", id="parameter", marks=pytest.mark.long
        ),
    ],
)
def test_each_change_is_named_with_the_outputs_it_affected(built, tmp_path, change, affected):
    workspace = copy(built, tmp_path)
    named = change(workspace)
    result = audit(workspace / "reports" / PACK)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("NOT REPRODUCED: burnout-leaders")
    inputs, outputs = result.stdout.split("outputs that differ:")
    assert named in inputs
    assert affected in outputs


def test_audit_of_a_folder_without_manifest_is_one_line(tmp_path):
    result = audit(tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: ")
    assert "manifest.json: not found" in result.stderr


def test_a_log_rewritten_outside_the_workbench_is_named(built, tmp_path):
    """REPLACE is refused; an attacker who drops the triggers is still caught."""
    import sqlite3

    workspace = copy(built, tmp_path)
    _change_decision(workspace)
    folder = workspace / "reports" / PACK
    run_stages(workspace, progress=False)
    build_all(load_matrix(workspace / "packs.yml"), workspace, progress=False)
    db = sqlite3.connect(workspace / "curation" / "decisions.sqlite")
    db.executescript("DROP TRIGGER events_no_update; UPDATE events SET decision = 'include';")
    db.close()
    result = audit(folder)
    assert "not the ones the pack was built from (the log was rewritten" in result.stdout


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda m: m.pop("outputs"), "'outputs' is missing", id="missing-key"),
        pytest.param(lambda m: m.update(inputs=[1]), "'inputs' is missing or not", id="list"),
        pytest.param(
            lambda m: m["seeds"].update(pipeline="2026"), "seeds.pipeline '2026'", id="str-seed"
        ),
    ],
)
def test_a_damaged_manifest_cannot_be_audited_exit_2(built, tmp_path, edit, message):
    workspace = copy(built, tmp_path)
    path = workspace / "reports" / PACK / "manifest.json"
    recorded = json.loads(path.read_text())
    edit(recorded)
    path.write_text(json.dumps(recorded))
    result = audit(workspace / "reports" / PACK)
    assert result.returncode == 2 and result.stderr.startswith("error: ")
    assert message in result.stderr and "Traceback" not in result.stderr


def test_keep_into_a_folder_that_is_not_empty_is_refused(built, tmp_path):
    workspace = copy(built, tmp_path)
    other = tmp_path / "other-workspace"
    (other / "curation").mkdir(parents=True)
    (other / "corpus.txt").write_text("someone else's")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scoping.cli",
            "audit",
            str(workspace / "reports" / PACK),
            "--keep",
            str(other),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "not empty" in result.stderr
    assert sorted(p.name for p in other.iterdir()) == ["corpus.txt", "curation"]


def test_custom_exclusion_reasons_and_pair_decisions_are_audited(built, tmp_path):
    workspace = copy(built, tmp_path)
    trace = json.loads((workspace / "reports" / PACK / "trace.json").read_text())
    store = DecisionStore(workspace / "curation" / "decisions.sqlite", reasons=["not UK"])
    store.record(
        reviewer="Ann",
        target=trace["numbers"]["records in this pack"][0],
        stage="title_abstract",
        decision="exclude",
        reason="not UK",
    )
    pair = (workspace / "build" / "dedupe_review.csv").read_text().splitlines()[1].split(",")
    decisions = workspace / "build" / "dedupe_decisions.csv"
    decisions.write_text(f"a,b,decision\n{pair[0]},{pair[1]},same\n")
    run_stages(workspace, progress=False)
    build_all(load_matrix(workspace / "packs.yml"), workspace, progress=False)
    result = audit(workspace / "reports" / PACK)
    assert result.returncode == 0, result.stdout + result.stderr
    # The pair decisions are an input: their removal is named (checked before the
    # rebuild, which the audit above has shown reproduces the pack).
    recorded = json.loads((workspace / "reports" / PACK / "manifest.json").read_text())
    assert "build/dedupe_decisions.csv" in recorded["inputs"]
    decisions.unlink()
    assert "build/dedupe_decisions.csv: removed" in _input_changes(recorded, workspace)


def test_an_edited_demo_export_is_rebuilt_from_and_named(demo_built, tmp_path):
    workspace = tmp_path / "demo"
    shutil.copytree(demo_built, workspace, ignore=shutil.ignore_patterns("reports"))
    build_all([PackSpec(PACK, {"themes": ["burnout"]})], workspace, progress=False)
    export = workspace / "corpus" / "demo" / "raw" / "cinahl_ebsco_2026-10-01.ris"
    lines = export.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("T1  - "))
    lines[at] = "T1  - [Synthetic demo] An edited title about burnout\n"
    export.write_text("".join(lines))
    result = audit(workspace / "reports" / PACK)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "corpus/demo/raw/cinahl_ebsco_2026-10-01.ris: changed" in result.stdout


def test_an_audit_copies_a_server_store_and_rebuilds_from_the_copy(pg_store, tmp_path, monkeypatch):
    from scoping.audit import _copy_inputs
    from scoping.curation import DecisionStore
    from scoping.manifest import decision_log
    from scoping.workspace import Workspace

    url = pg_store()
    DecisionStore(url).record(
        reviewer="Ann", target="r1", stage="title_abstract", decision="include"
    )
    source, target = tmp_path / "ws", tmp_path / "rebuilt"
    (source / "corpus").mkdir(parents=True)
    target.mkdir()
    monkeypatch.setenv("SCOPING_STORE_URL", url)  # the team's server, for every workspace
    _copy_inputs(source, target)
    rebuilt = Workspace(target).store
    assert rebuilt == target / "curation" / "decisions.sqlite"  # never the live server
    assert decision_log(rebuilt) == decision_log(url) and decision_log(url)["events"] == 1


@pytest.mark.long
@pytest.mark.timeout(1500)
def test_a_pack_built_against_a_server_store_is_reproduced_from_a_copy(pg_store, tmp_path_factory):
    """The whole pipeline with the team's store on PostgreSQL: the pack's manifest holds
    the server's log digest, and the audit, which rebuilds from a file copy of the log,
    finds every output the same."""
    url = pg_store()
    source = tmp_path_factory.mktemp("src")
    generate(source)
    workspace = tmp_path_factory.mktemp("ws")
    shutil.copytree(source / "raw", workspace / "corpus" / "raw")
    shutil.copy(source / "searches.yml", workspace / "corpus" / "searches.yml")
    (workspace / "packs.yml").write_text(
        "matrix:\n  themes: [burnout]\n  audience: [leaders]\n", encoding="utf-8"
    )
    (workspace / "scoping.yml").write_text(f"workspace: 1\nstore: {url}\n", encoding="utf-8")
    run_stages(workspace, progress=False)
    space = Workspace(workspace)
    works = pd.read_parquet(space.build / "unique.parquet")["record_id"].tolist()
    space.decisions().record_many(  # a reviewer's screening, on the server
        {"reviewer": "Ann", "target": rid, "stage": "title_abstract", "decision": "include"}
        for rid in works[:40]
    )
    run_stages(workspace, progress=False)
    build_all(load_matrix(workspace / "packs.yml"), workspace, progress=False)
    manifest = json.loads((workspace / "reports" / PACK / "manifest.json").read_text())
    assert manifest["decision_log"]["events"] == 40
    assert not (workspace / "curation" / "decisions.sqlite").exists()  # all on the server
    result = audit(workspace / "reports" / PACK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("reproduced: every output of burnout-leaders")
