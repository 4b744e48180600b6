"""What a dataset's seal costs (issue 18.3): digest at publish and the check on every open, 1M and 10M rows.

A table shaped like the Bank model's output (21 columns, 11 of them text levels) is written to a DuckDB file;
then: the SHA-256 digest publish takes once, the check every open makes while the file is untouched (its stat
against the sealed stat), the check after the file changed (a full digest), and for scale a `count(*)` and a
full scan of the same file through DuckDB.

    python bench/seal_speed.py [--rows 1000000 10000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from sandbox.release import seals


def _write(path: Path, rows: int) -> None:
    con = duckdb.connect(str(path))
    text = ", ".join(f"'level' || ((range * {7 + i}) % {3 + i * 2}) AS t{i}" for i in range(11))
    nums = ", ".join(f"(hash(range + {i}) % 100000) / 7.0 AS n{i}" for i in range(10))
    con.execute(f"CREATE TABLE bank AS SELECT {text}, {nums} FROM range({rows})")
    con.close()


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    print(f"{'rows':>11} {'file MB':>8} {'seal (digest) s':>16} {'open check s':>13} {'changed-file check s':>21} "
          f"{'count(*) s':>11} {'full scan s':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"d{rows}.duckdb"
            _write(path, rows)
            sealed = seals.digest([path])[0]
            stat0 = seals._stat(path)
            digest_s = _best(lambda: seals.digest([path]))  # noqa: B023
            check_s = _best(lambda: seals._stat(path) == stat0, repeat=1000)  # noqa: B023
            changed_s = _best(lambda: seals.digest([path])[0] == sealed)  # noqa: B023
            con = duckdb.connect(str(path), read_only=True)
            count_s = _best(lambda: con.execute("SELECT count(*) FROM bank").fetchone())  # noqa: B023
            scan_s = _best(lambda: con.execute(  # noqa: B023
                "SELECT " + ", ".join(f"count(DISTINCT t{i})" for i in range(11)) + ", sum(n0+n1+n2) FROM bank"
            ).fetchone())
            con.close()
            size = path.stat().st_size / 1e6
            print(f"{rows:>11,} {size:>8.0f} {digest_s:>16.3f} {check_s:>13.7f} {changed_s:>21.3f} {count_s:>11.4f} "
                  f"{scan_s:>12.3f}")
            path.unlink()


if __name__ == "__main__":
    main()
