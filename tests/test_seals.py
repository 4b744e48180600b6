"""Sealed artefacts (issue 18.3): a model's signature covers its identity, a published dataset is sealed and
checked when opened; a broken seal withdraws the dataset, tells the stewards and is logged."""

from __future__ import annotations

import json
import shutil
import stat

import duckdb
import pytest

from sandbox.api import connect
from sandbox.errors import IntegrityError, UnknownObject
from sandbox.governance.notify import pending
from sandbox.release import seals
from sandbox.release.datasets import get, open_dataset
from sandbox.release.models import load_model
from sandbox.release.synthesize import synthesize
from tests.access_support import STEWARD, World
from tests.helpers_login import ensure_user, password_of

MARKETER_NAME = "mira"


def _model_of(w: World, dataset: str) -> str:
    with w.ws.governance() as g:
        return g.execute("SELECT model_id FROM datasets WHERE id = ?", [dataset]).fetchone()[0]


def _amounts(w: World) -> float:
    marketer = ensure_user(w.ws, MARKETER_NAME, "marketer")
    with open_dataset(w.ws, marketer, w.dataset) as con:
        return con.execute("SELECT sum(amount) FROM deals").fetchone()[0]


def _tamper(w: World) -> None:
    """What an insider with file access would do: make the file writable again and edit it in DuckDB."""
    path = w.ws.dataset_path(w.dataset)
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    con = duckdb.connect(str(path))
    con.execute("UPDATE deals SET amount = 999999999")
    con.close()


def test_a_model_copied_over_another_with_its_signature_is_refused(world: World):
    first = _model_of(world, world.dataset)
    other = synthesize(world.ws, STEWARD, "crm", seed=2, rows=50)
    second = _model_of(world, other.id)
    assert load_model(world.ws, first).name == load_model(world.ws, second).name  # both load as they are
    for suffix in (".model", ".sig"):
        shutil.copy(world.ws.model_path(first).with_suffix(suffix), world.ws.model_path(second).with_suffix(suffix))
    with pytest.raises(IntegrityError, match=f"it is model '{first}', copied here"):
        load_model(world.ws, second)
    assert load_model(world.ws, first) is not None


def test_a_modified_model_byte_is_refused(world: World):
    model = _model_of(world, world.dataset)
    path = world.ws.model_path(model)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="it was modified"):
        load_model(world.ws, model)


def test_a_published_dataset_is_read_only_and_its_seal_is_in_the_audit_chain(world: World):
    path = world.ws.dataset_path(world.dataset)
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    with world.ws.governance() as g:
        sealed, seq = g.execute("SELECT sha256, audit_seq FROM seals WHERE dataset = ?", [world.dataset]).fetchone()
        event = json.loads(g.execute("SELECT details FROM audit WHERE seq = ? AND action = 'publish'",
                                     [seq]).fetchone()[0])
    assert event["seal"]["sha256"] == sealed == seals.digest(seals.files(world.ws, world.dataset))[0]
    assert _amounts(world) > 0  # opens while the seal holds


def test_an_edited_dataset_is_withdrawn_the_stewards_told_and_the_break_logged(world: World):
    ensure_user(world.ws, STEWARD.name, "steward")
    before = _amounts(world)
    seals.clear_cache()
    _tamper(world)
    marketer = ensure_user(world.ws, MARKETER_NAME, "marketer")
    with pytest.raises(IntegrityError, match="modified after it was published") as caught, \
            open_dataset(world.ws, marketer, world.dataset):
        pass
    assert "999999999" not in str(caught.value) and str(before) not in str(caught.value)
    assert get(world.ws, STEWARD, world.dataset).status == "withdrawn"
    with pytest.raises(UnknownObject, match="withdrawn"):  # and stays closed, also to the API
        connect(STEWARD.name, home=world.ws.home, password=password_of(STEWARD.name)).table(
            "deals", dataset=world.dataset).df()
    with world.ws.governance() as g:
        (actions,) = g.execute("SELECT list(action) FROM audit WHERE object = ?", [world.dataset]).fetchone()
    assert "dataset.seal_broken" in actions
    assert any(m["kind"] == "seal" and m["object"] == world.dataset for m in pending(world.ws, STEWARD.name))


def test_a_rewritten_seal_row_does_not_hide_an_edit(world: World):
    """Editing the file and then the seals table to match still fails: the audit chain holds the digest too."""
    seals.clear_cache()
    _tamper(world)
    forged = seals.digest(seals.files(world.ws, world.dataset))[0]
    with world.ws.governance() as g:
        g.execute("UPDATE seals SET sha256 = ? WHERE dataset = ?", [forged, world.dataset])
    with pytest.raises(IntegrityError, match="seal is broken"):
        _amounts(world)


def test_same_content_with_new_file_times_still_opens(world: World):
    """A copy restored from a backup (same bytes, new inode and times) is not a broken seal."""
    before = _amounts(world)
    seals.clear_cache()
    path = world.ws.dataset_path(world.dataset)
    shutil.copy(path, path.with_suffix(".bak"))
    path.unlink()
    shutil.copy(path.with_suffix(".bak"), path)
    assert _amounts(world) == before
    assert get(world.ws, STEWARD, world.dataset).status == "published"
