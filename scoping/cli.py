"""The ``scoping`` command: one sub-command per stage, and ``run`` for the main job.

User errors (bad files, wrong options) print one line starting ``error:`` and exit
with status 2; they never show a traceback.
"""

from __future__ import annotations

import errno
import json
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .cli_store import store as store_commands
from .curation.backends import describe
from .curation.store import STAGE_REASONS
from .errors import ScopingError
from .workspace import Workspace

# Stage modules are imported inside their commands, so that `scoping --help` and a
# mistyped option answer at once instead of after loading pandas and scikit-learn.


#: A seed as every random step takes it (NumPy's and scikit-learn's range).
SEED = click.IntRange(0, 2**32 - 1)
#: Control characters (ANSI and OSC escapes among them) shown, never sent to a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """``text`` with control characters written as escapes, on one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text.replace("\n", " "))


class _Group(click.Group):
    """A click group that turns a user's error into one line and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a mistyped command, option or value
            where = exc.ctx.command_path if exc.ctx else ctx.command_path
            message = f"{where}: {exc.format_message()} (see `{where} --help`)"
        except ScopingError as exc:
            message = str(exc)
        except OSError as exc:
            message = _path_problem(exc)
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc) and "unable to open" not in str(exc):
                raise
            message = (
                f"the decision store cannot be written ({exc}); work in a writable copy of "
                "the workspace."
            )
        click.echo(f"error: {_printable(message)}", err=True)
        sys.exit(2)


def _path_problem(exc: OSError) -> str:
    """One line for a path the user gave that cannot be written or made; else re-raise."""
    where = exc.filename or "the workspace"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC):
        return (
            f"{where}: cannot write ({exc.strerror}); free some space or work in a writable "
            "copy of the workspace."
        )
    if exc.filename and exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return f"{where}: a file is where a folder is needed ({exc.strerror}); give a folder."
    if exc.filename and exc.errno == errno.ENOENT:
        return f"{where}: cannot be made or found ({exc.strerror}); check the path."
    raise exc


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="scoping")
def main() -> None:
    """Evidence-scoping workbench: ingest literature exports and build briefing packs."""


main.add_command(store_commands)


@main.command()
def formats() -> None:
    """List the export formats that can be read."""
    from .io import formats as known

    for name, label in known().items():
        click.echo(f"{name:12s} {label}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for records.parquet and ingest_report.json.",
)
@click.option(
    "--searches",
    type=click.Path(path_type=Path),
    default=None,
    help="Search log (searches.yml) to check; default: one beside the folder.",
)
@click.option(
    "--keep-going", is_flag=True, help="List unreadable files in the report instead of stopping."
)
@click.option(
    "--column-map",
    "column_map",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="For tables: which column holds a field, e.g. title='Report name'.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(
    paths: tuple[Path, ...],
    out: Path,
    searches: Path | None,
    keep_going: bool,
    column_map: tuple[str, ...],
    quiet: bool,
) -> None:
    """Read export files and folders into OUT/records.parquet."""
    from .ingest import ingest as run_ingest

    result = run_ingest(
        list(paths),
        out,
        searches=searches,
        keep_going=keep_going,
        progress=not quiet,
        column_map=_column_map(column_map),
    )
    click.echo("\n".join(result.summary(out)))


def _column_map(pairs: tuple[str, ...]) -> dict[str, str] | None:
    from .records import FIELDS

    mapping = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or name.strip() not in (*FIELDS, "end_page"):
            raise click.BadParameter(
                f"{pair!r}: write FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}.",
                param_hint="--column-map",
            )
        mapping[name.strip()] = column.strip().strip("'\"")
    return mapping or None


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--decisions",
    type=click.Path(path_type=Path),
    default=None,
    help="Decision store with reviewed pairs; default: ../curation/decisions.sqlite.",
)
def dedupe(folder: Path, decisions: Path | None) -> None:
    """Group duplicates in FOLDER/records.parquet (nothing is deleted)."""
    from .dedupe import run as run_dedupe

    store = decisions or Workspace(folder.parent).store
    click.echo(run_dedupe(folder, store=store).summary(folder))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--codebook",
    default=None,
    type=click.Path(path_type=Path),
    help="The codebook to apply; default: the workspace's corpus/codebook.yml, else the "
    "shipped one.",
)
def tag(folder: Path, codebook: Path | None) -> None:
    """Tag FOLDER's records with the codebook, keeping the matched words as evidence."""
    from .tags import run as run_tags
    from .tags import summary as tag_summary

    evidence, book = run_tags(folder, codebook or Workspace(folder.parent).codebook)
    click.echo(tag_summary(evidence, book, folder))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--form",
    default=None,
    type=click.Path(path_type=Path),
    help="The charting form; default: the workspace's corpus/charting.yml, else the shipped one.",
)
@click.option("--codebook", default=None, type=click.Path(path_type=Path), help="The codebook.")
def draft(folder: Path, form: Path | None, codebook: Path | None) -> None:
    """Draft the charting fields of FOLDER's works from their own text -> drafts.csv."""
    from . import drafts

    space = Workspace(folder.parent)
    table = drafts.run(folder, form or space.charting, codebook or space.codebook)
    click.echo(drafts.summary(table, folder))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--k", "k", default="auto", show_default=True, help="Topics, or 'auto'.")
