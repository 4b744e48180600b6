"""Synthetic keys are fresh counters: equal to a real customer number by coincidence, they are no leak.

Real exports number customers from 10001 and up; the vault only holds keyed pseudonyms, so a generator
numbers its rows from 1. Once a dataset is larger than 10,000 rows its keys meet real numbers; the gate
must not call that a leak (it did: every overlapping key counted, and the gate failed).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD, shared_file

pytestmark = pytest.mark.slow

ROWS = 3000


def test_fresh_keys_that_meet_real_numbers_are_not_leaks(tmp_path: Path) -> None:
    bank = pd.read_csv(shared_file("bank-marketing", "bank-additional-full.csv"), sep=";")
    bank = bank.sample(ROWS, random_state=4).reset_index(drop=True)
    bank.insert(0, "contact_id", np.arange(10001, 10001 + ROWS))
    folder = tmp_path / "export"
    folder.mkdir()
    bank.to_csv(folder / "contacts.csv", index=False)
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [folder / "contacts.csv"], "bank", accept_proposed=True, target="contacts.y=yes")
    info = synthesize(ws, STEWARD, "bank", generator="cart", seed=0, rows=13_000)
    with duckdb.connect(str(ws.staging_path(info.id)), read_only=True) as con:
        low, high = con.execute("SELECT min(contact_id), max(contact_id) FROM contacts").fetchone()
    assert low <= 10001 and high >= 10001 + ROWS - 1, "the synthetic keys must cover the real numbers"
    report = evaluate(ws, STEWARD, info.id)
    assert report["privacy"]["leaked_values"] == 0, report["privacy"]["leak_locations"]
    assert not [r for r in report["reasons"] if r["code"] == "leaked_values"]
