"""A small real workspace for the access tests: a two-table demo CRM (customers -> deals) that went through
the real ingest -> synthesize -> evaluate -> publish, built once per session; tests that change it get a copy.

The gate's thresholds are relaxed in this workspace's ``settings.yaml`` (these tests check who may do
what, not the quality of a 200-customer model), and password hashing uses Argon2's cheapest profile.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from sandbox.governance.access import User
from sandbox.workspace import Workspace

STEWARD = User(name="stella", role="steward")
SOURCE = "crm"
CHEAP_HASHES = {"argon2_profile": "CHEAPEST"}  # sign-ins in tests need not cost 0.2 s each
LENIENT_GATE = {"max_dcr_share": 1.0, "identical_match_margin": 1.0, "min_quality": 0.0, "min_sign_agreement": 0.0}


@dataclass(frozen=True)
class World:
    """A workspace with one published dataset, and the raw export it came from (outside the workspace)."""

    ws: Workspace
    dataset: str
    snapshot: str
    export: Path


@pytest.fixture(scope="session")
def access_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Built once: 200 customers and their deals, ingested, synthesized, gated and published."""
    from generators.demo_crm import write_demo_crm
    from sandbox.release.datasets import publish
    from sandbox.release.gate import evaluate
    from sandbox.release.synthesize import synthesize
    from sandbox.vault.ingest import ingest

    export = tmp_path_factory.mktemp("access-export")
    write_demo_crm(export, customers=200, seed=5)
    for name in ("interactions", "support_tickets"):
        (export / f"{name}.csv").unlink()
    home = tmp_path_factory.mktemp("access-ws")
    (home / "settings.yaml").write_text(yaml.safe_dump({"gate": LENIENT_GATE, "access": CHEAP_HASHES}))
    ws = Workspace(home)
    ingested = ingest(ws, STEWARD, [export], SOURCE, accept_proposed=True)
    info = synthesize(ws, STEWARD, SOURCE, seed=1)
    assert evaluate(ws, STEWARD, info.id)["gate"] == "pass"
    publish(ws, STEWARD, info.id)
    return World(ws=ws, dataset=info.id, snapshot=ingested.snapshot, export=export)


def copy_world(world: World, home: Path) -> World:
    """The same world in another folder (keys, vault, models and datasets included)."""
    shutil.copytree(world.ws.home, home)
    return World(ws=Workspace(home), dataset=world.dataset, snapshot=world.snapshot, export=world.export)


@pytest.fixture()
def world(access_world: World, tmp_path: Path) -> World:
    """A private copy of the access world, for a test that changes it."""
    return copy_world(access_world, tmp_path / "ws")


def write_settings(ws: Workspace, **sections: dict) -> Workspace:
    """Merge sections into the workspace's settings.yaml and return the reloaded workspace."""
    path = ws.home / "settings.yaml"
    data = yaml.safe_load(path.read_text()) if path.exists() else {}
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    path.write_text(yaml.safe_dump(data))
    return Workspace(ws.home)
