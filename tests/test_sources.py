"""Messy real exports: delimiters, encodings, quoted newlines, ragged rows, mixed types, bad keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.errors import InputError
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD


def _vault_files(ws: Workspace) -> list[Path]:
    return list((ws.home / "vault").iterdir())


def test_semicolon_cp1251_and_quoted_newlines(workspace: Workspace, tmp_path: Path):
    path = tmp_path / "клиенты.csv"
    text = "customer_id;город;note\n" + "".join(
        f'C{i};{"Москва" if i % 2 else "Казань"};"строка один\nстрока два"\n' for i in range(40))
    path.write_bytes(text.encode("cp1251"))
    result = ingest(workspace, STEWARD, [path], "ru_crm", accept_proposed=True)
    (table,) = result.tables
    assert result.tables[table] == 40


def test_ragged_row_is_named_by_line(workspace: Workspace, tmp_path: Path):
    path = tmp_path / "deals.csv"
    path.write_text("deal_id,amount\n1,10\n2,20,extra\n3,30\n")
    with pytest.raises(InputError, match=r"deals.csv \(table deals\), line 3: 3 fields where the header has 2"):
        ingest(workspace, STEWARD, [path], "crm", accept_proposed=True)
    assert not _vault_files(workspace)


def test_mixed_types_are_read_as_text_with_a_warning(workspace: Workspace, tmp_path: Path):
    path = tmp_path / "orders.csv"
    rows = [f"{i},{i * 10}" for i in range(30000)] + ["30000,unknown"]
    path.write_text("order_id,amount\n" + "\n".join(rows) + "\n")
    result = ingest(workspace, STEWARD, [path], "crm", accept_proposed=True)
    assert result.tables == {"orders": 30001}


def test_duplicate_primary_key_from_catalog_is_refused(workspace: Workspace, tmp_path: Path):
    (tmp_path / "customers.csv").write_text("customer_id,tier\n1,gold\n1,silver\n2,gold\n")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "source: crm\ntables:\n  customers:\n    primary_key: customer_id\n    columns:\n"
        "      customer_id: {cls: key, kind: key, purpose: essential}\n"
        "      tier: {cls: ordinary, kind: categorical}\n")
    with pytest.raises(InputError, match="customer_id has duplicate or empty values"):
        ingest(workspace, STEWARD, [tmp_path / "customers.csv"], "crm", catalog_file=catalog)


def test_orphan_foreign_keys_are_reported(workspace: Workspace, tmp_path: Path):
    (tmp_path / "customers.csv").write_text("customer_id,tier\n" + "".join(f"c{i},gold\n" for i in range(20)))
    (tmp_path / "deals.csv").write_text("deal_id,customer_id,amount\n" +
                                        "".join(f"d{i},c{i % 25},{i}\n" for i in range(50)))
    with pytest.raises(InputError, match=r"table deals, column customer_id: 10 of 50 values have no matching"):
        ingest(workspace, STEWARD, [tmp_path], "crm", accept_proposed=True)
    assert not _vault_files(workspace)


def test_unconfirmed_columns_are_listed_all_at_once(workspace: Workspace, telco_sample: Path):
    from sandbox.errors import CatalogError

    with pytest.raises(CatalogError) as info:
        ingest(workspace, STEWARD, [telco_sample], "telco")
    assert "21 columns are not confirmed" in str(info.value)
    assert "telco.customerID" in str(info.value) and "telco.Churn" in str(info.value)
