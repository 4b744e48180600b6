"""Key rotation: every active snapshot re-pseudonymized under a new key, the old key destroyed.

Runs on the demo CRM export (customers, deals, interactions, support tickets with Faker names, e-mails
and phones). Crashes are real: a child process that dies (``os._exit``) at the worst moment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from generators import registry
from generators.base import Generator
from generators.schema import Schema
from sandbox.duties.forget import forget
from sandbox.errors import InputError, IntegrityError
from sandbox.governance import audit
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.vault.keyrotation import rotate_key
from sandbox.vault.pseudonymize import key_id, pseudonym
from sandbox.vault.snapshots import latest_snapshot, open_snapshot
from sandbox.workspace import Workspace
from tests.conftest import STEWARD

REPO = Path(__file__).resolve().parent.parent
SOURCE = "crm"


class KeyMemorizer(Generator):
    """A careless generator that keeps the training keys in its model (what rotation must catch)."""

    name = "key_memorizer"

    def _fit(self, tables: dict[str, pd.DataFrame], schema: Schema) -> None:
        self.keys = {t: tables[t][s.primary_key].tolist() for t, s in schema.tables.items() if s.primary_key}

    def _sample(self, root_rows: dict[str, int], seed: int, batch_rows: int) -> Iterator:
        return iter(())


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from generators.demo_crm import write_demo_crm

    folder = tmp_path_factory.mktemp("rotation-export")
    write_demo_crm(folder, customers=300, seed=5)
    return folder


def _vault(ws: Workspace) -> dict[str, pd.DataFrame]:
    snap = latest_snapshot(ws, STEWARD, SOURCE)
    with open_snapshot(ws, STEWARD, snap.id) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {t: con.execute(f'SELECT * FROM "{t}"').df() for t in names}


def _joins(tables: dict[str, pd.DataFrame]) -> tuple[int, int, int]:
    c, d, i = tables["customers"], tables["deals"], tables["interactions"]
    return (len(d.merge(c, on="customer_id")), len(i.merge(d, on="deal_id")),
            d.merge(c, on="customer_id").customer_id.nunique())


def _status(ws: Workspace, table: str, obj: str) -> str:
    with ws.governance() as g:
        return g.execute(f"SELECT status FROM {table} WHERE id = ?", [obj]).fetchone()[0]


def test_rotation_rekeys_the_vault_and_destroys_the_old_key(tmp_path: Path, export: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))  # the memorizer leaves with this test
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [export], SOURCE, accept_proposed=True)
    customers = pd.read_csv(export / "customers.csv")
    gone, later = customers.customer_id[0], customers.customer_id[1]
    forget(ws, STEWARD, SOURCE, gone)  # forgotten before the rotation: must stay forgotten
    registry.register("key_memorizer", f"{__name__}:KeyMemorizer")
    careless = synthesize(ws, STEWARD, SOURCE, generator="key_memorizer")
    staged = synthesize(ws, STEWARD, SOURCE, generator="gaussian_copula", rows=100)
    old_key, before, old_snap = ws.pseudonym_key(), _vault(ws), latest_snapshot(ws, STEWARD, SOURCE).id
    key_file = ws.home / "secrets" / "pseudonym.key"
    held = os.open(key_file, os.O_RDONLY)  # the old key's inode, to see what became of it
    try:
        report = rotate_key(ws, STEWARD, {SOURCE: [export]})
        os.lseek(held, 0, os.SEEK_SET)
        old_bytes, links = os.read(held, 1024), os.fstat(held).st_nlink
    finally:
        os.close(held)
    new_key = ws.pseudonym_key()
    after = _vault(ws)

    # the old key: overwritten, unlinked, nowhere in the workspace; the new key is private
    assert new_key != old_key and old_key not in old_bytes and links == 0
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["pseudonym.key", "signing.key"]
    assert all(old_key not in p.read_bytes() for p in ws.home.rglob("*") if p.is_file())
    assert (report.old_key_id, report.new_key_id) == (key_id(old_key), key_id(new_key))
    # every pseudonym changed, to exactly HMAC(new key, raw value); rows, joins, holdout unchanged
    [rotated] = report.snapshots
    assert rotated.old == old_snap and rotated.export_fingerprint_matches
    for table in ("customers", "deals", "interactions", "support_tickets"):
        assert len(after[table]) == len(before[table])
        assert after[table]["_holdout"].sum() == before[table]["_holdout"].sum()
    assert not set(before["customers"].customer_id) & set(after["customers"].customer_id)
    assert set(after["customers"].customer_id) == {pseudonym(new_key, c) for c in customers.customer_id if c != gone}
    assert _joins(after) == _joins(before)
    assert len(after["_identifier_digests"]) == len(before["_identifier_digests"])
    assert pseudonym(new_key, customers.email[5]) in set(after["_identifier_digests"].digest)
    # lineage: old snapshot retired and deleted, copula model kept, the key-memorizing model stale
    assert _status(ws, "snapshots", old_snap) == "rotated" and not ws.vault_path(old_snap).exists()
    assert report.stale_models == [careless.model_id] and report.models_kept == [staged.model_id]
    assert _status(ws, "models", careless.model_id) == "stale" and not ws.model_path(careless.model_id).exists()
    assert staged.id in report.datasets_repointed
    with ws.governance() as g:
        [(details,)] = g.execute("SELECT details FROM audit WHERE action = 'key.rotate'").fetchall()
        assert json.loads(details)["snapshots"] == {old_snap: rotated.new} and audit.verify(g).ok
    # everything keyed works with the new key: the gate, erasure by raw value, a new ingest
    assert evaluate(ws, STEWARD, staged.id)["privacy"]["leaked_values"] == 0
    assert not forget(ws, STEWARD, SOURCE, gone).found
    erased = forget(ws, STEWARD, SOURCE, later)
    assert erased.found and erased.pseudonym == pseudonym(new_key, later)
    ingest(ws, STEWARD, [export], SOURCE, accept_proposed=True)


def test_a_wrong_or_missing_export_changes_nothing(tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch):
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [export], SOURCE, accept_proposed=True)
    snap, key = latest_snapshot(ws, STEWARD, SOURCE).id, ws.pseudonym_key()
    partial = tmp_path / "partial"
    partial.mkdir()
    for f in export.iterdir():
        frame = pd.read_csv(f)
        (frame.iloc[10:] if f.name == "customers.csv" else frame).to_csv(partial / f.name, index=False)
    with pytest.raises(InputError, match=r"lacks values the snapshot holds: \d+ values of _identifier_digests.digest; "
                                         r"\d+ values of _identifier_owners.digest; "
                                         r"\d+ values of _identifier_owners.owner; "
                                         r"\d+ values of customers.customer_id"):  # (customers without deals)
        rotate_key(ws, STEWARD, {SOURCE: [partial]})
    with pytest.raises(InputError, match=rf"no export given for snapshot {snap} \(source crm\)"):
        rotate_key(ws, STEWARD, {"other": [export]})
    monkeypatch.setenv("SANDBOX_PSEUDONYM_KEY", "from-the-environment")
    with pytest.raises(InputError, match="environment variable SANDBOX_PSEUDONYM_KEY"):
        rotate_key(ws, STEWARD, {SOURCE: [export]})
    monkeypatch.delenv("SANDBOX_PSEUDONYM_KEY")
    assert ws.pseudonym_key() == key and latest_snapshot(ws, STEWARD, SOURCE).id == snap
    assert [p.name for p in (ws.home / "vault").iterdir()] == [f"{snap}.duckdb"]
    assert sorted(p.name for p in (ws.home / "secrets").iterdir()) == ["pseudonym.key", "signing.key"]
    assert not (ws.home / "locks" / "key-rotation.json").exists()


_CRASH = """
import os, sys
sys.path.insert(0, {repo!r})
import sandbox.vault.keyrotation as kr
from pathlib import Path
from sandbox.workspace import Workspace
from tests.conftest import STEWARD
def die(*args, **kwargs):
    os._exit(3)