@click.option(
    "--k-min", type=int, default=None, help="Smallest k fitted by 'auto' [scaled with the corpus]."
)
@click.option(
    "--k-max",
    type=int,
    default=None,
    help="Largest k fitted by 'auto' [scaled]; facets then joined may show fewer topics.",
)
@click.option(
    "--keywords/--no-keywords",
    default=False,
    show_default=True,
    help="Read keywords and subject headings too (the same default everywhere).",
)
@click.option(
    "--method-words/--no-method-words",
    default=True,
    show_default=True,
    help="Keep research-method words (trial, qualitative...) out of topic terms.",
)
@click.option("--method", type=click.Choice(["nmf", "lda"]), default="nmf", show_default=True)
@click.option(
    "--seed", type=SEED, default=2026, show_default=True, help="Seed of every random step."
)
@click.option(
    "--draft-tag",
    type=int,
    default=None,
    help="Print a codebook tag draft (YAML) from this topic of FOLDER/topics.csv instead.",
)
def topics(
    folder: Path,
    k: str,
    k_min: int | None,
    k_max: int | None,
    keywords: bool,
    method_words: bool,
    method: str,
    seed: int,
    draft_tag: int | None,
) -> None:
    """Model FOLDER's topics (TF-IDF with NMF or LDA), k chosen by coherence x stability."""
    import pandas as pd
    import yaml

    from . import topics as tm

    if draft_tag is not None:
        table = folder / "topics.csv"
        if not table.is_file():
            raise ScopingError(f"{table}: not found; run `scoping topics {folder}` first.")
        draft = tm.draft_tag(pd.read_csv(table), draft_tag)
        click.echo(yaml.safe_dump({"tags": [draft]}, sort_keys=False, allow_unicode=True))
        return
    if k != "auto" and not (k.isdigit() and int(k) >= 2):
        raise ScopingError(f"--k must be a whole number of 2 or more, or 'auto'; got {k!r}.")
    given = (k_min, k_max) != (None, None)
    model = tm.TopicModel(
        n_topics=k if k == "auto" else int(k),
        method=method,
        k_range=(5 if k_min is None else k_min, 20 if k_max is None else k_max)
        if given
        else "auto",
        random_state=seed,
        n_jobs=-1,
        method_words=method_words,
    )
    fitted, table = tm.run(folder, model, keywords=keywords)
    click.echo(tm.summary(fitted, table, folder))
    for row in table.itertuples():
        flag = "" if row.stable else "  [unstable]"
        click.echo(f"  {row.topic:3d} {row.size:6d}  {row.label}{flag}")


