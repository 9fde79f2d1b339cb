import pandas as pd

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
    records = pd.read_parquet(tmp_path / "build" / "records.parquet")
    assert len(records) > 300
    assert {f.format for f in result.files} == {"ris", "medline", "table"}
    assert records["title"].str.startswith(TITLE_PREFIX).all()
    assert records["journal"].dropna().str.startswith("Synthetic Demonstration").all()
    assert records["notes"].fillna("").str.contains(DEMO_MARK).mean() > 0.75
    assert records["doi"].dropna().str.startswith("10.5555/").all()
    assert result.totals["synthetic_demo_records"] == len(records)
    assert result.search_log["issues"] == []
    assert "SYNTHETIC" in (tmp_path / "demo" / "searches.yml").read_text()
    ranges = records["pages"].dropna().str.extract(r"^(\d+)-(\d+)$").dropna().astype(int)
    assert len(ranges) > 300 and (ranges[1] >= ranges[0]).all()  # no 491-404


def test_demo_plants_duplicates_across_databases(tmp_path):
    raw = generate(tmp_path / "demo")
    ingest([raw], tmp_path / "build", progress=False)
    frame = pd.read_parquet(tmp_path / "build" / "records.parquet")
    titles = [t.removeprefix(TITLE_PREFIX).lower().rstrip(".") for t in frame["title"]]
    repeated = len(titles) - len(set(titles))
    assert repeated > 50