setattr(kr, {where!r}, die)
kr.rotate_key(Workspace(Path({home!r})), STEWARD, {{"crm": [{export!r}]}})
"""


def _crash_at(where: str, ws: Workspace, export: Path) -> None:
    code = _CRASH.format(repo=str(REPO), where=where, home=str(ws.home), export=str(export))
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=300).returncode == 3


@pytest.mark.parametrize("where", ["_commit", "_swap_in"])
def test_a_crash_is_finished_or_rolled_back(tmp_path: Path, export: Path, where: str):
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [export], SOURCE, accept_proposed=True)
    snap, key = latest_snapshot(ws, STEWARD, SOURCE).id, ws.pseudonym_key()
    _crash_at(where, ws, export)
    assert (ws.home / "locks" / "key-rotation.json").exists()
    committed = where == "_swap_in"
    if committed:  # the vault is re-keyed but the old key is still in place: keyed work is refused
        with pytest.raises(IntegrityError, match="key rotate --resume"):
            ingest(ws, STEWARD, [export], SOURCE, accept_proposed=True)
    report = rotate_key(ws, STEWARD, resume=True)
    assert report.outcome == ("finished" if committed else "rolled_back") and bool(report.new_key_id) == committed
    assert not (ws.home / "locks" / "key-rotation.json").exists()
    assert sorted(p.name for p in (ws.home / "secrets").iterdir()) == ["pseudonym.key", "signing.key"]
    vault_files = [p.name for p in (ws.home / "vault").iterdir()]
    assert len(vault_files) == 1 and (vault_files[0] == f"{snap}.duckdb") != committed
    assert (ws.pseudonym_key() == key) != committed
    customers = pd.read_csv(export / "customers.csv")
    con = duckdb.connect(str(ws.home / "vault" / vault_files[0]), read_only=True)
    ids = {r[0] for r in con.execute("SELECT customer_id FROM customers").fetchall()}
    con.close()
    assert ids == {pseudonym(ws.pseudonym_key(), c) for c in customers.customer_id}
    with ws.governance() as g:
        outcome = g.execute("SELECT outcome, details FROM audit WHERE action = 'key.rotate.resume'").fetchone()
    assert outcome[0] == ("finished" if committed else "rolled_back")
    # rolled back: the half-made new snapshot is deleted; finished: the old one was deleted before the crash
    assert bool(json.loads(outcome[1])["deleted_files"]) != committed
    ingest(ws, STEWARD, [export], SOURCE, accept_proposed=True)


def test_cli_rotate_without_exports_for_the_vault_explains_itself(tmp_path: Path, export: Path):
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [export], SOURCE, accept_proposed=True)
    env = {**os.environ, "SANDBOX_HOME": str(ws.home)}
    run = subprocess.run([sys.executable, "-m", "sandbox.cli", "key", "rotate", "--json"], capture_output=True,
                         text=True, env=env, cwd=REPO, timeout=300)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "no export given for snapshot" in run.stderr and "SOURCE=PATH" in run.stderr
    resumed = subprocess.run([sys.executable, "-m", "sandbox.cli", "key", "rotate", "--resume", "--json"],
                             capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert json.loads(resumed.stdout)["outcome"] == "nothing_to_resume"