@main.command("dedupe-eval")
@click.argument("records", type=click.Path(path_type=Path))
@click.argument("gold", type=click.Path(path_type=Path))
@click.option("--id-column", default=None, help="Column of RECORDS holding the ids GOLD uses.")
@click.option("--examples", default=3, show_default=True, help="Examples of each error kind.")
def dedupe_eval(records: Path, gold: Path, id_column: str | None, examples: int) -> None:
    """Score deduplication of RECORDS against GOLD duplicate groups (merged_ids CSV)."""
    from .dedupe import evaluate_files, load_gold, score_links

    score, result, ids = evaluate_files(records, gold, id_column=id_column)
    click.echo(
        f"merged: pairwise precision {score.precision:.4f}  recall {score.recall:.4f}  "
        f"F1 {score.f1:.4f}  ({score.correct_pairs} of {score.predicted_pairs} predicted "
        f"pairs correct; {score.true_pairs} true pairs)"
    )
    click.echo(f"false merges: {len(score.false_merges)}  missed duplicates: {len(score.missed)}")
    links = score_links(result, ids, load_gold(gold))
    click.echo(
        f"linked: {len(result.related)} related-report links "
        f"({int((result.related['status'] == 'review').sum())} for review); "
        f"{links.link_pairs_in_gold} of {links.link_pairs} linked record pairs grouped "
        f"in the gold set (precision {links.link_precision:.4f})"
    )
    click.echo(
        f"gold pairs merged or linked: recall {links.recall():.4f} "
        f"({links.linked} of {links.true_pairs}); counting links for review too: "
        f"{links.recall(review=True):.4f}"
    )
    title = dict(zip(ids.values, result.records.loc[ids.index, "title"], strict=True))
    for label, pairs in (("false merge", score.false_merges), ("missed", score.missed)):
        for a, b in pairs[:examples]:
            click.echo(
                f"  {label}: {a} {str(title.get(a))[:60]!r} ~ {b} {str(title.get(b))[:60]!r}"
            )


@main.command()
@click.argument("labelled", type=click.Path(path_type=Path))
@click.option("--label-column", required=True, help="Column holding 1/0 (or true/false).")
@click.option(
    "--seeds",
    type=click.IntRange(1),
    default=5,
    show_default=True,
    help="Seeds 0..N-1, one run each.",
)
@click.option(
    "--classifier",
    default="elas-u4",
    show_default=True,
    help="The screening model: elas-u4 (as ASReview's default), logistic or nb.",
)
@click.option(
    "--order",
    default="model",
    show_default=True,
    type=click.Choice(["model", "random"]),
    help="random: the calibration baseline.",
)
@click.option(
    "--earlier",
    type=click.Path(path_type=Path),
    help="A labelled table of an earlier, related review (same label column): trained on too.",
)
def simulate(
    labelled: Path,
    label_column: str,
    seeds: int,
    classifier: str,
    order: str,
    earlier: Path | None,
) -> None:
    """Replay prioritised screening on a fully labelled table; print the metrics as JSON."""
    from .curation.prioritise import Earlier
    from .curation.prioritise import simulate as run_simulation

    texts, labels = _labelled(labelled, label_column)
    before = None
    if earlier is not None:
        more, known = _labelled(earlier, label_column)
        before = Earlier(tuple(more), tuple(known), source=str(earlier))
    result = run_simulation(
        texts,
        labels,
        seeds=tuple(range(seeds)),
        classifier=classifier,
        order=order,
        earlier=before,
    )
    click.echo(json.dumps(result, indent=1))


def _labelled(path: Path, column: str) -> tuple[list[str], list[int]]:
    """Title + abstract and 1/0 label of each record of a labelled table."""
    from .errors import InputError
    from .io import read
    from .records import raw_fields

    texts, labels = [], []
    for record in read(path).records:
        raw = raw_fields(record.raw)
        if column not in raw:
            raise InputError(
                f"{path}: no column {column!r} in record "
                f"{record.provenance.record_number}; columns: {', '.join(raw)}."
            )
        value = str(raw[column]).strip().lower()
        labels.append(1 if value in ("1", "1.0", "true", "yes", "include", "included") else 0)
        texts.append(f"{record.title or ''} {record.abstract or ''}")
    return texts, labels


