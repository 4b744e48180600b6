"""Every role against every data-touching library function: allowed or denied, decided by the library.

The table below is written out by hand from the issue's role lenses (not derived from
``sandbox.governance.access.PERMISSIONS``), so a change to the permission table that breaks a lens fails here.
Allowed calls that would change the shared workspace are made harmless (a missing input file, an
unknown source, a clock in the past): they must then fail for that reason, never with AccessDenied.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.api import notebook
from sandbox.catalog import inventory
from sandbox.duties import retention
from sandbox.duties.exports import export_dataset, export_distribution, export_rows
from sandbox.duties.forget import forget
from sandbox.duties.reveal import reveal_detail
from sandbox.errors import AccessDenied, InputError, UnknownObject
from sandbox.governance import audit, users
from sandbox.governance.access import User
from sandbox.lab import explore
from sandbox.lab.data import schema as lab_schema
from sandbox.release import datasets
from sandbox.release.gate import evaluate
from sandbox.release.report import report_for
from sandbox.release.synthesize import synthesize
from sandbox.vault import snapshots as vault
from sandbox.vault.ingest import ingest
from tests.access_support import SOURCE, World, copy_world

ROLES: dict[str, User] = {
    "marketer": User(name="m-mark", role="marketer"),
    "data_scientist": User(name="d-dana", role="data_scientist"),
    "council": User(name="c-mia", role="council", seat="marketing"),
    "security": User(name="c-selma", role="council", seat="security"),
    "steward": User(name="s-stella", role="steward"),
    "admin": User(name="a-ada", role="admin"),
}
EVERYONE = frozenset(ROLES)
ANALYSTS = frozenset({"marketer", "data_scientist", "council", "security", "steward"})
WHY = "matrix test of the access rules"


def _open(w: World, u: User) -> int:
    with datasets.open_dataset(w.ws, u, w.dataset) as con:
        return con.execute("SELECT count(*) FROM customers").fetchone()[0]


def _vault(w: World, u: User) -> int:
    with vault.open_snapshot(w.ws, u, w.snapshot) as con:
        return con.execute("SELECT count(*) FROM customers").fetchone()[0]


# action -> (call, roles allowed, error an allowed call must raise because its input is made harmless)
ACTIONS: dict[str, tuple[Callable[[World, User], Any], frozenset[str], type[Exception] | None]] = {
    "ingest": (lambda w, u: ingest(w.ws, u, [w.export / "missing.csv"], SOURCE), frozenset({"steward"}), InputError),
    "synthesize": (lambda w, u: synthesize(w.ws, u, "never_ingested"), frozenset({"steward"}), UnknownObject),
    "evaluate": (lambda w, u: evaluate(w.ws, u, "no-such-dataset"), frozenset({"steward"}), UnknownObject),
    "publish": (lambda w, u: datasets.publish(w.ws, u, w.dataset), frozenset({"steward"}), None),
    "list datasets": (lambda w, u: datasets.list_datasets(w.ws, u), EVERYONE, None),
    "list staged datasets": (lambda w, u: datasets.list_datasets(w.ws, u, include_unpublished=True),
                             frozenset({"steward"}), None),
    "gate report summary": (lambda w, u: report_for(w.ws, u, w.dataset), EVERYONE, None),
    "show more (gate report)": (lambda w, u: reveal_detail(w.ws, u, "gate_report", w.dataset, "support"),
                                EVERYONE, None),
    "open dataset": (_open, ANALYSTS, None),
    "explore page": (lambda w, u: explore.page(w.ws, u, w.dataset, "customers", limit=5), ANALYSTS, None),
    "explore describe": (lambda w, u: explore.describe(w.ws, u, w.dataset), ANALYSTS, None),
    "lab schema": (lambda w, u: lab_schema(w.ws, u, w.dataset), ANALYSTS, None),
    "notebook read": (lambda w, u: notebook.read_table(w.ws, u, w.dataset, "deals"),
                      frozenset({"data_scientist", "steward"}), None),
    "vault latest snapshot": (lambda w, u: vault.latest_snapshot(w.ws, u, SOURCE), frozenset({"steward"}), None),
    "vault open snapshot": (_vault, frozenset({"steward"}), None),
    "vault list snapshots": (lambda w, u: vault.list_snapshots(w.ws, u), frozenset({"steward"}), None),
    "catalog show": (lambda w, u: inventory.show(w.ws, u, SOURCE), frozenset({"steward", "admin", "council",
                                                                             "security"}), None),
    "audit view": (lambda w, u: audit.events(w.ws, u), frozenset({"admin", "security"}), None),
    "audit verify": (lambda w, u: audit.check_log(w.ws, u), frozenset({"admin", "security"}), None),
    "audit export": (lambda w, u: audit.export(w.ws, u, "csv"), frozenset({"admin", "security"}), None),
    "users list": (lambda w, u: users.list_users(w.ws, u), frozenset({"admin"}), None),
    "users add": (lambda w, u: users.add_user(w.ws, u, f"new-{u.name}", "marketer", password="a long password"),
                  frozenset({"admin"}), None),
    "users disable": (lambda w, u: users.disable_user(w.ws, u, "victim"), frozenset({"admin"}), None),
    "users role": (lambda w, u: users.set_role(w.ws, u, "victim", "data_scientist"), frozenset({"admin"}), None),
    "export rows": (lambda w, u: export_rows(w.ws, u, w.dataset, "customers", WHY, limit=3),
                    frozenset({"marketer", "data_scientist", "steward"}), None),
    "export distribution": (lambda w, u: export_distribution(w.ws, u, w.dataset, "deals", "stage", WHY),
                            ANALYSTS, None),
    "export whole dataset": (lambda w, u: export_dataset(w.ws, u, w.dataset, WHY), frozenset({"steward"}), None),
    "retention run": (lambda w, u: retention.run(w.ws, u, now=datetime(2000, 1, 1)), frozenset({"steward", "admin"}),
                      None),
    "forget": (lambda w, u: forget(w.ws, u, SOURCE, "no-such-person"), frozenset({"steward"}), None),
}


@pytest.fixture(scope="module")
def matrix_world(access_world: World, tmp_path_factory: pytest.TempPathFactory) -> World:
    """One copy of the access world for the whole table (its allowed calls change nothing that matters)."""
    w = copy_world(access_world, Path(tmp_path_factory.mktemp("matrix")) / "ws")
    users.add_user(w.ws, User(name="root", role="admin"), "victim", "marketer", password="victim password")
    return w


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_action(matrix_world: World, action: str, role: str):
    call, allowed, harmless_error = ACTIONS[action]
    user = ROLES[role]
    if role not in allowed:
        with pytest.raises(AccessDenied):
            call(matrix_world, user)
        return
    if harmless_error is not None:
        with pytest.raises(harmless_error):
            call(matrix_world, user)
        return
    result = call(matrix_world, user)
    assert result is not None or action == "users list"


def test_every_role_is_in_the_table():
    from sandbox.governance.access import ROLES as ALL_ROLES

    assert {u.role for u in ROLES.values()} == set(ALL_ROLES)


def test_a_refused_look_at_the_vault_is_logged(matrix_world: World):
    with pytest.raises(AccessDenied):
        vault.list_snapshots(matrix_world.ws, ROLES["admin"])
    denied = audit.events(matrix_world.ws, ROLES["admin"], audit.AuditFilter(outcome="denied", actor="a-ada"))
    assert denied[-1]["action"] == "vault.open"


def test_only_stewards_and_council_get_the_full_gate_report(matrix_world: World):
    full = report_for(matrix_world.ws, ROLES["council"], matrix_world.dataset)
    summary = report_for(matrix_world.ws, ROLES["marketer"], matrix_world.dataset)
    assert "tables" in full["privacy"] and "lineage" in full
    assert summary["view"] == "summary" and "privacy" not in summary and "lineage" not in summary
    assert summary["gate"] == full["gate"] == "pass"
    with pytest.raises(InputError, match="say why"):
        reveal_detail(matrix_world.ws, ROLES["marketer"], "gate_report", matrix_world.dataset, "curiosity")
    revealed = reveal_detail(matrix_world.ws, ROLES["marketer"], "gate_report", matrix_world.dataset, "contract")
    assert revealed == full
    event = audit.events(matrix_world.ws, ROLES["admin"], audit.AuditFilter(action="reveal", actor="m-mark"))[-1]
    assert (event["object"], event["reason"]) == (f"gate_report:{matrix_world.dataset}", "contract")
