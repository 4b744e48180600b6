"""Day-first timestamps in a real export reach the vault as timestamps, not as NULL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sandbox.ingest import ingest
from sandbox.vault import latest_snapshot, open_snapshot
from sandbox.workspace import Workspace
from tests.conftest import STEWARD, shared_file


def test_day_first_timestamps_with_a_time_of_day_survive_ingest(workspace: Workspace, tmp_path: Path):
    # Olist's closed deals hold won_date as "26-02-2018 19:58"; DuckDB's TRY_CAST reads none of them
    deals = pd.read_csv(shared_file("olist-marketing-funnel", "olist_closed_deals_dataset.csv"), dtype=str)
    deals = deals.sample(300, random_state=0)
    path = tmp_path / "deals.csv"
    deals.to_csv(path, index=False)
    ingest(workspace, STEWARD, [path], "deals", accept_proposed=True)
    snapshot = latest_snapshot(workspace, STEWARD, "deals")
    with open_snapshot(workspace, STEWARD, snapshot.id) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        table = next(t for t in tables if "deals" in t)
        kind, = con.execute("SELECT data_type FROM information_schema.columns WHERE table_name = ? "
                            "AND column_name = 'won_date'", [table]).fetchone()
        stored = con.execute(f'SELECT won_date FROM "{table}"').df()["won_date"]
    assert kind.startswith("TIMESTAMP")
    expected = pd.to_datetime(deals["won_date"], format="%d-%m-%Y %H:%M")
    assert len(stored) > 200 and stored.notna().all()
    assert set(stored) <= set(expected)