@main.command()
@click.option(
    "--out",
    default=Path("corpus/demo"),
    type=click.Path(path_type=Path),
    show_default=True,
    help="Folder for the demonstration corpus.",
)
@click.option("--seed", type=SEED, default=2026, show_default=True, help="Random seed.")
@click.option("--studies", default=240, show_default=True, help="Distinct invented studies.")
def demo(out: Path, seed: int, studies: int) -> None:
    """Write the SYNTHETIC demonstration corpus (invented records, not evidence)."""
    from .demo import generate

    raw = generate(out, n_studies=studies, seed=seed)
    click.echo(f"wrote the synthetic demonstration corpus to {raw} (seed {seed}).")


_WORKSPACE = click.option(
    "--workspace",
    default=Path("."),
    type=click.Path(path_type=Path),
    show_default=True,
    help="Folder holding corpus/ (build/ and reports/ are written there).",
)
_STAGE = click.option(
    "--stage", type=click.Choice(list(STAGE_REASONS)), default="title_abstract", show_default=True
)


def _csv_option(kind: str) -> Any:
    """``--csv FILE``: where a command writes its table (default build/<kind>_<stage>.csv)."""
    return click.option(
        "--csv",
        "csv_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"Where to write the table (default: build/{kind}_<stage>.csv).",
    )


@main.command()
@_WORKSPACE
@click.option(
    "--seed", type=SEED, default=2026, show_default=True, help="Seed of every random step."
)
@click.option("--no-packs", is_flag=True, help="Run the stages only; build no packs.")
def run(workspace: Path, seed: int, no_packs: bool) -> None:
    """The main job: every stage on corpus/raw (or the demo corpus), then the packs."""
    from .pipeline import run_all

    click.echo(run_all(workspace, seed=seed, build_packs=not no_packs).text())


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def init(folder: Path) -> None:
    """Create a workspace in FOLDER: corpus/, notebooks/, packs.yml (never overwrites)."""
    from .workspace import init as make

    written = make(folder)
    click.echo(f"init: workspace {folder} with {len(written)} files:")
    for path in written:
        click.echo(f"  {path.relative_to(folder).as_posix()}")
    click.echo(
        f"Put your exports in {folder / 'corpus' / 'raw'}, describe them in "
        f"{folder / 'corpus' / 'searches.yml'}, then run `scoping run --workspace {folder}`."
    )


def _literal(text: str):
    """A parameter value as YAML reads it (numbers, lists, null), else the text."""
    import yaml

    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError):  # ValueError: a date that does not exist
        return text


