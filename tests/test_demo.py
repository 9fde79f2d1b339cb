from scoping.demo import DEMO_MARK, TITLE_PREFIX, generate
from scoping.ingest import ingest


def test_demo_is_deterministic(tmp_path):
    generate(tmp_path / "a", seed=7)
    generate(tmp_path / "b", seed=7)
    generate(tmp_path / "c", seed=8)
    names = sorted(p.name for p in (tmp_path / "a" / "raw").iterdir())
    assert len(names) == 5
    for name in names:
        a = (tmp_path / "a" / "raw" / name).read_bytes()
        assert a == (tmp_path / "b" / "raw" / name).read_bytes()
    assert (tmp_path / "a" / "raw" / names[0]).read_bytes() != (
        tmp_path / "c" / "raw" / names[0]
    ).read_bytes()


def test_every_demo_record_is_marked_and_logged(tmp_path):
    raw = generate(tmp_path / "demo")
    result = ingest([raw], tmp_path / "build", progress=False)
    records = [r for f in result.files for r in f.records]
    assert {f.format for f in result.files} == {"ris", "medline", "table"}
    assert all(r.title.startswith(TITLE_PREFIX) for r in records)
    assert all(
        r.journal is None or r.journal.startswith("Synthetic Demonstration") for r in records
    )
    assert sum(1 for r in records if r.notes and DEMO_MARK in r.notes) > 0.75 * len(records)
    assert all(r.doi is None or r.doi.startswith("10.5555/") for r in records)
    assert result.search_log["issues"] == []
    assert "SYNTHETIC" in (tmp_path / "demo" / "searches.yml").read_text()


def test_demo_plants_duplicates_across_databases(tmp_path):
    raw = generate(tmp_path / "demo")
    result = ingest([raw], tmp_path / "build", progress=False)
    titles = [
        r.title.removeprefix(TITLE_PREFIX).lower().rstrip(".")
        for f in result.files
        for r in f.records
    ]
    repeated = len(titles) - len(set(titles))
    assert repeated > 50
