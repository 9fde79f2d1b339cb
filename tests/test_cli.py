"""The command line, run as a user runs it: a separate process, exit codes, no tracebacks."""

import json
import shutil
import subprocess
import sys

import pytest


def scoping(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "scoping.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["ingest", "nowhere", "--out", "o"], "nowhere: no such file or folder", id="missing"
        ),
        pytest.param(
            ["ingest", "DATA/not_an_export.pdf", "--out", "o"],
            "this is a PDF document",
            id="binary",
        ),
        pytest.param(
            ["ingest", "DATA/empty.ris", "--out", "o"], "is empty (no records)", id="empty"
        ),
        pytest.param(
            ["ingest", "DATA/grey_literature.csv", "--out", "o", "--column-map", "title=Nope"],
            "no such column",
            id="column-map",
        ),
        pytest.param(
            ["ingest", "DATA/grey_literature.csv", "--out", "afile"],
            "afile: a file is where a folder is needed",
            id="out-is-a-file",
        ),
        pytest.param(["init", "afile"], "afile: a file is where a folder is needed", id="init"),
        pytest.param(
            ["ingest", "DATA/grey_literature.csv", "--out", "afile/o"],
            "a file is where a folder is needed",
            id="out-under-a-file",
        ),
        pytest.param(
            ["topics", ".", "--method", "foo"],
            "topics: Invalid value for '--method'",
            id="bad-choice",
        ),
        pytest.param(["topicz"], "No such command 'topicz'. Did you mean 'topics'?", id="typo"),
        pytest.param(["ingest"], "ingest: Missing argument", id="missing-argument"),
        pytest.param(["pack", "--bogus"], "No such option '--bogus'. (see `", id="unknown-option"),
        pytest.param(["store", "nope"], "store: No such command 'nope'", id="store-typo"),
        pytest.param(["topics", ".", "--k", "0"], "--k must be a whole number of 2", id="k-0"),
    ],
)
def test_user_errors_are_one_line(tmp_path, data, args, message):
    (tmp_path / "afile").write_text("not a folder")
    result = scoping(*[a.replace("DATA", str(data)) for a in args], cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_ingest_with_column_map(tmp_path, data):
    result = scoping(
        "ingest",
        data / "grey_literature.csv",
        "--out",
        "out",
        "--quiet",
        "--column-map",
        "title=Report name",
        "--column-map",
        "abstract=Summary",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "ingest: 1 files, 2 records found, 2 read, 0 rejected" in result.stdout


def test_run_on_empty_workspace_uses_marked_demo(tmp_path):
    result = scoping("run", "--workspace", tmp_path, "--no-packs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()[:2]
    assert "SYNTHETIC demonstration corpus" in first
    assert second.startswith("SYNTHETIC DEMONSTRATION CORPUS: ")
    report = json.loads((tmp_path / "build" / "ingest_report.json").read_text())
    totals = report["totals"]
    assert totals["synthetic_demo_records"] == totals["records_read"] > 300
    assert report["search_log"]["issues"] == []
    assert "demo: " in result.stdout and "SYNTHETIC screening decisions" in result.stdout


@pytest.mark.long
@pytest.mark.timeout(1200)
def test_the_main_job_builds_every_pack_of_the_default_matrix(tmp_path, retracted_flags):
    result = scoping("run", "--workspace", tmp_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from scoping.packs import DEFAULT_PACKS, OUTPUTS, load_matrix

    names = [spec.name for spec in load_matrix(DEFAULT_PACKS)]
    assert f"packs: {len(names)} briefing packs" in result.stdout
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == sorted(names)
    for name in names:
        folder = tmp_path / "reports" / name
        for output in OUTPUTS:
            assert (folder / output).stat().st_size > 0, (name, output)
        assert (folder / "pack.pdf").read_bytes().startswith(b"%PDF-")
        page = (folder / "pack.html").read_text(encoding="utf-8")
        assert page.index("SYNTHETIC DEMONSTRATION") < page.index("<h1>")
        assert "data:image/png;base64," in page
    cited = [retracted_flags(tmp_path / "reports" / n, tmp_path) for n in names]
    assert sum(cited) >= 3  # the demo's retracted works, cited and flagged in several packs


def test_run_prefers_the_users_exports(tmp_path, data):
    raw = tmp_path / "corpus" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(data / "multiline_abstract.ris", raw)
    result = scoping("run", "--workspace", tmp_path, "--no-packs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SYNTHETIC" not in result.stdout
    assert not (tmp_path / "corpus" / "demo").exists()
    assert "1 files, 1 records found, 1 read" in result.stdout


def test_formats_command(tmp_path):
    result = scoping("formats", cwd=tmp_path)
    assert result.returncode == 0 and "openalex" in result.stdout


def test_dedupe_needs_an_ingested_folder(tmp_path):
    result = scoping("dedupe", tmp_path, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "records.parquet: not found; run `scoping ingest" in result.stderr


def test_dedupe_eval_reports_pairwise_scores(tmp_path):
    (tmp_path / "records.csv").write_text(
        "ID,title,author,year,journal,volume,pages\n"
        'id_1,Speaking up in hospital teams,"Smith, J",2020,BMJ Qual Saf,29,100-110\n'
        'id_2,Speaking Up in Hospital Teams.,"Smith, Jo",2020,BMJ Qual Saf,29,100-10\n'
        'id_3,Joy in work in care homes,"Lee, K",2019,Age Ageing,48,5-9\n'
        'id_4,Compassion fatigue in paramedics,"Roe, A",2018,EMJ,35,1-4\n'
        'id_5,Erratum: Joy in work in care homes,"Lee, K",2020,Age Ageing,49,77\n'
    )
    (tmp_path / "gold.csv").write_text('merged_ids\n"id_1;id_2"\n"id_3;id_4;id_5"\n')
    result = scoping("dedupe-eval", "records.csv", "gold.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "pairwise precision 1.0000  recall 0.2500" in result.stdout
    assert "missed: 3 'Joy in work in care homes' ~ 4" in result.stdout
    # the erratum is linked to its paper, not merged: found once links count
    assert "1 of 1 linked record pairs grouped in the gold set" in result.stdout
    assert "gold pairs merged or linked: recall 0.5000 (2 of 4)" in result.stdout


def test_simulate_prints_json(tmp_path):
    import json as _json

    rows = ["title,abstract,included"]
    for i in range(40):
        if i < 5:
            rows.append(f"Burnout in nurses {i},staff burnout exhaustion wellbeing nurses,1")
        else:
            rows.append(f"Soil fauna {i},wetland reed restoration soil sediment,0")
    (tmp_path / "labelled.csv").write_text("\n".join(rows) + "\n")
    result = scoping(
        "simulate", "labelled.csv", "--label-column", "included", "--seeds", "2", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    metrics = _json.loads(result.stdout)
    assert metrics["relevant"] == 5 and len(metrics["runs"]) == 2
    bad = scoping("simulate", "labelled.csv", "--label-column", "label", cwd=tmp_path)
    assert bad.returncode == 2 and "no column 'label'" in bad.stderr
    (tmp_path / "earlier.csv").write_text("\n".join(rows[:1] + rows[4:24]) + "\n")
    args = ("simulate", "labelled.csv", "--label-column", "included", "--seeds", "1")
    trained = scoping(*args, "--earlier", "earlier.csv", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert _json.loads(trained.stdout)["earlier"] == {
        "source": "earlier.csv",
        "records": 20,
        "included": 2,
    }
    (tmp_path / "excluded.csv").write_text("\n".join(rows[:1] + rows[6:26]) + "\n")
    one_class = scoping(*args, "--earlier", "excluded.csv", cwd=tmp_path)
    assert one_class.returncode == 2 and "at least one included" in one_class.stderr


def _as_reader(args, workspace):
    """Run the CLI where the workspace can be read but not written.

    As a normal user, the workspace's permissions say so. Root writes through any
    permission (CI runs as root), so there the command runs in a private mount
    namespace where the workspace is a read-only bind mount.
    """
    import os

    command = [sys.executable, "-m", "scoping.cli", *map(str, args)]
    if os.geteuid() != 0:
        return subprocess.run(command, capture_output=True, text=True)
    if not shutil.which("unshare"):
        pytest.skip("running as root without unshare(1): cannot make a read-only workspace")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
    result = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            str(workspace),
            *command,
        ],
        capture_output=True,
        text=True,
    )
    if "mount:" in result.stderr or "unshare:" in result.stderr:
        pytest.skip(f"cannot make a read-only bind mount here: {result.stderr.strip()}")
    return result


def test_a_read_only_workspace_can_be_read_and_audited_but_not_built(demo_built, tmp_path):
    import stat

    from scoping.packs import PackSpec, build_all

    workspace = tmp_path / "ws"
    shutil.copytree(demo_built, workspace, ignore=shutil.ignore_patterns("reports"))
    build_all([PackSpec("burnout-leaders", {"themes": ["burnout"]})], workspace, progress=False)
    for path in [workspace, *workspace.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        listed = _as_reader(["conflicts", "--workspace", workspace], workspace)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.startswith("conflicts at title_abstract: 0")
        audited = _as_reader(["audit", workspace / "reports" / "burnout-leaders"], workspace)
        assert audited.returncode == 0, audited.stdout + audited.stderr
        assert audited.stdout.startswith("reproduced:")
        ran = _as_reader(["run", "--workspace", workspace], workspace)
        assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
        assert ran.stderr.startswith("error: ") and "cannot write" in ran.stderr
    finally:
        for path in [workspace, *workspace.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_decisions_lists_each_reviewers_standing_decisions_with_titles(tmp_path):
    import pandas as pd

    from scoping.curation import DecisionStore

    (tmp_path / "build").mkdir()
    pd.DataFrame(
        {"record_id": ["r1", "r2"], "title": ["Huddles and speaking up", "Burnout in care homes"]}
    ).to_parquet(tmp_path / "build" / "unique.parquet")
    store = DecisionStore(tmp_path / "curation" / "decisions.sqlite")
    said = dict(stage="title_abstract", reviewer="Ann")
    store.record(target="r1", decision="maybe", note="ask the team", tags=["huddles"], **said)
    store.record(target="r1", decision="include", note="ask the team", tags=["huddles"], **said)
    store.record(target="r2", decision="exclude", reason="wrong topic", **said)
    store.retract(target="r2", **said)  # undone: not a decision any more
    shown = scoping("decisions", "--workspace", tmp_path, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("decisions at title_abstract: 1, by 1 reviewer ->")
    assert "  Ann: 1 include" in shown.stdout
    table = pd.read_csv(tmp_path / "build" / "decisions_title_abstract.csv")
    assert table[["record_id", "title", "decision", "tags", "note"]].values.tolist() == [
        ["r1", "Huddles and speaking up", "include", "huddles", "ask the team"]
    ]
    empty = scoping("decisions", "--workspace", tmp_path, "--stage", "full_text", cwd=tmp_path)
    assert empty.stdout.startswith("decisions at full_text: 0, by 0 reviewers")
