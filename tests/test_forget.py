"""A data subject's deletion request, across the real source -> vault snapshot -> model -> dataset chain."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from sandbox.cli import app
from sandbox.duties.forget import REASON, forget
from sandbox.errors import InputError, UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.release.datasets import get, list_datasets, open_dataset
from sandbox.vault import snapshots as vault
from sandbox.vault.pseudonymize import pseudonym
from tests.access_support import SOURCE, STEWARD, World

ADMIN = User(name="ada", role="admin")
MARKETER = User(name="mark", role="marketer")


def _customer_with_deals(w: World) -> tuple[str, int]:
    deals = pd.read_csv(w.export / "deals.csv")
    counts = deals.customer_id.value_counts()
    return str(counts.index[0]), int(counts.iloc[0])


def _status(w: World, table: str, key: str) -> str:
    with w.ws.governance() as g:
        return g.execute(f"SELECT status FROM {table} WHERE id = ?", [key]).fetchone()[0]


def test_forgetting_a_customer_removes_them_and_withdraws_everything_learned_from_them(world: World):
    customer, deals = _customer_with_deals(world)
    assert deals >= 2
    subject = pseudonym(world.ws.pseudonym_key(), customer)
    model = get(world.ws, STEWARD, world.dataset).model_id
    report = forget(world.ws, STEWARD, SOURCE, customer)

    assert report.found and report.pseudonym == subject
    [replaced] = report.snapshots
    assert replaced.old == world.snapshot and replaced.rows_removed == {"customers": 1, "deals": deals}
    assert (report.stale_models, report.stale_datasets, report.regenerated) == ([model], [world.dataset], {})
    # the vault: a new snapshot without the person or their deals; the old file is gone, not edited
    assert not world.ws.vault_path(world.snapshot).exists()
    assert vault.latest_snapshot(world.ws, STEWARD, SOURCE).id == replaced.new
    with vault.open_snapshot(world.ws, STEWARD, replaced.new) as con:
        assert con.execute("SELECT count(*) FROM customers WHERE customer_id = ?", [subject]).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM deals WHERE customer_id = ?", [subject]).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 199
        assert con.execute("SELECT count(*) FROM _identifier_digests WHERE digest = ?", [subject]).fetchone()[0] == 0
    assert (_status(world, "snapshots", world.snapshot), _status(world, "snapshots", replaced.new)) == (
        "forgotten", "active")
    # the model and the dataset learned from the person: stale, files deleted, hidden from new work
    assert (_status(world, "models", model), _status(world, "datasets", world.dataset)) == ("stale", "stale")
    assert not world.ws.model_path(model).exists() and not world.ws.dataset_path(world.dataset).exists()
    assert list_datasets(world.ws, MARKETER) == []
    with pytest.raises(UnknownObject, match="withdrawn"), open_dataset(world.ws, STEWARD, world.dataset):
        pass
    # logged by pseudonym, never by the identifier the request named
    [event] = audit.events(world.ws, ADMIN, audit.AuditFilter(action="forget"))
    assert (event["actor"], event["reason"], json.loads(event["details"])["pseudonym"]) == ("stella", REASON, subject)
    with world.ws.governance() as g:
        assert customer not in str(g.execute("SELECT * FROM audit").fetchall())
        assert audit.verify(g).ok


def test_forget_leaves_no_digest_of_the_person(world: World):
    """The leak scan's digests of the person's e-mail, phone and name go with their rows; everyone else's stay."""
    customer, _ = _customer_with_deals(world)
    key = world.ws.pseudonym_key()
    people = pd.read_csv(world.export / "customers.csv", dtype=str).set_index("customer_id")
    theirs = [pseudonym(key, v) for v in people.loc[customer, ["email", "phone", "full_name"]]]
    other = next(c for c in people.index if c != customer)
    others = [pseudonym(key, v) for v in people.loc[other, ["email", "phone"]]]
    deals = pd.read_csv(world.export / "deals.csv", dtype=str)
    their_deals = [pseudonym(key, d) for d in deals.loc[deals.customer_id == customer, "deal_id"]]

    def held(snapshot: str, digests: list[str]) -> int:
        with vault.open_snapshot(world.ws, STEWARD, snapshot) as con:
            return con.execute("SELECT count(DISTINCT digest) FROM _identifier_digests WHERE list_contains(?, digest)",
                               [digests]).fetchone()[0]

    assert held(world.snapshot, theirs) == 3 and held(world.snapshot, others) == 2
    assert held(world.snapshot, their_deals) == len(their_deals)
    [replaced] = forget(world.ws, STEWARD, SOURCE, customer).snapshots
    assert held(replaced.new, theirs + their_deals + [pseudonym(key, customer)]) == 0
    assert held(replaced.new, others) == 2
    with vault.open_snapshot(world.ws, STEWARD, replaced.new) as con:
        owners = con.execute("SELECT count(*) FROM _identifier_owners WHERE owner = ?",
                             [pseudonym(key, customer)]).fetchone()[0]
        left = con.execute("SELECT count(*) FROM _identifier_owners").fetchone()[0]
    assert owners == 0 and left > 0


def test_an_unknown_identifier_touches_nothing(world: World):
    report = forget(world.ws, STEWARD, SOURCE, "C999999")
    assert not report.found and report.snapshots == [] and report.stale_datasets == []
    assert [d.id for d in list_datasets(world.ws, MARKETER)] == [world.dataset]
    assert world.ws.vault_path(world.snapshot).exists()
    assert audit.events(world.ws, ADMIN, audit.AuditFilter(action="forget"))[0]["outcome"] == "not_found"
    with pytest.raises(UnknownObject, match="no active vault snapshot"):
        forget(world.ws, STEWARD, "never_ingested", "C000001")


def test_a_named_key_column_removes_only_that_record(world: World, monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(InputError, match="not a pseudonymized key"):
        forget(world.ws, STEWARD, SOURCE, "Texas", column="customers.region")
    deal = str(pd.read_csv(world.export / "deals.csv").deal_id.iloc[0])
    monkeypatch.setenv("SANDBOX_HOME", str(world.ws.home))
    result = CliRunner().invoke(app, ["forget", "--source", SOURCE, "--id", deal, "--column", "deals.deal_id",
                                      "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["snapshots"][0]["rows_removed"] == {"customers": 0, "deals": 1}
    assert report["stale_datasets"] == [world.dataset]


def test_stale_datasets_can_be_regenerated_from_the_new_snapshot(world: World):
    customer, _ = _customer_with_deals(world)
    report = forget(world.ws, STEWARD, SOURCE, customer, regenerate=True)
    new = report.regenerated[world.dataset]
    assert [d.id for d in list_datasets(world.ws, MARKETER)] == [new]
    assert get(world.ws, STEWARD, new).snapshot_id == report.snapshots[0].new
