"""The decision store on a PostgreSQL server: write throughput and whole-log copies.

    python benchmarks/bench_store.py [--writers 4] [--decisions 2000] [--copy 100000]

Starts a throwaway PostgreSQL cluster (initdb and pg_ctl from Debian's postgresql
package, as the tests do; ``SCOPING_PG_BIN`` names another folder) and measures:

1. **Throughput**: WRITERS processes, each recording DECISIONS decisions one at a
   time through ``DecisionStore.record`` as the screening widget does (each its own
   transaction), connected as a reviewer role. Once through the outbox (each decision
   kept on local disk first, as a workspace's store does) and once without it; the
   same on an SQLite file for comparison. Decisions per second = all decisions / the
   time from the first writer's first decision to the last writer's last.
2. **Copies**: a log of COPY events made in an SQLite file, copied to the server and
   back (``scoping store copy``), each timed, with the audit's digest at each end.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import pgcluster

from scoping.curation import DecisionStore, pgschema
from scoping.manifest import decision_log

WRITER = """
import sys, time
from scoping.curation import DecisionStore
url, reviewer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
outbox = sys.argv[4] if len(sys.argv) > 4 else None
store = DecisionStore(url, outbox=outbox)
start = time.time()
for i in range(count):
    store.record(reviewer=reviewer, target=f"r{i:06d}", stage="title_abstract",
                 decision="include" if i % 3 else "exclude", reason="wrong setting")
print(start, time.time())
"""


def throughput(location: str, writers: int, count: int, outboxes: Path | None) -> float:
    """Decisions per second from ``writers`` processes recording ``count`` each.

    Timed from the first writer's first decision to the last writer's last one (each
    writer reports its own times), so starting Python is not counted.
    """
    procs = []
    for n in range(writers):
        args = [sys.executable, "-c", WRITER, location, f"Reviewer {n}", str(count)]
        args += [str(outboxes / f"outbox{n}.sqlite")] if outboxes else []
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, text=True))
    times = [tuple(map(float, p.communicate()[0].split())) for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit("a writer failed")
    elapsed = max(end for _, end in times) - min(start for start, _ in times)
    stored = len(DecisionStore(location, readonly=True).events())
    if stored != writers * count:
        raise SystemExit(f"{stored} decisions stored of {writers * count}")
    return writers * count / elapsed


def server_store(cluster: pgcluster.Cluster, role: str = "scribe") -> str:
    database = cluster.new_database()
    pgschema.migrate(cluster.url(database=database), fresh=True)
    if role != "postgres":
        pgschema.add_reviewer(cluster.url(database=database), role)
    return cluster.url(role, database)


def copies(cluster: pgcluster.Cluster, size: int, folder: Path) -> None:
    source = DecisionStore(folder / "source.sqlite")
    start = time.perf_counter()
    for first in range(0, size, 5000):
        source.record_many(
            {
                "reviewer": f"Reviewer {i % 5}",
                "target": f"r{i:07d}",
                "stage": "title_abstract",
                "decision": "exclude",
                "reason": "wrong setting",
                "tags": ["burnout"],
                "note": f"event {i}",
            }
            for i in range(first, min(size, first + 5000))
        )
    print(f"made an SQLite log of {size:,} events in {time.perf_counter() - start:.1f} s")
    server = server_store(cluster, "postgres")
    for label, src, dst in (
        ("SQLite -> PostgreSQL", str(folder / "source.sqlite"), server),
        ("PostgreSQL -> SQLite", server, str(folder / "back.sqlite")),
    ):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "scoping.cli", "store", "copy", src, dst],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(f"{label}: {time.perf_counter() - start:.1f} s ({done.stdout.strip()[:60]}...)")
    digests = [
        decision_log(x)["sha256"]
        for x in (folder / "source.sqlite", server, folder / "back.sqlite")
    ]
    print(f"digests equal at all three: {len(set(digests)) == 1} ({digests[0][:16]}...)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--copy", type=int, default=100_000)
    args = parser.parse_args()
    bindir = pgcluster.find_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL's server programs not found (apt-get install postgresql)")
    cluster = pgcluster.Cluster(bindir)
    try:
        cluster.start()
        cluster.login("scribe")
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            total = f"{args.writers} writers x {args.decisions} decisions"
            rate = throughput(server_store(cluster), args.writers, args.decisions, folder)
            print(f"PostgreSQL, with outbox ({total}): {rate:.0f} decisions/s")
            rate = throughput(server_store(cluster), args.writers, args.decisions, None)
            print(f"PostgreSQL, no outbox ({total}): {rate:.0f} decisions/s")
            rate = throughput(str(folder / "s.sqlite"), args.writers, args.decisions, None)
            print(f"SQLite file ({total}): {rate:.0f} decisions/s")
            if args.copy:
                copies(cluster, args.copy, folder)
    finally:
        cluster.destroy()


if __name__ == "__main__":
    main()
