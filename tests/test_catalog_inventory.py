"""The column inventory as a steward uses it: terminal view, JSON, YAML round trip, record of processing,
and the k-anonymity check of the vault."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sandbox.catalog import store as catalog_store
from sandbox.catalog.inventory import k_anonymity, record_blocks, render_html, render_markdown, show
from sandbox.vault.ingest import ingest
from sandbox.vault.snapshots import latest_snapshot, open_snapshot
from sandbox.workspace import Workspace
from tests.conftest import STEWARD

REPO = Path(__file__).resolve().parent.parent
WIDTH = 100


def cli(args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANDBOX_HOME": str(home), "COLUMNS": str(WIDTH)}
    return subprocess.run([sys.executable, "-m", "sandbox.cli", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)


def test_catalog_view_json_and_yaml_round_trip_over_the_cli(tmp_path: Path, telco_sample: Path):
    home = tmp_path / "ws"
    first = cli(["ingest", str(telco_sample), "--source", "telco", "--accept-proposed", "--json"], home)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["k_anonymity"]["telco"]["quasi_identifiers"] == ["gender"]
    exported = tmp_path / "telco.yaml"
    shown = cli(["catalog", "telco", "--export", str(exported)], home)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    rows = [line for line in lines if "telco." in line]
    assert len(rows) == 21, "one line per column: nothing wraps"
    assert any("customerID" in r and "key" in r and "pseudonym" in r for r in rows)
    assert any(line.startswith("k-anonymity of telco: smallest group") for line in lines)
    wide = cli(["catalog", "telco", "--wide", "--json"], home)
    assert json.loads(wide.stdout)["tables"]["telco"]["columns"]["gender"]["cls"] == "quasi_identifier"

    edited = yaml.safe_load(exported.read_text())
    assert Path(exported).read_text().startswith("source: telco")
    unchanged = cli(["ingest", str(telco_sample), "--source", "telco", "--catalog", str(exported), "--json"], home)
    assert unchanged.returncode == 0, unchanged.stderr
    assert json.loads(unchanged.stdout)["catalog_version"] == 1, "the exported catalog loads back unchanged"
    edited["tables"]["telco"]["columns"]["PaymentMethod"]["purpose"] = "habit"
    exported.write_text(yaml.safe_dump(edited, allow_unicode=True))
    changed = cli(["ingest", str(telco_sample), "--source", "telco", "--catalog", str(exported), "--json"], home)
    assert changed.returncode == 0, changed.stderr
    result = json.loads(changed.stdout)
    assert result["catalog_version"] == 2 and result["dropped_columns"]["telco"] == ["PaymentMethod"]


class _Structure(HTMLParser):
    """Counts elements and checks that every opened element is closed in order."""

    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.count: dict[str, int] = {}
        self.text: dict[str, list[str]] = {}
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.count[tag] = self.count.get(tag, 0) + 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.count[tag] = self.count.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.text.setdefault(self.stack[-1], []).append(data)


@pytest.fixture()
def two_tables(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    folder = tmp_path / "crm"
    folder.mkdir()
    customers = pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(300)],
        "gender": rng.choice(["f", "m"], 300),
        "age": rng.integers(18, 90, 300),
        "city": rng.choice(["Moscow", "Kazan", "Perm", "Omsk", "Tver"], 300, p=[.5, .3, .17, .02, .01]),
        "income": rng.lognormal(10, 1, 300).round(2),
    })
    orders = pd.DataFrame({"order_id": [f"O{i:06d}" for i in range(900)],
                           "customer_id": rng.choice(customers.customer_id, 900),
                           "amount": rng.integers(100, 5000, 900)})
    customers.to_csv(folder / "customers.csv", index=False)
    orders.to_csv(folder / "orders.csv", index=False)
    return folder


def test_k_anonymity_matches_an_independent_count(workspace: Workspace, two_tables: Path):
    result = ingest(workspace, STEWARD, [two_tables], "crm", accept_proposed=True)
    info = result.k_anonymity["customers"]
    assert set(info["quasi_identifiers"]) == {"gender", "age", "city"}
    raw = pd.read_csv(two_tables / "customers.csv")
    band = (raw.age // 10 * 10).astype(int)
    frequent = raw.city.value_counts()
    city = raw.city.where(raw.city.map(frequent) >= 5, "other")
    sizes = pd.DataFrame({"g": raw.gender, "a": band, "c": city}).value_counts()
    assert info["min_group"] == sizes.min()
    assert info["rows_below_k"] == sizes[sizes < 5].sum() > 0
    assert info["groups_below_k"] == (sizes < 5).sum()
    assert result.k_anonymity["orders"]["quasi_identifiers"] == []
    assert any("rows are in quasi-identifier groups smaller than k=5" in w for w in result.warnings)
    snap = latest_snapshot(workspace, STEWARD, "crm")
    with open_snapshot(workspace, STEWARD, snap.id) as con:
        assert {r[0] for r in con.execute("SELECT DISTINCT city FROM customers").fetchall()} == set(city)
    assert k_anonymity(workspace, "crm") == result.k_anonymity


def test_record_of_processing_as_markdown_and_html(workspace: Workspace, two_tables: Path, tmp_path: Path):
    ingest(workspace, STEWARD, [two_tables], "crm", accept_proposed=True)
    md_path, html_path = tmp_path / "record.md", tmp_path / "record.html"
    show(workspace, STEWARD, "crm", report=md_path)
    show(workspace, STEWARD, "crm", report=html_path)
    md = md_path.read_text()
    for heading in ("# Record of processing: crm", "## Purpose of the processing", "## Recipients",
                    "## Retention and erasure", "## Technical and organisational measures",
                    "### Table customers", "### Table orders"):
        assert f"\n{heading}\n" in f"\n{md}", heading
    assert md.count("| column | class | detail | purpose | in vault | justification |") == 2
    assert "| customer_id | key |" in md and "| age | quasi_identifier | age_band |" in md
    assert "smallest group" in md and "365 days" in md

    page = _Structure()
    page.feed(html_path.read_text())
    assert page.errors == [] and page.stack == []
    assert page.count["h1"] == 1 and page.count["h3"] == 2 and page.count["table"] == 2
    assert page.count["thead"] == 2 and page.count["li"] >= 15
    assert "generalized (age_band)" in page.text["td"]
    assert "Record of processing: crm" in page.text["title"]
    cat = catalog_store.latest(workspace, "crm")
    assert render_markdown(record_blocks(cat)) != md  # the report includes the vault's k-anonymity check
    assert "&lt;script&gt;" in render_html(record_blocks(cat.model_copy(update={"source": "<script>"})), "<script>")


def test_report_suffix_is_checked(workspace: Workspace, two_tables: Path, tmp_path: Path):
    from sandbox.errors import InputError

    ingest(workspace, STEWARD, [two_tables], "crm", accept_proposed=True)
    with pytest.raises(InputError, match=r"\.md or \.html"):
        show(workspace, STEWARD, "crm", report=tmp_path / "record.pdf")
