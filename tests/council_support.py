"""A small workspace for the council tests, built once per test process by the real pipeline.

The demo CRM (a few hundred customers) is ingested, a steward classifies ``support_tickets.category`` as
health data (as a careful steward would: it holds medical certificates) and council members are
registered as real users (with the cheapest Argon2 profile, which is for tests only). Only the
gate-override test needs a synthetic dataset: it is fitted and evaluated under strict gate thresholds,
so its gate fails deterministically.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox.governance.access import User
from sandbox.workspace import Workspace

STEWARD = User(name="stella", role="steward")
MARKETER = User(name="mark", role="marketer")
OTHER_MARKETER = User(name="mona", role="marketer")
SECURITY = User(name="selma", role="council", seat="security")
SECURITY_2 = User(name="sid", role="council", seat="security")
MARKETING = User(name="mia", role="council", seat="marketing")
SALES = User(name="sam", role="council", seat="sales")
ADMIN = User(name="ada", role="admin")
COUNCIL = (SECURITY, SECURITY_2, MARKETING, SALES)

REPO_ROOT = Path(__file__).resolve().parent.parent
_BUILT: dict[str, Any] = {}


def register(ws: Workspace, *users: User) -> None:
    """Register people as real users (with the test password of ``tests/helpers_login.py``)."""
    from tests.helpers_login import ensure_user

    for u in users:
        ensure_user(ws, u.name, u.role, u.seat)


def build(root: Path) -> Workspace:
    """The council workspace (demo CRM ingested, catalog classified, users registered); once per process."""
    if "ws" in _BUILT:
        return _BUILT["ws"]
    from generators.demo_crm import write_demo_crm
    from sandbox.catalog import store as catalog_store
    from sandbox.vault.ingest import ingest

    export = root / "export"
    write_demo_crm(export, customers=200, seed=5)
    home = root / "ws"
    home.mkdir(parents=True)
    (home / "settings.yaml").write_text(yaml.safe_dump({"gate": {"min_quality": 0.999, "quality_ceiling_margin": -1.0},
                                                        "access": {"argon2_profile": "CHEAPEST"}}))
    ws = Workspace(home)
    ingest(ws, STEWARD, [export], "demo_crm", accept_proposed=True)
    cat = catalog_store.latest(ws, "demo_crm")
    cat.tables["support_tickets"].columns["category"].cls = "sensitive"
    cat.tables["support_tickets"].columns["category"].category = "health"
    cat.core_service = "consumer electronics retail"
    with ws.governance() as g:
        catalog_store.save(g, cat, STEWARD)
    register(ws, *COUNCIL, STEWARD, MARKETER, OTHER_MARKETER)
    _BUILT["ws"] = ws
    return ws


def failed_dataset(ws: Workspace) -> str:
    """A synthetic dataset of ``ws`` whose release gate failed; made once per process.

    It comes from a second, one-table source (a slice of the demo customers), so fitting stays cheap; the
    strict thresholds in ``settings.yaml`` make its gate fail deterministically (quality must reach 0.999:
    the negative ceiling margin switches off the small-data allowance; a 60-row DCR share is never beyond
    chance, so it cannot be relied on).
    """
    if "dataset" not in _BUILT:
        import pandas as pd

        from sandbox.release.gate import evaluate
        from sandbox.release.synthesize import synthesize
        from sandbox.vault.ingest import ingest

        export = ws.home.parent / "tiny" / "leads.csv"
        export.parent.mkdir()
        customers = pd.read_csv(ws.home.parent / "export" / "customers.csv")
        customers[["customer_id", "region", "loyalty_tier", "marketing_consent"]].to_csv(export, index=False)
        ingest(ws, STEWARD, [export], "leads", accept_proposed=True)
        info = synthesize(ws, STEWARD, "leads", seed=1, rows=60)
        report = evaluate(ws, STEWARD, info.id)
        assert report["gate"] == "fail"  # strict thresholds in settings.yaml make it fail
        _BUILT["dataset"] = info.id
    return _BUILT["dataset"]


@pytest.fixture(scope="session")
def council_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build(tmp_path_factory.mktemp("council"))


_DRAFTS = itertools.count(1)


def draft(**changes: Any) -> dict[str, Any]:
    """A clean campaign proposal on the demo source (no flag fires) with ``changes`` applied; each call's title
    is its own (the workflow refuses a proposer's second copy of an open proposal)."""
    base: dict[str, Any] = {
        "title": f"Phone follow-up for silver customers #{next(_DRAFTS)}",
        "hypothesis": "We believe that a phone follow-up for silver-tier customers will raise conversion "
                      "because phone deals convert best on synthetic data.",
        "source": "demo_crm",
        "segment": {"filters": [{"table": "customers", "column": "loyalty_tier", "op": "=", "value": "silver"}],
                    "split": {"table": "deals", "column": "channel", "b": ["phone"], "a": ["email"]},
                    "metric": "deals.stage=won"},
        "fields_used": ["customers.loyalty_tier", "deals.channel", "deals.stage"],
        "metric": "deals.stage=won",
        "guardrail_metrics": ["support tickets per customer", "unsubscribe rate"],
        "channel": "phone",
        "message": "Hello, we have a new offer for silver members.",
        "purpose": "sales",
        "audience_size": 4000,
        "audience": "silver-tier customers",
    }
    base.update(changes)
    return base


def copy_workspace(ws: Workspace, dest: Path) -> Workspace:
    """An independent copy of a workspace (for tests that change policies or settings)."""
    shutil.copytree(ws.home, dest)
    return Workspace(dest)
