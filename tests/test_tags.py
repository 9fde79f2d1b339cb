import pandas as pd
import pytest

from scoping import resources
from scoping.errors import InputError
from scoping.tags import Term, load_codebook, run, tag_record

CODEBOOK = """
version: test
tags:
  - name: psych_safety
    group: theme
    definition: Safe to take interpersonal risks.
    include: [psychological safety, speak* up]
  - name: burnout
    group: theme
    definition: Exhaustion from chronic work stress.
    include: [burnout, burn out, emotional exhaustion]
    exclude: [burn injur*]
  - name: nurses
    group: staff
    definition: Nurses.
    include: [nurses]
    fields: [title]
"""


@pytest.fixture
def codebook(tmp_path):
    path = tmp_path / "codebook.yml"
    path.write_text(CODEBOOK)
    return load_codebook(path)


def _tags(codebook, **fields):
    record = {"record_id": "r1", "title": None, "abstract": None, "keywords": [], **fields}
    return {row["tag"]: row for row in tag_record(record, codebook)}


def test_phrase_and_prefix(codebook):
    got = _tags(codebook, abstract="Staff speaking up about Psychological Safety.")
    assert got["psych_safety"]["matched_terms"] == "psychological safety; speaking up"
    assert got["psych_safety"]["fields"] == "abstract"


def test_phrase_words_must_be_in_a_row(codebook):
    assert "psych_safety" not in _tags(codebook, abstract="Psychological aspects of safety.")


def test_stem_and_hyphen(codebook):
    got = _tags(codebook, title="Burn-out and emotionally exhausted nurses")
    # Porter stems "emotionally exhausted" like "emotional exhaustion" (emotion, exhaust)
    assert got["burnout"]["matched_terms"] == "burn out; emotionally exhausted"
    assert got["nurses"]["matched_terms"] == "nurses"
    assert _tags(codebook, title="A nurse's day")["nurses"]["matched_terms"] == "nurse"


def test_exclusion_vetoes_and_is_reported(codebook):
    got = _tags(codebook, abstract="Burnout among staff of a unit treating burn injuries.")
    assert got["burnout"]["applied"] is False
    assert got["burnout"]["excluded_by"] == "burn injuries"


def test_field_restriction(codebook):
    assert "nurses" not in _tags(codebook, abstract="Survey of nurses.")
    assert "nurses" in _tags(codebook, title="Survey of nurses.")


def test_keywords_lists_are_read(codebook):
    got = _tags(codebook, keywords=["Burnout", "Social care"])
    assert got["burnout"]["fields"] == "keywords"


def test_term_parse():
    assert Term.parse("speak* up").words == (("speak", True), ("up", False))
    assert Term.parse("Burn-out").words == (("burn", False), ("out", False))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("tags: [1]\n", r"each tag must be a mapping", id="shape"),
        pytest.param(
            "tags:\n  - {name: a, group: t, definition: d}\n", r"missing include", id="missing"
        ),
        pytest.param(
            "tags:\n  - {name: a, group: t, definition: d, include: [x], colour: red}\n",
            r"unknown key\(s\) colour; allowed:",
            id="unknown-key",
        ),
        pytest.param(
            "tags:\n  - {name: a, group: t, definition: d, include: [x], fields: [body]}\n",
            r"unknown field\(s\) body; fields are title",
            id="unknown-field",
        ),
        pytest.param(
            "tags:\n  - {name: a, group: t, definition: d, include: [x]}\n"
            "  - {name: a, group: t, definition: d, include: [y]}\n",
            r"tag name\(s\) used twice: a",
            id="duplicate",
        ),
        pytest.param("tags: [\n", r"line \d+: not valid YAML", id="yaml"),
    ],
)
def test_codebook_errors(tmp_path, text, match):
    path = tmp_path / "codebook.yml"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        load_codebook(path)


def test_shipped_codebook_loads_and_covers_the_mission():

    codebook = load_codebook(resources.path(resources.CODEBOOK))
    names = {t.name for t in codebook.tags}
    assert {
        "just_culture",
        "psychological_safety",
        "compassionate_care",
        "burnout",
        "joy_in_work",
        "learning_from_excellence",
        "social_care",
        "care_homes",
    } <= names
    assert {t.group for t in codebook.tags} == {"theme", "setting", "staff", "design", "outcome"}
    assert all(t.definition for t in codebook.tags)
    sectors = {t.name: t.sector for t in codebook.tags if t.group == "setting"}
    assert set(sectors.values()) == {"health", "social care"}
    assert sectors["care_homes"] == "social care" and sectors["acute_care"] == "health"


def test_run_writes_evidence_and_matrix(tmp_path, data):
    from scoping.ingest import ingest

    ingest([data / "multiline_abstract.ris"], tmp_path, progress=False)
    (tmp_path / "codebook.yml").write_text(CODEBOOK)
    evidence, _ = run(tmp_path, tmp_path / "codebook.yml")
    assert list(evidence["tag"]) == ["burnout"]
    matrix = pd.read_parquet(tmp_path / "tag_matrix.parquet")
    assert list(matrix.columns) == ["record_id", "psych_safety", "burnout", "nurses"]
    assert matrix.loc[0, "burnout"] == "burnout"
    assert pd.read_csv(tmp_path / "tags.csv")["matched_terms"].tolist() == ["burnout"]


def test_run_needs_records(tmp_path):
    with pytest.raises(InputError, match=r"neither unique.parquet nor records.parquet"):
        run(tmp_path, tmp_path / "codebook.yml")


@pytest.mark.parametrize(
    ("title", "tag", "tagged"),
    [
        ("The bad things that happened are kind of good things", "compassionate_care", False),
        ("Kindness on the ward", "compassionate_care", True),
        ("Keeping in mind the patient's view", "wellbeing_interventions", False),
        ("Mindfulness-based stress reduction for carers", "wellbeing_interventions", True),
        ("Civil servants and the pandemic", "culture", False),
        ("Civility training in theatre teams", "culture", True),
        ("A product recall in general practice", "organisational_outcomes", False),
        ("Nurse productivity and staffing", "organisational_outcomes", True),
    ],
)
def test_shipped_terms_do_not_match_a_different_common_word(title, tag, tagged):
    codebook = load_codebook(resources.path(resources.CODEBOOK))
    assert (tag in _tags(codebook, title=title)) is tagged
