"""Exports: justified, logged, the manager told, marketers limited per day, bulk for stewards, vault never."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from sandbox.duties.exports import export_dataset, export_distribution, export_rows, quota_left
from sandbox.errors import AccessDenied, InputError
from sandbox.governance import notify
from sandbox.governance.access import User
from sandbox.vault import snapshots as vault
from tests.access_support import STEWARD, World, write_settings
from tests.helpers_login import ensure_user

WHY = "Sizing the spring campaign audience"
T0 = datetime(2025, 4, 1, 10, 0)


def _events(w: World, action: str) -> list[tuple]:
    with w.ws.governance() as g:
        return g.execute("SELECT actor, object, reason, outcome, details FROM audit WHERE action = ? ORDER BY seq",
                         [action]).fetchall()


def test_an_export_is_logged_and_the_manager_is_told(world: World):
    ensure_user(world.ws, "mia", "council", "marketing")
    mark = ensure_user(world.ws, "mark", "marketer", manager="mia")
    result = export_rows(world.ws, mark, world.dataset, "customers", WHY, limit=10)
    frame = pd.read_csv(result.path)
    assert len(frame) == result.rows == 10
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() == result.sha256
    [(actor, obj, reason, outcome, details)] = _events(world, "export.rows")
    assert (actor, obj, reason, outcome) == ("mark", world.dataset, WHY, "ok")
    assert json.loads(details)["export"] == result.id and json.loads(details)["notified"] == ["mia"]
    [message] = notify.pending(world.ws, "mia")
    assert (message["kind"], message["object"]) == ("export", result.id)
    assert WHY in message["body"] and "mark" in message["subject"] and "10 rows" in message["body"]
    with world.ws.governance() as g:
        assert g.execute("SELECT actor, rows, justification FROM exports").fetchall() == [("mark", 10, WHY)]
    # synthetic rows only: no exported key is a vault pseudonym or a real identifier
    with vault.open_snapshot(world.ws, STEWARD, world.snapshot) as con:
        pseudonyms = {r[0] for r in con.execute("SELECT customer_id FROM customers").fetchall()}
    real = set(pd.read_csv(world.export / "customers.csv").customer_id)
    assert not set(frame.customer_id) & (pseudonyms | real)


def test_an_export_needs_a_justification(world: World):
    mark = ensure_user(world.ws, "mark", "marketer")
    with pytest.raises(InputError, match="justification"):
        export_rows(world.ws, mark, world.dataset, "customers", "because", limit=5)
    assert not list((world.ws.home / "exports").iterdir())
    assert _events(world, "export.rows") == []


def test_marketers_may_export_a_limited_number_of_rows_a_day(world: World):
    ws = write_settings(world.ws, access={"export_rows_per_day": 15})
    mark = ensure_user(ws, "mark", "marketer")
    assert export_rows(ws, mark, world.dataset, "deals", WHY, limit=10, now=T0).rows == 10
    assert quota_left(ws, mark, now=T0) == 5
    with pytest.raises(AccessDenied, match="15 rows a day"):
        export_rows(ws, mark, world.dataset, "deals", WHY, limit=10, now=T0 + timedelta(hours=2))
    assert export_rows(ws, mark, world.dataset, "deals", WHY, limit=5, offset=10, now=T0).rows == 5
    assert export_rows(ws, mark, world.dataset, "deals", WHY, limit=10, now=T0 + timedelta(days=1)).rows == 10
    assert [e[3] for e in _events(world, "export.rows")] == ["ok", "refused", "ok", "ok"]
    dana = ensure_user(ws, "dana", "data_scientist")  # the daily limit is for marketers
    assert export_rows(ws, dana, world.dataset, "deals", WHY, limit=40, now=T0).rows == 40
    assert quota_left(ws, dana) is None


def test_without_a_manager_the_admins_are_told(world: World):
    ensure_user(world.ws, "ada", "admin")
    dana = ensure_user(world.ws, "dana", "data_scientist")
    result = export_distribution(world.ws, dana, world.dataset, "deals", "stage", WHY)
    frame = pd.read_csv(result.path)
    assert list(frame.columns) == ["value", "count"] and frame["count"].sum() > 0
    assert result.notified == ["ada"] and notify.pending(world.ws, "ada")[0]["object"] == result.id


def test_a_whole_dataset_is_a_steward_export(world: World):
    result = export_dataset(world.ws, STEWARD, world.dataset, WHY)
    with zipfile.ZipFile(result.path) as archive:
        assert sorted(archive.namelist()) == ["customers.csv", "deals.csv"]
        deals = pd.read_csv(archive.open("deals.csv"))
    with duckdb.connect(str(world.ws.dataset_path(world.dataset)), read_only=True) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customers", "deals")}
    assert len(deals) == counts["deals"] and result.rows == sum(counts.values())
    with pytest.raises(AccessDenied):
        export_dataset(world.ws, User(name="mark", role="marketer"), world.dataset, WHY)


def test_no_audit_event_no_export(world: World):
    con = duckdb.connect(str(world.ws.governance_path))  # make the audit log unwritable
    con.execute("ALTER TABLE audit RENAME TO audit_kept")
    con.execute("CREATE VIEW audit AS SELECT * FROM audit_kept")
    con.close()
    with pytest.raises(duckdb.Error):
        export_rows(world.ws, STEWARD, world.dataset, "customers", WHY, limit=5)
    assert not list((world.ws.home / "exports").iterdir())
    with world.ws.governance() as g:
        assert g.execute("SELECT count(*) FROM exports").fetchone()[0] == 0
        assert g.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
