"""Duplicated records are refused by name, never ingested silently under one pseudonym."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sandbox.errors import InputError
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD


def test_an_almost_unique_own_id_is_refused_with_the_lines_named(tmp_path: Path):
    n = 500
    frame = pd.DataFrame({"customer_id": [f"C{100000 + i}" for i in range(n)],
                          "plan": np.random.default_rng(0).choice(["basic", "pro"], n), "spend": np.arange(n)})
    frame.loc[[10, 11, 12], "customer_id"] = "C100010"  # one record three times
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        ingest(Workspace(tmp_path / "ws"), STEWARD, [path], "crm", accept_proposed=True)
    message = str(err.value)
    assert "customer_id is this table's own id" in message and "3 rows share one value" in message
    assert "lines 12, 13, 14" in message and "C100010" not in message
    assert not list((tmp_path / "ws").rglob("*.duckdb.tmp*")) and not list((tmp_path / "ws").rglob("*.tmp.duckdb"))


def test_repeated_ids_of_a_child_table_are_not_duplicates(tmp_path: Path):
    """order_items numbers its items 1, 2, 3 per order: far from unique, so not a duplicated own id."""
    items = pd.DataFrame({"order_item_id": np.tile([1, 2, 3], 200), "price": np.arange(600) * 1.5})
    path = tmp_path / "order_items.csv"
    items.to_csv(path, index=False)
    result = ingest(Workspace(tmp_path / "ws"), STEWARD, [path], "shop", accept_proposed=True)
    assert result is not None


def test_files_of_killed_runs_are_swept_at_the_next_start(tmp_path: Path):
    import os
    import time

    ws = Workspace(tmp_path / "ws")
    (ws.home / "vault").mkdir(parents=True, exist_ok=True)
    (ws.home / "staging").mkdir(parents=True, exist_ok=True)
    dead = [ws.home / "vault" / "crm-20261206-ab12.tmp.duckdb", ws.home / "staging" / "crm-1a2b3c.writing"]
    live = ws.home / "vault" / "crm-20261206-cd34.tmp.duckdb"  # another ingest, writing right now
    for path in [*dead, live]:
        path.write_bytes(b"pseudonymized pages")
    day_ago = time.time() - 86_400
    for path in dead:
        os.utime(path, (day_ago, day_ago))
    frame = pd.DataFrame({"plan": ["basic", "pro"] * 100, "spend": np.arange(200)})
    frame.to_csv(tmp_path / "t.csv", index=False)
    ingest(ws, STEWARD, [tmp_path / "t.csv"], "crm", accept_proposed=True)
    assert not any(p.exists() for p in dead) and live.exists()
