"""Exact copy check against every training row vs. a 20k sample (what the distance checks read).

A synthetic table of 20,000 rows, a tenth copied from training rows; training tables of 100k, 1M, 10M rows.
Prints the copied share each method sees and the exact check's time. Run: .venv/bin/python bench/copy_check_speed.py
"""

from __future__ import annotations

import time

import duckdb

from sandbox.release.copy_check import table_copies

SYN, SAMPLE = 20_000, 20_000


def main() -> None:
    print(f"{'training rows':>14} | {'exact share':>11} | {'excess':>7} | {'z':>8} | {'20k sample sees':>15} | "
          f"{'exact check s':>13}")
    for n_train in (100_000, 1_000_000, 10_000_000):
        n_real = n_train + n_train // 4
        con = duckdb.connect()
        con.execute("ATTACH ':memory:' AS vault")
        con.execute("ATTACH ':memory:' AS syn")
        con.execute(f"""CREATE TABLE vault.t AS SELECT i AS id, round(100 + 30 * sqrt(-2 * ln(random())) *
                        cos(2 * pi() * random()), 2) AS amount, (i * 7919) % 72 AS tenure,
                        ['a', 'b', 'c'][1 + i % 3] AS plan, md5(i::VARCHAR)[:8] AS code, i >= {n_train} AS _holdout
                        FROM range({n_real}) r(i)""")
        copies = SYN // 10
        con.execute(f"""CREATE TABLE syn.t AS
            SELECT amount, tenure, plan, code FROM (SELECT * FROM vault.t WHERE NOT _holdout) USING SAMPLE {copies} ROWS
            UNION ALL
            SELECT amount + 0.001, tenure, plan, md5((i + {n_real})::VARCHAR)[:8] FROM
              (SELECT *, row_number() OVER () - 1 AS i
               FROM (SELECT * FROM vault.t USING SAMPLE {SYN - copies} ROWS))""")
        started = time.perf_counter()
        result = table_copies(con, "t", ["amount", "tenure", "plan", "code"])
        seconds = time.perf_counter() - started
        assert result is not None
        sampled = con.execute(f"""WITH ref AS (SELECT amount, tenure, plan, code FROM
                                  (SELECT * FROM vault.t WHERE NOT _holdout) USING SAMPLE {SAMPLE} ROWS)
                                  SELECT avg((s.amount, s.tenure, s.plan, s.code) IN
                                    (SELECT (amount, tenure, plan, code) FROM ref)::INT) FROM syn.t s""").fetchone()[0]
        print(f"{n_train:>14,} | {result['exact_match_share_train']:>11.4f} | {result['excess']:>7.4f} | "
              f"{result['z']:>8.1f} | {sampled:>15.4f} | {seconds:>13.2f}")
        con.close()


if __name__ == "__main__":
    main()
