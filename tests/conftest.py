"""Shared fixtures: real datasets from ../shared (skipped with a clear message when absent) and a demo
workspace built once per test session by the real pipeline."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from sandbox.governance.access import User
from sandbox.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SANDBOX_SHARED", REPO.parent / "shared")) / "datasets"
STEWARD = User(name="stella", role="steward")
MARKETER = User(name="mark", role="marketer")
DEMO_CUSTOMERS = 1500
# command-line sign-ins of this test run live in a folder of their own, never in the tester's home
os.environ["SANDBOX_CONFIG_DIR"] = tempfile.mkdtemp(prefix="sandbox-config-")


def shared_file(*parts: str) -> Path:
    """A file of ../shared/datasets, or skip the test saying what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real dataset {path} is absent (the tests read ../shared/datasets beside the repo)")
    return path


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo CRM written as CSV files, outside any workspace (the 'real' export)."""
    from generators.demo_crm import write_demo_crm

    folder = tmp_path_factory.mktemp("demo-export")
    write_demo_crm(folder, customers=DEMO_CUSTOMERS, seed=3)
    return folder


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory, demo_export: Path) -> tuple[Workspace, str]:
    """A workspace where the demo export went through ingest -> synthesize -> evaluate -> publish."""
    from sandbox.release.datasets import publish
    from sandbox.release.gate import evaluate
    from sandbox.release.synthesize import synthesize
    from sandbox.vault.ingest import ingest

    home = tmp_path_factory.mktemp("demo-ws")
    # App-flow fixture: the rules that protect people (no copied records, no leaked identifier) keep their
    # defaults; quality, fidelity and DCR limits are loosened because 1,500 demo customers (300 held out) are
    # too few to measure them tightly. Generator targets are proven in test_gate.py, test_cart.py and bench/.
    (home / "settings.yaml").write_text("gate:\n  min_quality: 0.6\n  min_sign_agreement: 0.5\n  max_dcr_share: 0.6\n")
    ws = Workspace(home)
    ingest(ws, STEWARD, [demo_export], "demo_crm", accept_proposed=True, target="deals.stage=won")
    info = synthesize(ws, STEWARD, "demo_crm", seed=1)
    report = evaluate(ws, STEWARD, info.id)
    assert report["gate"] == "pass", report["reasons"]
    publish(ws, STEWARD, info.id)
    return ws, info.id


@pytest.fixture()
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def telco_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 real Telco rows as a CSV file."""
    frame = pd.read_csv(shared_file("telco-churn", "Telco-Customer-Churn.csv")).sample(1500, random_state=0)
    path = tmp_path_factory.mktemp("telco") / "telco.csv"
    frame.to_csv(path, index=False)
    return path


from tests.access_support import access_world, world  # noqa: E402,F401  (access tests' workspace)
from tests.browser import app_url, page  # noqa: E402,F401  (browser fixtures for every test module)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed browser test's report says what the page showed and ends with its servers' logs (CI keeps only
    the printed output: a timeout alone does not say whether the app was slow, showed an error, or crashed)."""
    outcome = yield
    report = outcome.get_result()
    pg = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and pg is not None:
        from tests.browser import failure_report

        for title, text in failure_report(pg, item.name):
            report.sections.append((f"browser: {title}", text))