@main.command()
@_WORKSPACE
@click.option(
    "--packs",
    "packs_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Matrix of packs; default: the workspace's packs.yml, else the shipped one.",
)
@click.option("--name", default=None, help="Build one pack with this name from -p parameters.")
@click.option(
    "-p",
    "--parameter",
    "parameters",
    multiple=True,
    metavar="NAME=VALUE",
    help="A template parameter for --name, e.g. -p audience=frontline -p themes=[burnout].",
)
@click.option("--only", multiple=True, help="Build only these packs of the matrix.")
@click.option(
    "--stages/--no-stages", default=True, show_default=True, help="Run the pipeline's stages first."
)
def pack(
    workspace: Path,
    packs_path: Path | None,
    name: str | None,
    parameters: tuple[str, ...],
    only: tuple[str, ...],
    stages: bool,
) -> None:
    """Build briefing packs into reports/<pack>/.

    Each pack: HTML, PDF, one-page summary (PDF, PNG), Word, slides, evidence and gap
    map, evidence table (XLSX, CSV), references (RIS, BibTeX) and its trace.
    """
    from .packs import PackParams, PackSpec, build_all, load_matrix
    from .pipeline import run_stages

    if parameters and not name:
        raise ScopingError("-p parameters build one pack: give it a --name too.")
    if name:
        params = {}
        for item in parameters:
            key, sep, value = item.partition("=")
            if not sep:
                raise ScopingError(f"-p {item!r}: write NAME=VALUE, e.g. -p audience=leaders.")
            params[key.strip()] = _literal(value)
        specs = [PackSpec(name, PackParams.from_mapping(params), source="command line")]
    else:
        specs = load_matrix(packs_path or Workspace(workspace).exists().packs)
        if only:
            unknown = sorted(set(only) - {s.name for s in specs})
            if unknown:
                raise ScopingError(
                    f"no pack(s) {', '.join(unknown)} in the matrix; its packs are "
                    f"{', '.join(s.name for s in specs)}."
                )
            specs = [s for s in specs if s.name in only]
    if stages:
        click.echo(run_stages(workspace).text())
    for out in build_all(specs, workspace):
        click.echo(f"pack: {out}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--keep",
    type=click.Path(path_type=Path),
    default=None,
    help="Rebuild into this folder and keep it (default: a temporary folder).",
)
def audit(paths: tuple[Path, ...], keep: Path | None) -> None:
    """Rebuild the packs in PATHS (pack folders, or reports/) and compare with their manifests.

    Exit 0 when every output is reproduced byte for byte, 1 with what changed when
    not, and 2 with one line when the packs could not be audited.
    """
    from .audit import audit as run_audit

    reports = run_audit(list(paths), keep=keep)
    for report in reports:
        click.echo(report.text())
    sys.exit(0 if all(r.reproduced for r in reports) else 1)


@main.command("chart-export")
@_WORKSPACE
@click.option(
    "--out",
    default=None,
    type=click.Path(path_type=Path),
    help="Folder for charting.xlsx and charting.csv; default: reports/charting.",
)
def chart_export(workspace: Path, out: Path | None) -> None:
    """Write the charting table (a row per study, a column per field) as XLSX and CSV."""
    from .curation import charting
    from .curation.store import open_store
    from .form import load_form
    from .pipeline import run_stages
    from .tags import load_codebook

    space = Workspace(workspace).exists()
    click.echo(run_stages(workspace, progress=False).text())
    table = _read_table(space.build / "charting.csv")
    form = load_form(space.charting, load_codebook(space.codebook))
    scores = charting.agreement(charting.charted(open_store(space.store), own=True), form)
    written = charting.export(table, scores, out or space.reports / "charting")
    click.echo(
        f"chart-export: {len(table)} studies, {len(form.fields)} fields -> "
        + ", ".join(str(p) for p in written)
    )


def _read_table(path: Path):
    """A table the stages wrote, every cell as text."""
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False)


@main.command()
@_WORKSPACE
@click.option("--reviewers", required=True, help="Comma-separated reviewer names.")
@click.option(
    "--overlap",
    default=1.0,
    show_default=True,
    help="Share of records screened by two reviewers (1.0: everyone screens everything).",
)
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the deal.")
def assign(workspace: Path, reviewers: str, overlap: float, seed: int) -> None:
    """Share the workspace's works among reviewers -> curation/assignments.csv."""
    import pandas as pd

    from .curation.assign import assign as deal
    from .curation.assign import write_assignments
    from .tags import records_file

    space = Workspace(workspace).exists()
    records = pd.read_parquet(records_file(space.build), columns=["record_id"])
    table = deal(records["record_id"], reviewers.split(","), overlap=overlap, seed=seed)
    path = write_assignments(table, space.assignments)
    counts = table["reviewer"].value_counts().sort_index()
    doubled = int((table["record_id"].value_counts() > 1).sum())
    click.echo(
        f"assign: {table['record_id'].nunique()} records, {doubled} screened twice or more; "
        + ", ".join(f"{name} {n}" for name, n in counts.items())
        + f" -> {path}"
    )


