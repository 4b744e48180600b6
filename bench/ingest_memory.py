"""Peak memory and time of ingesting a ~1 GB CSV export.

Writes a CRM-like CSV of ``rows`` rows (default 10 million, about 1 GB) to the system temp folder with
DuckDB ``COPY`` from ``range()`` in a child process, then ingests it in this process with the detected
classes accepted, and prints the peak resident set size (``resource.getrusage``) and the time of each
ingest step. Nothing of the table should live in Python: the peak should stay near DuckDB's memory limit
(``SANDBOX_INGEST_MEMORY_LIMIT``, default 1GB) plus the interpreter, whatever the file size.

Run: ``.venv/bin/python bench/ingest_memory.py [rows]``; the CSV and the workspace are deleted after.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_GENERATE = """
import duckdb, sys
con = duckdb.connect(config={{"memory_limit": "1GB"}})
con.execute("SET enable_progress_bar = false")
con.execute('''COPY (
    SELECT 'C' || lpad(CAST(i AS VARCHAR), 9, '0') AS customer_id,
           ['anna', 'ivan', 'john', 'maria', 'oleg', 'sara'][1 + i % 6] || '.' ||
               ['smirnova', 'petrov', 'smith', 'garcia', 'ivanov', 'lee'][1 + (i // 6) % 6] || i || '@' ||
               ['mail.ru', 'gmail.com', 'yandex.ru', 'example.org'][1 + i % 4] AS email,
           '+7 9' || lpad(CAST((i * 7919) % 1000000000 AS VARCHAR), 9, '0') AS phone,
           ['Moscow', 'Kazan', 'Perm', 'Omsk', 'Tver', 'Sochi', 'Pskov'][1 + (i * 31) % 7] AS city,
           DATE '1950-01-01' + CAST((i * 7) % 18000 AS INTEGER) AS birth_date,
           DATE '2019-01-01' + CAST((i * 13) % 1800 AS INTEGER) AS signup_date,
           ['retail', 'smb', 'vip', 'partner'][1 + (i * 17) % 4] AS segment,
           round(((i * 2654435761) % 100000) / 100.0, 2) AS amount,
           (i * 37) % 120 AS tenure_months,
           ['yes', 'no'][1 + (i * 11) % 2] AS churned
    FROM range({rows}) t(i)
) TO '{path}' (HEADER, DELIMITER ',')''')
"""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main(rows: int = 10_000_000) -> None:
    sys.stdout.reconfigure(line_buffering=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    csv_path = folder / "customers.csv"
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", _GENERATE.format(rows=rows, path=csv_path)], check=True)
        size = csv_path.stat().st_size
        print(f"generated {rows:,} rows, {size / 1e9:.2f} GB in {time.perf_counter() - started:.0f} s")

        from sandbox.governance.access import User
        from sandbox.vault.ingest import MEMORY_LIMIT, MEMORY_LIMIT_ENV, ingest
        from sandbox.workspace import Workspace

        ws = Workspace(folder / "ws")
        base = _rss_mb()
        limit = os.environ.get(MEMORY_LIMIT_ENV) or MEMORY_LIMIT
        print(f"peak RSS after imports: {base:.0f} MB; DuckDB memory limit {limit}")
        marks: list[tuple[str, float, float]] = []
        t0 = time.perf_counter()

        def progress(step: str, done: float, total: float | None = None) -> None:
            marks.append((step, time.perf_counter() - t0, _rss_mb()))

        result = ingest(ws, User(name="bench", role="steward"), [csv_path], "bench", accept_proposed=True,
                        progress=progress)
        elapsed = time.perf_counter() - t0
        for (step, at, rss), nxt in zip(marks, [*marks[1:], ("end", elapsed, _rss_mb())], strict=True):
            print(f"  {step:15} {nxt[1] - at:7.1f} s   peak RSS so far {rss:6.0f} MB")
        vault = ws.vault_path(result.snapshot).stat().st_size
        print(f"ingested {result.tables['customers']:,} rows in {elapsed:.0f} s "
              f"({size / 1e6 / elapsed:.1f} MB/s); dropped {', '.join(result.dropped_columns['customers'])}; "
              f"vault file {vault / 1e6:.0f} MB")
        print(f"peak RSS of the whole run: {_rss_mb():.0f} MB ({_rss_mb() - base:.0f} MB above the imports)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
