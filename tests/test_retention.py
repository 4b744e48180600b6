"""Retention with a fake clock: expired snapshots, models and datasets are deleted, files and all, and logged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from sandbox.cli import app
from sandbox.duties.retention import check_on_start, run
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.lab import explore
from sandbox.release.datasets import list_datasets
from tests.access_support import STEWARD, World

ADMIN = User(name="ada", role="admin")
MARKETER = User(name="mark", role="marketer")


def _lineage(w: World) -> dict:
    with w.ws.governance() as g:
        snap = g.execute("SELECT created_at, expires_at, status FROM snapshots WHERE id = ?", [w.snapshot]).fetchone()
        model, dataset_status = g.execute("SELECT model_id, status FROM datasets WHERE id = ?", [w.dataset]).fetchone()
        model_status = g.execute("SELECT status FROM models WHERE id = ?", [model]).fetchone()[0]
    return {"created": snap[0], "expires": snap[1], "snapshot": snap[2], "model_id": model, "model": model_status,
            "dataset": dataset_status}


def _files(w: World, model_id: str) -> dict[str, bool]:
    return {"vault": w.ws.vault_path(w.snapshot).exists(), "model": w.ws.model_path(model_id).exists(),
            "signature": w.ws.model_path(model_id).with_suffix(".sig").exists(),
            "dataset": w.ws.dataset_path(w.dataset).exists()}


def test_nothing_is_deleted_before_it_expires(world: World):
    before = _lineage(world)
    report = run(world.ws, STEWARD, now=before["created"] + timedelta(days=364))
    assert report.deleted == []
    assert all(_files(world, before["model_id"]).values())
    assert _lineage(world) == before


def test_everything_expired_is_deleted_and_logged(world: World):
    before = _lineage(world)
    report = run(world.ws, ADMIN, now=before["expires"] + timedelta(days=1))
    assert {(d.kind, d.id) for d in report.deleted} == {
        ("snapshot", world.snapshot), ("model", before["model_id"]), ("dataset", world.dataset)}
    assert not any(_files(world, before["model_id"]).values())
    after = _lineage(world)
    assert (after["snapshot"], after["model"], after["dataset"]) == ("deleted", "deleted", "deleted")
    assert list_datasets(world.ws, MARKETER) == []
    logged = audit.events(world.ws, ADMIN, audit.AuditFilter(action="retention.delete"))
    assert {(e["actor"], e["object"]) for e in logged} == {("ada", d.id) for d in report.deleted}
    assert run(world.ws, ADMIN, now=before["expires"] + timedelta(days=2)).deleted == []
    with world.ws.governance() as g:
        assert audit.verify(g).ok


def test_a_model_goes_with_its_snapshot_but_a_published_dataset_keeps_its_own_expiry(world: World):
    before = _lineage(world)
    with world.ws.governance() as g:  # as if the catalog kept snapshots for one day only
        g.execute("UPDATE snapshots SET expires_at = created_at + INTERVAL 1 DAY WHERE id = ?", [world.snapshot])
    report = run(world.ws, STEWARD, now=before["created"] + timedelta(days=2))
    assert {(d.kind, d.id) for d in report.deleted} == {("snapshot", world.snapshot), ("model", before["model_id"])}
    assert _files(world, before["model_id"]) == {"vault": False, "model": False, "signature": False, "dataset": True}
    assert len(explore.page(world.ws, MARKETER, world.dataset, "deals", limit=5)) == 5


def test_the_check_on_every_start_deletes_what_expired_as_system(world: World):
    with world.ws.governance() as g:
        g.execute("UPDATE datasets SET expires_at = now() - INTERVAL 1 DAY WHERE id = ?", [world.dataset])
    assert [d.id for d in check_on_start(world.ws).deleted] == [world.dataset]
    assert check_on_start(world.ws).deleted == []
    runs = audit.events(world.ws, ADMIN, audit.AuditFilter(action="retention."))
    assert [(e["actor"], e["action"]) for e in runs] == [("system", "retention.delete"), ("system", "retention.run")]


def test_the_command_takes_a_fake_clock(world: World, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SANDBOX_HOME", str(world.ws.home))
    result = CliRunner().invoke(app, ["retention", "run", "--now", "2100-01-01T00:00:00", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["now"].startswith("2100-01-01")
    assert sorted(d["kind"] for d in report["deleted"]) == ["dataset", "model", "snapshot"]


def test_the_apps_first_run_checks_retention_and_warms_the_pages_in_the_background(world: World, monkeypatch):
    import sys

    from sandbox.ui import session, warm

    with world.ws.governance() as g:
        g.execute("UPDATE datasets SET expires_at = now() - INTERVAL 1 DAY WHERE id = ?", [world.dataset])
    monkeypatch.setenv("SANDBOX_HOME", str(world.ws.home))
    monkeypatch.setattr(session, "_started", set())
    assert session.workspace().home == world.ws.home  # returns at once; the thread does the rest
    thread = warm.start_once(world.ws)
    assert thread is warm.start_once(world.ws) and thread.name == "sandbox-warm-up"
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert list_datasets(world.ws, MARKETER) == []  # the expired dataset went as on a synchronous start
    imported = warm.page_imports()
    assert {"pandas", "plotly.express", "sandbox.release.report", "sandbox.lab.hypothesis"} <= set(imported)
    assert all(name in sys.modules for name in imported)