@main.command()
@_WORKSPACE
@_STAGE
@_csv_option("conflicts")
def conflicts(workspace: Path, stage: str, csv_path: Path | None) -> None:
    """List records whose reviewers disagree, and write the list as CSV.

    Each with its title, each reviewer's decision, reason and note, and whether a third
    person resolved it.
    """
    from .curation.assign import conflicts as find
    from .curation.store import open_store

    space = Workspace(workspace).exists()
    store = open_store(space.store)
    if store is None:
        click.echo(
            f"conflicts at {stage}: 0 (no decision is recorded yet in {describe(space.store)})"
        )
        return
    if stage in store.hidden_stages():
        click.echo(
            f"note: blind mode is on at {stage} on the server: you see only your own "
            "decisions there, so no disagreement shows until a lead turns it off."
        )
    table = find(store, stage)
    table.insert(1, "title", _titles(space, table["record_id"]))
    waiting = int((~table["resolved"]).sum()) if len(table) else 0
    written = _write_table(table, csv_path, space.build / f"conflicts_{stage}.csv")
    click.echo(
        f"conflicts at {stage}: {len(table)}, of which {waiting} await a third person {written}"
    )
    for row in table.itertuples():
        state = f"resolved by {row.resolution}" if row.resolved else "OPEN"
        click.echo(f"  [{state}] {row.record_id} {_short(row.title)}")
        click.echo(f"      {row.decisions}" + (f"; notes: {row.notes}" if row.notes else ""))


def _write_table(table: Any, asked: Path | None, default: Path) -> str:
    """Write ``table`` as CSV to ``asked`` or ``default``; say where, or why it was not.

    A table asked for by name must be written; the default one is skipped with a note
    when the workspace cannot be written (it can still be read).
    """
    from .atomic import write_text

    path = asked or default
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, table.to_csv(index=False))
    except (OSError, ScopingError) as exc:
        if asked is not None:
            raise
        return f"(list not written: {exc})"
    return f"-> {path}"


@main.command()
@_WORKSPACE
@_STAGE
@_csv_option("decisions")
def decisions(workspace: Path, stage: str, csv_path: Path | None) -> None:
    """Show each reviewer's decisions at a stage, and write them as CSV with titles.

    One row per reviewer and record: the standing decision (an undone one is gone), its
    reason, tags and note, and when it was made.
    """
    import pandas as pd

    from .curation.store import open_store, stored_tags

    space = Workspace(workspace).exists()
    store = open_store(space.store)
    if store is None:
        click.echo(f"decisions at {stage}: 0 (none is recorded yet in {describe(space.store)})")
        return
    found = store.current(stage).sort_values(["reviewer", "seq"])
    table = pd.DataFrame(
        {
            "record_id": found["target"],
            "title": _titles(space, found["target"]),
            "reviewer": found["reviewer"],
            "decision": found["decision"],
            "reason": found["reason"].fillna(""),
            "tags": found["tags"].map(lambda t: "; ".join(stored_tags(t))),
            "note": found["note"].fillna(""),
            "recorded_at": found["recorded_at"],
        }
    )
    written = _write_table(table, csv_path, space.build / f"decisions_{stage}.csv")
    people = table["reviewer"].nunique()
    click.echo(
        f"decisions at {stage}: {len(table)}, by {people} reviewer{'s' * (people != 1)} {written}"
    )
    for reviewer, mine in table.groupby("reviewer"):
        counts = mine["decision"].value_counts()
        click.echo(f"  {reviewer}: " + ", ".join(f"{n} {d}" for d, n in counts.items()))


def _titles(space: Workspace, ids: Any) -> list[str]:
    """The title of each record id, from the build's records ("" before a build)."""
    import pandas as pd

    from .errors import InputError
    from .tags import records_file

    try:
        found = pd.read_parquet(records_file(space.build), columns=["record_id", "title"])
    except InputError:
        return [""] * len(ids)
    titles = dict(zip(found["record_id"], found["title"].fillna(""), strict=True))
    return [titles.get(rid, "") for rid in ids]


def _short(title: str, width: int = 90) -> str:
    from .text import shorten

    return shorten(title, width)


if __name__ == "__main__":
    main()
