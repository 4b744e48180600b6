"""The steward's catalog in the app (issue 19.5): read by council and admins, changed by stewards with a reason,
versioned, logged, and applied at the next ingest; the page through AppTest and in Chromium (en, ru)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sandbox.catalog.edit import (
    ColumnChange,
    change,
    changes_between,
    column_rows,
    current,
    history,
    sensitive_fields,
)
from sandbox.errors import AccessDenied, InputError, UnknownObject
from sandbox.governance.access import User
from sandbox.vault.ingest import ingest
from sandbox.vault.snapshots import latest_snapshot, open_snapshot
from tests.access_support import SOURCE, STEWARD, World
from tests.browser import sign_in
from tests.helpers_login import ensure_user, login_as

REPO = Path(__file__).resolve().parent.parent
COUNCIL = User(name="mia", role="council", seat="marketing")
MARKETER = User(name="mark", role="marketer")


def test_a_change_is_a_new_version_with_its_reason_logged_and_applied_at_the_next_ingest(world: World):
    ws = world.ws
    before = current(ws, STEWARD, SOURCE)
    assert before.tables["deals"].columns["discount"].purpose != "habit"
    version = change(ws, STEWARD, SOURCE, [ColumnChange(table="deals", column="discount", purpose="habit")],
                     "discount is never analysed; collecting it is a habit", retention_days=180)
    assert version == before.version + 1
    after = current(ws, STEWARD, SOURCE)
    entry = after.tables["deals"].columns["discount"]
    assert (entry.purpose, entry.proposed, after.retention_days) == ("habit", False, 180)
    assert entry.justification.startswith("stella: discount is never analysed")
    [latest, *_] = history(ws, COUNCIL, SOURCE)
    why = "discount is never analysed; collecting it is a habit"
    assert (latest.version, latest.created_by, latest.reason) == (version, "stella", why)
    assert "deals.discount.purpose: useful -> habit" in latest.changes
    assert "retention_days: 365 -> 180" in latest.changes
    with ws.governance() as g:
        reason, details = g.execute("SELECT reason, details FROM audit WHERE action = 'catalog.change' "
                                    "ORDER BY seq DESC LIMIT 1").fetchone()
    assert reason.startswith("discount") and json.loads(details)["version"] == version
    ingest(ws, STEWARD, [world.export], SOURCE)  # no catalog file: the newest stored version applies
    with open_snapshot(ws, STEWARD, latest_snapshot(ws, STEWARD, SOURCE).id) as con:
        kept = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'deals'").fetchall()}
    assert "discount" not in kept and "amount" in kept


def test_changes_need_a_reason_valid_values_a_steward_and_a_known_column(world: World):
    ws = world.ws
    version = current(ws, STEWARD, SOURCE).version
    with pytest.raises(InputError, match="say why"):
        change(ws, STEWARD, SOURCE, [ColumnChange(table="deals", column="discount", purpose="habit")], " ")
    with pytest.raises(InputError, match="purpose"):
        change(ws, STEWARD, SOURCE, [ColumnChange(table="deals", column="discount", purpose="forever")], "because")
    with pytest.raises(UnknownObject, match="no column deals.nope"):
        change(ws, STEWARD, SOURCE, [ColumnChange(table="deals", column="nope", purpose="habit")], "because")
    with pytest.raises(AccessDenied):
        change(ws, COUNCIL, SOURCE, [ColumnChange(table="deals", column="discount", purpose="habit")], "because")
    with pytest.raises(AccessDenied):
        current(ws, MARKETER, SOURCE)
    same = change(ws, STEWARD, SOURCE, [ColumnChange(table="deals", column="discount",
                                                     purpose=current(ws, STEWARD, SOURCE).tables["deals"]
                                                     .columns["discount"].purpose)], "nothing really")
    assert same == version == current(ws, STEWARD, SOURCE).version


def test_the_grid_edits_become_column_changes(world: World):
    rows = column_rows(current(world.ws, STEWARD, SOURCE))
    edited = [dict(r) for r in rows]
    target = next(r for r in edited if (r["table"], r["column"]) == ("deals", "channel"))
    target["purpose"] = "essential" if target["purpose"] != "essential" else "useful"
    target["category"] = float("nan")  # how a grid hands back an empty cell: no change
    found = changes_between(rows, edited)
    assert [(c.table, c.column, c.purpose, c.cls) for c in found] == [("deals", "channel", target["purpose"], None)]


def test_the_council_sees_which_fields_are_sensitive(world: World):
    fields = sensitive_fields(current(world.ws, COUNCIL, SOURCE))
    assert any(f.startswith("customers.email") for f in fields)
    assert any(f.startswith("customers.phone") for f in fields)


@pytest.fixture()
def app_world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("SANDBOX_HOME", str(world.ws.home))
    return world


def test_the_page_edits_for_stewards_and_shows_for_the_council(app_world: World):
    page = str(REPO / "sandbox" / "ui" / "pages" / "catalog.py")
    at = AppTest.from_file(page, default_timeout=60)
    login_as(at, app_world.ws, "stella", "steward")
    at.run()
    assert not at.exception and at.title[0].value == "Catalog"
    assert any("customers.email" in m.value for m in at.markdown)
    [grid] = at.dataframe
    assert grid.proto.editing_mode != grid.proto.EditingMode.READ_ONLY  # a data editor
    at = AppTest.from_file(page, default_timeout=60)
    login_as(at, app_world.ws, "mia", "council", "marketing")
    at.run()
    [grid] = at.dataframe
    assert not at.exception and grid.proto.editing_mode == grid.proto.EditingMode.READ_ONLY
    assert any("Only stewards" in c.value for c in at.caption)


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "title", "heading"), [
    ("English", "Catalog", "Sensitive and identifying fields"),
    ("Русский", "Каталог", "Чувствительные и идентифицирующие поля")])
def test_the_catalog_page_in_chromium(world: World, app_url, page, lang: str, title: str, heading: str):
    ensure_user(world.ws, "mia", "council", "marketing")
    page.goto(app_url(world.ws.home))
    sign_in(page, "mia")
    page.get_by_role("link", name="Catalog").click()
    page.get_by_role("heading", name="Catalog").first.wait_for()
    if lang != "English":
        page.get_by_text(lang).first.click()
        page.get_by_role("heading", name=title).first.wait_for()
    page.get_by_text(heading).first.wait_for()
    page.get_by_text("customers.email").first.wait_for()
    page.get_by_text("k = 5").first.wait_for()
