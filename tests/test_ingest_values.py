"""What ingest reads from real exports: numbers and dates as exports outside the US write them reach the
vault as numbers and dates, not NULL; what cannot be read is counted in a warning (never quoted); a
fidelity target that names no kept column is refused before anything is written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sandbox.errors import InputError
from sandbox.vault.ingest import ingest
from sandbox.vault.snapshots import latest_snapshot, open_snapshot
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


def _ru(value: float) -> str:
    """A number as a Russian export writes it: no-break space between thousands, decimal comma."""
    return f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")


def _vault_column(workspace: Workspace, source: str, table: str, column: str) -> pd.Series:
    snapshot = latest_snapshot(workspace, STEWARD, source)
    with open_snapshot(workspace, STEWARD, snapshot.id) as con:
        return con.execute(f'SELECT "{column}" FROM "{table}"').df()[column]


def test_decimal_commas_and_grouped_thousands_are_numbers(workspace: Workspace, tmp_path: Path):
    telco = pd.read_csv(shared_file("telco-churn", "Telco-Customer-Churn.csv")).sample(400, random_state=0)
    charges = pd.to_numeric(telco["TotalCharges"].str.strip(), errors="coerce").dropna()
    telco = telco.loc[charges.index].assign(TotalCharges=charges.map(_ru),
                                            MonthlyCharges=telco["MonthlyCharges"].map(_ru))
    assert telco["TotalCharges"].str.contains("\u00a0").any()
    path = tmp_path / "telco.csv"
    telco.to_csv(path, index=False, sep=";")
    result = ingest(workspace, STEWARD, [path], "telco", accept_proposed=True)
    assert not [w for w in result.warnings if "could not be read" in w]
    stored = _vault_column(workspace, "telco", "telco", "TotalCharges")
    assert stored.notna().all() and len(stored) > 300
    assert set(stored.round(2)) <= set(charges.round(2))


def test_unreadable_numbers_are_counted_not_quoted(workspace: Workspace, tmp_path: Path):
    telco = pd.read_csv(shared_file("telco-churn", "Telco-Customer-Churn.csv")).sample(300, random_state=1)
    telco["MonthlyCharges"] = telco["MonthlyCharges"].map(_ru)
    telco.iloc[[3, 40], telco.columns.get_loc("MonthlyCharges")] = ["n/a", "29,85 rub"]
    path = tmp_path / "telco.csv"
    telco.to_csv(path, index=False, sep=";")
    result = ingest(workspace, STEWARD, [path], "telco", accept_proposed=True)
    (warning,) = [w for w in result.warnings if "MonthlyCharges" in w]
    assert "2 non-empty values could not be read as numbers" in warning
    assert "rub" not in warning and "n/a" not in warning
    assert _vault_column(workspace, "telco", "telco", "MonthlyCharges").isna().sum() == 2


def test_a_target_that_names_no_kept_column_is_refused_up_front(workspace: Workspace):
    funnel = shared_file("olist-marketing-funnel")
    with pytest.raises(InputError, match="no table 'deals'; tables: olist_closed_deals_dataset, olist_marketing"):
        ingest(workspace, STEWARD, [funnel], "funnel", accept_proposed=True, target="deals.lead_type")
    with pytest.raises(InputError, match="no column 'type' in olist_closed_deals_dataset; columns: .*lead_type"):
        ingest(workspace, STEWARD, [funnel], "funnel", accept_proposed=True, target="olist_closed_deals_dataset.type")
    assert not list((workspace.home / "vault").glob("*.duckdb"))
    result = ingest(workspace, STEWARD, [funnel], "funnel", accept_proposed=True,
                    target="olist_closed_deals_dataset.lead_type=online_medium")
    assert result.tables == {"olist_closed_deals_dataset": 842, "olist_marketing_qualified_leads_dataset": 8000}


def test_us_dates_are_read_month_first_as_detected(workspace: Workspace, tmp_path: Path):
    # real Olist purchase times written the way a US export writes them; 03/04/2018 must be March 4
    orders = pd.read_csv(shared_file("olist-ecommerce", "olist_orders_dataset.csv")).sample(400, random_state=2)
    stamps = pd.to_datetime(orders["order_purchase_timestamp"])
    orders["order_purchase_timestamp"] = stamps.dt.strftime("%m/%d/%Y %H:%M")
    assert (stamps.dt.day <= 12).mean() > 0.3  # many dates are ambiguous to a day-first reader
    path = tmp_path / "orders.csv"
    orders.to_csv(path, index=False)
    result = ingest(workspace, STEWARD, [path], "orders", accept_proposed=True)
    assert not [w for w in result.warnings if "could not be read" in w]
    stored = _vault_column(workspace, "orders", "orders", "order_purchase_timestamp")
    assert stored.notna().all() and len(stored) > 300
    assert set(stored) <= set(stamps.dt.floor("min"))


def test_the_detector_and_the_vault_read_numbers_alike():
    import duckdb

    from sandbox.catalog.plan import _number
    from sandbox.vault.detect import _numeric

    texts = ["1 467,45", "853,09", "12.5", "1,234.5", "1.234,56", "-3,5", "1\u00a0234,5", "1,234,567.8", "7",
             "abc", "12 руб", "", "1e3", ".5"]
    detected = _numeric(pd.Series(texts)).tolist()
    stored = [r[0] for r in duckdb.sql(f"SELECT {_number('v')} FROM unnest(?) AS t(v)", params=[texts]).fetchall()]
    assert detected[:9] == [1467.45, 853.09, 12.5, 1234.5, 1234.56, -3.5, 1234.5, 1234567.8, 7.0]
    for text, a, b in zip(texts, detected, stored, strict=True):
        assert (pd.isna(a) and b is None) or a == b, text
