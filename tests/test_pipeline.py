"""ingest -> synthesize -> evaluate -> publish on real DuckDB files, with the demo CRM and real data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sandbox.errors import AccessDenied, GateFailed
from sandbox.release.datasets import list_datasets, open_dataset, publish
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import MARKETER, STEWARD


def _all_cells(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cells: set[str] = set()
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            frame = con.execute(f'SELECT * FROM "{table}"').df()
            for col in frame.columns:
                cells.update(frame[col].dropna().astype(str))
        return cells
    finally:
        con.close()


def test_published_dataset_has_every_table_and_resolving_keys(demo_workspace):
    ws, dataset = demo_workspace
    with open_dataset(ws, MARKETER, dataset) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert tables == {"customers", "deals", "interactions", "support_tickets"}
        for child, fk, parent, pk in [("deals", "customer_id", "customers", "customer_id"),
                                      ("interactions", "deal_id", "deals", "deal_id"),
                                      ("support_tickets", "customer_id", "customers", "customer_id")]:
            orphans = con.execute(f"SELECT count(*) FROM {child} WHERE {fk} NOT IN (SELECT {pk} FROM {parent})"
                                  ).fetchone()[0]
            assert orphans == 0, f"{child}.{fk} has orphans"
        assert con.execute("SELECT count(*) FROM deals").fetchone()[0] > 100


def test_no_name_email_or_phone_from_the_source_reaches_synthetic_data(demo_workspace, demo_export):
    ws, dataset = demo_workspace
    source = pd.read_csv(demo_export / "customers.csv")
    identifiers = set(source["full_name"]) | set(source["email"]) | set(source["phone"]) | set(source["customer_id"])
    cells = _all_cells(ws.dataset_path(dataset))
    assert not identifiers & cells
    # fake identities are still there and realistic
    with open_dataset(ws, MARKETER, dataset) as con:
        emails = [r[0] for r in con.execute("SELECT email FROM customers LIMIT 50").fetchall()]
    assert all("@" in e for e in emails)


def test_secret_key_never_in_any_duckdb_file_or_log(demo_workspace):
    ws, _ = demo_workspace
    key = ws.pseudonym_key()
    assert (ws.home / "secrets" / "pseudonym.key").stat().st_mode & 0o777 == 0o600
    for path in ws.home.rglob("*"):
        if path.is_file() and "secrets" not in path.parts:
            assert key not in path.read_bytes(), f"the pseudonym key is inside {path}"


def test_vault_holds_pseudonyms_not_source_identifiers(demo_workspace, demo_export):
    ws, _ = demo_workspace
    source = pd.read_csv(demo_export / "customers.csv")
    (vault_file,) = [p for p in (ws.home / "vault").glob("*.duckdb")]
    cells = _all_cells(vault_file)
    for column in ("full_name", "email", "phone", "customer_id"):
        assert not set(source[column].astype(str)) & cells, column


def test_marketer_cannot_synthesize_or_publish(demo_workspace):
    ws, dataset = demo_workspace
    with pytest.raises(AccessDenied):
        synthesize(ws, MARKETER, "demo_crm")
    with pytest.raises(AccessDenied):
        publish(ws, MARKETER, dataset)
    assert [d.id for d in list_datasets(ws, MARKETER)] == [dataset]


def test_real_telco_round_trip_and_gate_numbers_are_computed(workspace: Workspace, telco_sample: Path):
    result = ingest(workspace, STEWARD, [telco_sample], "telco", accept_proposed=True)
    assert result.tables == {"telco": 1500}
    assert 200 < result.holdout_rows["telco"] < 400
    info = synthesize(workspace, STEWARD, "telco", generator="gaussian_copula", seed=0)
    report = evaluate(workspace, STEWARD, info.id, target="telco.Churn=Yes")
    assert 0.3 < report["quality"]["overall"] < 1.0
    assert 0.3 < report["privacy"]["dcr_share"] < 0.7
    # every holdout row and as many training rows are the distance checks' reference
    assert report["privacy"]["dcr_reference_rows"] == {"telco": result.holdout_rows["telco"]}
    assert report["fidelity"]["segments"] > 10
    assert report["gate"] in {"pass", "fail"}
    assert report["lineage"]["source_fingerprint"] == result.fingerprint
    if report["gate"] == "fail":
        with pytest.raises(GateFailed):
            publish(workspace, STEWARD, info.id)
