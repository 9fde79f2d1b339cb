"""packs.yml: the matrix of packs, every parameter checked before any pack is built."""

import pytest

from scoping.errors import InputError
from scoping.packs import DEFAULT_PACKS, load_matrix


def test_default_matrix_is_each_theme_for_each_audience():
    specs = load_matrix(DEFAULT_PACKS)
    names = [s.name for s in specs]
    assert len(names) == 6 * 2 + 1 and len(set(names)) == len(names)
    assert "psychological-safety-leaders" in names and "burnout-frontline" in names
    first = specs[0]
    assert first.params.themes == ("psychological_safety",) and first.params.seed == 2026


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("matrix: {audience: [leaders]}\nextra: 1\n", "unknown section.*extra"),
        ("matrix: {audiense: [leaders]}\n", "pack leaders: unknown pack parameter.*audiense"),
        ("packs: [{audience: leaders}]\n", "pack 1 under 'packs' needs a name"),
        ("packs: [{name: a}, {name: A}]\n", "pack name.*used twice: a"),
        ("matrix: {audience: [leaders]\n", "line 2: not valid YAML"),
        ("defaults: {seed: 1}\n", "no packs"),
        ("- a\n- b\n", "expected sections defaults, matrix and packs"),
        ("matrix: {audience: leaders}\n", "matrix audience must be a list"),
        ("matrix: [burnout, leaders]\n", "'matrix' is not laid out as expected"),
        ("defaults: [settings, both]\nmatrix: {audience: [leaders]}\n", "'defaults' is not"),
        ("packs: {name: a}\n", "'packs' is not laid out as expected"),
    ],
)
def test_packs_file_errors_name_the_pack_and_the_fix(tmp_path, text, message):
    path = tmp_path / "packs.yml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_matrix(path)
