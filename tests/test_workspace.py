"""The workspace: init makes one and never overwrites; paths and shipped fallbacks."""

import subprocess
import sys

import pytest

from scoping import resources
from scoping.errors import InputError
from scoping.workspace import Workspace, init


def test_init_writes_a_workspace_that_falls_back_on_nothing(tmp_path):
    root = tmp_path / "burnout-review"
    written = init(root)
    names = {p.relative_to(root).as_posix() for p in written}
    assert {
        "scoping.yml",
        "corpus/raw/README.md",
        "corpus/searches.yml",
        "corpus/codebook.yml",
        "packs.yml",
        ".gitignore",
        "notebooks/screening.ipynb",
        "notebooks/dedupe_review.ipynb",
    } <= names
    space = Workspace(root)
    assert space.codebook == space.own_codebook and space.packs == space.own_packs
    assert space.own_codebook.read_bytes() == resources.path(resources.CODEBOOK).read_bytes()
    ignored = (root / ".gitignore").read_text().splitlines()
    assert "build/" in ignored and ".ipynb_checkpoints/" in ignored


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "packs.yml").write_text("matrix: {audience: [leaders]}\n")
    with pytest.raises(
        InputError, match=r"already holds packs\.yml; scoping init never overwrites"
    ):
        init(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packs.yml"]


def test_an_empty_folder_uses_the_shipped_files(tmp_path):
    space = Workspace(tmp_path)
    assert space.codebook == resources.path(resources.CODEBOOK)
    assert space.packs == resources.path(resources.PACKS)
    assert space.store == tmp_path / "curation" / "decisions.sqlite"


def test_find_walks_up_to_the_workspace(tmp_path):
    init(tmp_path / "ws")
    assert Workspace.find(tmp_path / "ws" / "notebooks").root == (tmp_path / "ws").resolve()
    with pytest.raises(InputError, match="not inside a workspace"):
        Workspace.find(tmp_path)


def test_a_missing_workspace_is_one_line_for_every_command(tmp_path):
    for args in (["run"], ["conflicts"], ["pack", "--no-stages"]):
        result = subprocess.run(
            [sys.executable, "-m", "scoping.cli", *args, "--workspace", str(tmp_path / "typo")],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
        assert "no such workspace folder" in result.stderr
    assert not (tmp_path / "typo").exists()  # nothing created, no empty store


def test_the_groups_highlight_keywords_come_from_scoping_yml(tmp_path):
    space = Workspace(tmp_path)
    assert space.keywords() == {}
    space.config.write_text("highlight:\n  include: [huddle]\n  exclude: [students]\n")
    assert space.keywords() == {"include": ["huddle"], "exclude": ["students"]}
    space.config.write_text("highlight: [huddle]\n")
    with pytest.raises(InputError, match="'highlight' has two word lists"):
        space.keywords()


@pytest.mark.parametrize(
    ("text", "read", "message"),
    [
        ("stroe: x\n", "settings", r"unknown setting 'stroe'; did you mean 'store'\?"),
        ("topics: [nhs, trust]\n", "topic_stop_words", "'topics' holds a word list"),
        ("topics: nhs\n", "topic_stop_words", "'topics' holds a word list"),
        ("reasons: {fulltext: [x]}\n", "reasons", "'reasons' names stage.s. fulltext; the"),
    ],
)
def test_a_misspelt_or_misshapen_setting_is_one_line(tmp_path, text, read, message):
    space = Workspace(tmp_path)
    space.config.write_text(text)
    with pytest.raises(InputError, match=message):
        getattr(space, read)()


def test_the_reasons_shown_in_a_new_scoping_yml_are_the_shipped_ones():
    import yaml

    from scoping.curation.store import STAGE_REASONS
    from scoping.workspace import CONFIG_TEXT

    lines = CONFIG_TEXT.splitlines()
    start = lines.index("# reasons:")
    block = []
    for line in lines[start:]:
        if not line.startswith("#   ") and line != "# reasons:":
            break
        block.append(line[2:])
    shown = yaml.safe_load("\n".join(block))["reasons"]
    assert {stage: tuple(found) for stage, found in shown.items()} == STAGE_REASONS
