"""Ingest throughput per format on 100,000+ records built by repeating real exports.

Each measurement runs in its own process, so peak memory (ru_maxrss) is that of the
measurement alone. "raw parser" is the third-party parser alone on the same file
(rispy for RIS and WoS, bibtexparser for BibTeX, nbib for MEDLINE when installed);
"read" is our front door (checksum, encoding, sniff, parse, normalise, provenance);
"ingest" adds writing records.parquet and the report.

    python benchmarks/bench_ingest.py [--records 100000] [--formats ris,medline,...]

Needs ../shared/data (or SCOPING_SHARED_DATA). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))

#: Real exports repeated to build each benchmark file.
SOURCES = {
    "ris": [
        "citesource_multisource/gambling_harms_by_source/*.ris",
        "citesource_multisource/wildfire_impacts_by_stage/*.ris",
        "asysd_testdata/zotero_export.ris",
        "format_samples/asreview/*.ris",
    ],
    "medline": [
        "format_samples/metaknowledge/pubmed_medline.txt",
        "format_samples/synthesisr/PubMed_example.txt",
    ],
    "wos": [
        "format_samples/metaknowledge/wos_plaintext.txt",
        "format_samples/synthesisr/zoorec_wos_woodpecker.txt",
    ],
    "bibtex": ["asysd_testdata/zotero_export.bib"],
    "endnote_xml": ["bib_dedupe_benchmark/respiratory/Respiratory_endnote.xml"],
    "table": ["bib_dedupe_benchmark/digital_work/records_pre_merged.csv"],
}
MARKERS = {
    "ris": "TY  -",
    "medline": "PMID-",
    "wos": "PT ",
    "bibtex": "@",
    "endnote_xml": "<record>",
}


def _texts(fmt: str) -> list[str]:
    texts = []
    for pattern in SOURCES[fmt]:
        for path in sorted(SHARED.glob(pattern)):
            text = path.read_text(encoding="utf-8-sig")
            texts.append(text if text.endswith("\n") else text + "\n")
    return texts


def build(fmt: str, records: int, folder: Path) -> tuple[Path, int]:
    """Repeat the real exports of ``fmt`` until the file holds at least ``records``."""
    texts = _texts(fmt)
    path = folder / f"bench_{fmt}.{'csv' if fmt == 'table' else 'xml' if 'xml' in fmt else 'txt'}"
    if fmt == "endnote_xml":
        body = texts[0].split("<records>", 1)[1].rsplit("</records>", 1)[0]
        per = body.count("<record>")
        copies = -(-records // per)
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8" ?><xml><records>'
            + body * copies
            + "</records></xml>",
            encoding="utf-8",
        )
        return path, per * copies
    if fmt == "table":
        header, rows = texts[0].split("\n", 1)
        per = len(rows.strip("\n").split("\n"))  # one record a line in this file
        copies = -(-records // per)
        path.write_text(header + "\n" + rows * copies, encoding="utf-8")
        return path, per * copies
    if fmt == "wos":
        texts = [t.split("\n", 2)[2].rsplit("EF", 1)[0] for t in texts]  # drop FN/VR/EF
    per = sum(t.count("\n" + MARKERS[fmt]) + t.startswith(MARKERS[fmt]) for t in texts)
    copies = -(-records // per)
    with path.open("w", encoding="utf-8") as out:
        if fmt == "wos":
            out.write("FN Clarivate Analytics Web of Science\nVR 1.0\n")
        for _ in range(copies):
            for text in texts:
                out.write(text + "\n")
        if fmt == "wos":
            out.write("EF\n")
    return path, per * copies


RAW = {
    "ris": "import rispy; n = len(rispy.load(PATH, encoding='utf-8'))",
    # rispy's WokParser raises KeyError('UK') on unknown tags in real WoS files unless
    # they are skipped.
    "wos": (
        "import rispy; n = len(rispy.load(PATH, encoding='utf-8', "
        "implementation=rispy.WokParser, skip_unknown_tags=True))"
    ),
    "bibtex": "import bibtexparser; n = len(bibtexparser.parse_file(str(PATH)).entries)",
    "medline": "import nbib; n = len(nbib.read_file(str(PATH)))",
}
OURS = {
    "read": "from scoping.io import read; n = len(read(PATH).records)",
    "ingest": (
        "from scoping.ingest import ingest; import tempfile; "
        "n = ingest([PATH], tempfile.mkdtemp(), progress=False).totals['records_read']"
    ),
}


def measure(code: str, path: Path) -> dict:
    """Run ``code`` in a fresh process; return seconds, records and peak RSS (MB)."""
    script = (
        f"import time, resource; from pathlib import Path; PATH = Path({str(path)!r})\n"
        f"t = time.perf_counter()\n{code}\nt = time.perf_counter() - t\n"
        "import json; print(json.dumps({'s': t, 'n': n, 'rss': "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--formats", default=",".join(SOURCES))
    parser.add_argument("--repeats", type=int, default=3, help="best of N runs")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the real exports at {SHARED} (set SCOPING_SHARED_DATA)")
    print(
        "| format | records | MB | raw parser s | read s | ingest s | read rec/s | "
        "ingest rec/s | ingest MB/s | ingest / raw | peak RSS MB (raw / ingest) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            path, n = build(fmt, args.records, Path(tmp))
            mb = path.stat().st_size / 1e6
            runs = {}
            for label, code in [("raw", RAW.get(fmt)), *OURS.items()]:
                if code is None:
                    continue
                trials = [measure(code, path) for _ in range(args.repeats)]
                good = [t for t in trials if "error" not in t]
                runs[label] = min(good, key=lambda t: t["s"]) if good else trials[0]
            raw = runs.get("raw", {})
            read_, ing = runs["read"], runs["ingest"]
            assert read_["n"] == ing["n"] == n, (fmt, read_, ing, n)
            raw_s = f"{raw['s']:.2f}" if "s" in raw else raw.get("error", "n/a")
            ratio = f"{ing['s'] / raw['s']:.2f}" if "s" in raw else "n/a"
            raw_rss = f"{raw['rss']:.0f}" if "rss" in raw else "n/a"
            print(
                f"| {fmt} | {n:,} | {mb:.1f} | {raw_s} | {read_['s']:.2f} | {ing['s']:.2f} | "
                f"{n / read_['s']:,.0f} | {n / ing['s']:,.0f} | {mb / ing['s']:.1f} | {ratio} | "
                f"{raw_rss} / {ing['rss']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
