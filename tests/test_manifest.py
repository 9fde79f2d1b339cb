"""Manifests: hashes, the decision-log digest, and reading a damaged manifest."""

import pytest

from scoping import manifest
from scoping.curation.store import DecisionStore


def test_input_hashes_cover_corpus_packs_and_pair_decisions(tmp_path):
    (tmp_path / "corpus" / "raw").mkdir(parents=True)
    (tmp_path / "corpus" / "raw" / "a.ris").write_text("TY  - JOUR\nER  - \n")
    (tmp_path / "corpus" / "raw" / ".DS_Store").write_text("clutter")
    (tmp_path / "packs.yml").write_text("matrix: {audience: [leaders]}\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "dedupe_decisions.csv").write_text("a,b,decision\n")
    (tmp_path / "build" / "records.parquet").write_bytes(b"built, not an input")
    assert sorted(manifest.input_hashes(tmp_path)) == [
        "build/dedupe_decisions.csv",
        "corpus/raw/a.ris",
        "packs.yml",
    ]


def test_the_log_digest_is_the_same_for_the_same_events_in_a_copy(tmp_path):
    store = DecisionStore(tmp_path / "a.sqlite")
    store.record(reviewer="Ann", target="r1", stage="title_abstract", decision="include")
    store.record(reviewer="Bo", target="r1|r2", stage="dedupe", decision="same")
    copy = store.copy_to(tmp_path / "b.sqlite")
    assert manifest.decision_log(tmp_path / "a.sqlite") == manifest.decision_log(
        tmp_path / "b.sqlite"
    )
    assert manifest.decision_log(tmp_path / "a.sqlite", "dedupe")["events"] == 1
    copy.record(reviewer="Cy", target="r3", stage="title_abstract", decision="maybe")
    assert (
        manifest.decision_log(tmp_path / "b.sqlite")["sha256"]
        != (manifest.decision_log(tmp_path / "a.sqlite")["sha256"])
    )
    assert manifest.decision_log(tmp_path / "none.sqlite") == {
        "events": 0,
        "last_seq": 0,
        "sha256": None,
    }


@pytest.mark.parametrize("text", ["", "{half", "[1, 2]", "\xff\xfe"])
def test_a_damaged_manifest_reads_as_none(tmp_path, text):
    path = tmp_path / "manifest.json"
    path.write_text(text, encoding="latin-1")
    assert manifest.read(path) is None


def test_a_manifest_is_written_whole(tmp_path):
    manifest.write(tmp_path / "manifest.json", {"b": 1, "a": [1, 2]})
    assert manifest.read(tmp_path / "manifest.json") == {"a": [1, 2], "b": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_key_depends_on_file_content_not_name_or_time(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("same")
    b.write_text("same")
    assert manifest.key("stage", a) == manifest.key("stage", b)
    b.write_text("other")
    assert manifest.key("stage", a) != manifest.key("stage", b)
