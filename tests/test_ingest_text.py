"""Free-text columns: dropped by default; kept only when the catalog says so, with identifiers scrubbed.

The notes are Faker-made (ru_RU and en_US sentences) with e-mails, phones, card numbers, INN, SNILS and
passport numbers planted inside, on top of a small made-up customer table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from faker import Faker

from sandbox.catalog import store as catalog_store
from sandbox.catalog.inventory import show
from sandbox.errors import CatalogError
from sandbox.release.schema_bridge import generator_schema
from sandbox.vault.ingest import ingest
from sandbox.vault.snapshots import latest_snapshot, open_snapshot
from sandbox.workspace import Workspace
from tests.conftest import STEWARD

ROWS = 200


@pytest.fixture()
def notes_export(tmp_path: Path) -> tuple[Path, list[str]]:
    """customers.csv with a free-text ``notes`` column; returns the file and the planted identifiers."""
    en, ru = Faker("en_US"), Faker("ru_RU")
    en.seed_instance(11)
    ru.seed_instance(11)
    planted, notes = [], []
    for i in range(ROWS):
        fake = ru if i % 2 else en
        ids = [en.unique.email(), ru.unique.phone_number() if i % 2 else en.unique.phone_number(),
               en.unique.credit_card_number(), f"ИНН {ru.individuals_inn()}", ru.passport_number()]
        planted += [ids[0], ids[1], ids[2], ids[3][4:], ids[4]]
        notes.append(f"{fake.sentence(nb_words=10)} {ids[i % 5]}; {fake.sentence(nb_words=6)}")
    frame = pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(ROWS)],
                          "segment": [["retail", "vip", "smb"][i % 3] for i in range(ROWS)], "notes": notes})
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    used = [planted[i * 5 + i % 5] for i in range(ROWS)]
    return path, used


def _vault_cells(ws: Workspace, source: str) -> tuple[list[str], list[str]]:
    snap = latest_snapshot(ws, STEWARD, source)
    with open_snapshot(ws, STEWARD, snap.id) as con:
        columns = [d[0] for d in con.execute("SELECT * FROM customers LIMIT 0").description]
        notes = [r[0] for r in con.execute("SELECT notes FROM customers").fetchall()] if "notes" in columns else []
    return columns, notes


def test_free_text_is_dropped_by_default(workspace: Workspace, notes_export):
    path, _ = notes_export
    result = ingest(workspace, STEWARD, [path], "crm", accept_proposed=True)
    entry = catalog_store.latest(workspace, "crm").tables["customers"].columns["notes"]
    assert (entry.cls, entry.identifier, entry.purpose) == ("direct_identifier", "free_text", "habit")
    assert result.dropped_columns["customers"] == ["notes"]
    columns, _ = _vault_cells(workspace, "crm")
    assert "notes" not in columns


def test_kept_text_is_scrubbed_and_never_given_to_generators(workspace: Workspace, notes_export, tmp_path: Path):
    path, planted = notes_export
    ingest(workspace, STEWARD, [path], "crm", accept_proposed=True)
    exported = tmp_path / "catalog.yaml"
    show(workspace, STEWARD, "crm", export=exported, report=tmp_path / "record.md")
    data = yaml.safe_load(exported.read_text())
    data["tables"]["customers"]["columns"]["notes"].update(keep_text=True, purpose="useful")
    exported.write_text(yaml.safe_dump(data, allow_unicode=True))
    result = ingest(workspace, STEWARD, [path], "crm", catalog_file=exported)
    assert result.dropped_columns["customers"] == []
    columns, notes = _vault_cells(workspace, "crm")
    assert "notes" in columns and len(notes) == ROWS
    leaked = [p for p in planted if any(p in n for n in notes)]
    assert leaked == []
    assert sum("[email]" in n for n in notes) == ROWS // 5
    assert sum("ИНН [inn]" in n for n in notes) == ROWS // 5
    assert all(n.endswith(".") for n in notes), "the words around the identifiers are kept"
    cat = catalog_store.latest(workspace, "crm")
    assert "notes" not in generator_schema(cat).tables["customers"].columns
    show(workspace, STEWARD, "crm", report=tmp_path / "record.md")
    assert "| notes | direct_identifier | free_text | useful | scrubbed text |" in (tmp_path / "record.md").read_text()


def test_keep_text_is_refused_where_it_makes_no_sense(workspace: Workspace, notes_export, tmp_path: Path):
    path, _ = notes_export
    ingest(workspace, STEWARD, [path], "crm", accept_proposed=True)
    exported = tmp_path / "catalog.yaml"
    show(workspace, STEWARD, "crm", export=exported)
    data = yaml.safe_load(exported.read_text())
    data["tables"]["customers"]["columns"]["notes"]["keep_text"] = True  # purpose stays "habit"
    data["tables"]["customers"]["columns"]["segment"]["keep_text"] = True
    exported.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CatalogError) as info:
        ingest(workspace, STEWARD, [path], "crm", catalog_file=exported)
    assert "customers.notes has purpose 'habit'" in str(info.value)
    assert "customers.segment is not free text" in str(info.value)
