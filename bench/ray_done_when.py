"""Issue 20's "done when", run for real through the command line: the demo CRM ingested, then
`sandbox synthesize demo_crm --engine ray --rows 1000000`, `sandbox evaluate`, `sandbox publish`, and the Python
API (a data scientist's session) reading back every customer and checking that no child row dangles.

Each command runs as its own process on a fresh workspace (no users yet: the operator acts as the local steward,
as after `sandbox demo`); the demo users are created after publishing, for the API read-back. Prints wall times,
the gate's exact copy check (identical matches against every training row) and the read-back counts.
Run: .venv/bin/python bench/ray_done_when.py [ROOTS] [TRAIN_CUSTOMERS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SANDBOX = str(Path(sys.executable).parent / "sandbox")
CHILDREN = {"deals": ("customers", "customer_id"), "interactions": ("deals", "deal_id"),
            "support_tickets": ("customers", "customer_id")}


def cli(home: Path, *args: str) -> tuple[dict, float]:
    began = time.perf_counter()
    done = subprocess.run([SANDBOX, *args, "--json"], capture_output=True, text=True,
                          env={**os.environ, "SANDBOX_HOME": str(home)})
    took = time.perf_counter() - began
    if done.returncode:
        raise SystemExit(f"sandbox {' '.join(args)} failed after {took:.0f} s: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout), took


def read_back(home: Path, dataset: str, rows: dict[str, int]) -> dict[str, object]:
    import sandbox
    from sandbox.governance.access import User
    from sandbox.governance.users import create_demo_users
    from sandbox.workspace import Workspace

    passwords = create_demo_users(Workspace(home), User(name="bench", role="steward"))
    s = sandbox.connect("dana", home=home, password=passwords["dana"])  # the demo data scientist
    began = time.perf_counter()
    customers = s.table("customers", dataset=dataset)
    read = 0
    for batch in customers.batches(rows=250_000):
        read += batch.num_rows
    distinct = s.sql("SELECT count(DISTINCT customer_id) AS n FROM customers", dataset=dataset).df()["n"][0]
    dangling = {}
    for child, (parent, key) in CHILDREN.items():
        dangling[child] = int(s.sql(f"SELECT count(*) AS n FROM {child} c ANTI JOIN {parent} p USING ({key})",
                                    dataset=dataset).df()["n"][0])
    counted = {t: int(s.sql(f"SELECT count(*) AS n FROM {t}", dataset=dataset).df()["n"][0]) for t in rows}
    return {"customers_read": read, "customers_distinct": int(distinct), "dangling": dangling,
            "rows_read": counted, "rows_match": counted == rows, "seconds": round(time.perf_counter() - began, 1)}


def main(roots: int, train: int) -> None:
    from generators.demo_crm import write_demo_crm

    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ray-done-", dir=os.environ.get("BENCH_TMP")) as tmp:
        home, export = Path(tmp) / "ws", Path(tmp) / "export"
        export.mkdir()
        write_demo_crm(export, customers=train, seed=0)
        ingested, t_ingest = cli(home, "ingest", str(export), "--source", "demo_crm", "--accept-proposed")
        made, t_syn = cli(home, "synthesize", "demo_crm", "--engine", "ray", "--rows", str(roots))
        dataset = made["id"]
        report, t_eval = cli(home, "evaluate", dataset)
        published, t_pub = cli(home, "publish", dataset)
        back = read_back(home, dataset, made["rows"])
    p = report["privacy"]
    print(f"demo CRM, {train:,} customers exported ({sum(ingested['tables'].values()):,} rows ingested); "
          f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores")
    print(f"sandbox ingest                                   {t_ingest:7.1f} s")
    print(f"sandbox synthesize --engine ray --rows {roots:<9} {t_syn:7.1f} s  {sum(made['rows'].values()):,} rows "
          f"{made['rows']}")
    print(f"sandbox evaluate                                 {t_eval:7.1f} s  gate {report['gate']}"
          + (f" ({'; '.join(report['reasons'])})" if report["reasons"] else ""))
    print(f"sandbox publish                                  {t_pub:7.1f} s  status {published.get('status')}")
    print(f"API read-back (dana, data scientist)             {back['seconds']:7.1f} s  customers read "
          f"{back['customers_read']:,} ({back['customers_distinct']:,} distinct), dangling {back['dangling']}, "
          f"every table's rows as synthesized: {back['rows_match']}")
    print(f"gate exact copy check: identical_match_reference_rows {p['identical_match_reference_rows']:,} "
          "(every training row), per table synthetic rows / training rows / share identical to a training row:")
    for table, r in (p.get("exact_copy_tables") or {}).items():
        print(f"  {table:<16} {r['rows_synthetic']:>10,} {r['rows_train']:>8,}  {r['exact_match_share_train']:.4f} "
              f"(holdout {r['exact_match_share_holdout']:.4f})")
    print(f"gate DCR reference rows {json.dumps(p.get('dcr_reference_rows'))}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
