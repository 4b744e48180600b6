"""The gate report page through Streamlit's AppTest: stewards see every measure, marketers the verdict and
fidelity only (the library decides; the page draws what it is given)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from generators import registry
from sandbox.governance.access import User
from sandbox.release.gate import evaluate
from sandbox.release.report import gate_report_view
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import MARKETER, STEWARD
from tests.helpers_login import login_as
from tests.test_gate import CopyingGenerator

PAGE = Path(__file__).resolve().parent.parent / "sandbox" / "ui" / "pages" / "gate_report.py"
FULL_SECTIONS = ["Verdict", "Quality", "Privacy", "Hypothesis fidelity", "Distributions: real vs synthetic",
                 "Correlation differences"]


def _page(ws: Workspace, user: User) -> AppTest:
    """The page run by ``user``, signed in with a real session of the workspace."""
    at = AppTest.from_file(str(PAGE), default_timeout=90)
    login_as(at, ws, user.name, user.role, user.seat)
    return at.run()


def _text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "success", "error", "info")
                     for e in at.get(kind))


@pytest.fixture()
def demo_home(demo_workspace, monkeypatch: pytest.MonkeyPatch) -> tuple[Workspace, str]:
    ws, dataset = demo_workspace
    monkeypatch.setenv("SANDBOX_HOME", str(ws.home))
    return ws, dataset


def test_steward_sees_verdict_first_then_every_measure(demo_home):
    ws, dataset = demo_home
    at = _page(ws, STEWARD)
    assert not at.exception
    assert at.selectbox[0].value == dataset
    assert [h.value for h in at.header] == FULL_SECTIONS
    assert at.success[0].value.startswith("**PASS**")
    labels = {m.label for m in at.metric}
    assert {"Quality", "Conclusions matched", "Closer to training rows", "Identical to training rows",
            "Identical to unseen rows", "Leaked identifier values"} <= labels
    text = _text(at)
    assert "Conclusions matched real data in" in text
    # the memorization limit is shown with the rule that decided, in words that agree with the PASS
    assert re.search(r"Closer to training rows \d+\.\d%: (no more than the gate's limit of \d+% \(50% means "
                     r"nobody was memorized\)|above \d+%, but within chance for \d+ tables \(z = -?\d\.\d\d; a "
                     r"difference counts as memorization only beyond z = \d\.\d\d\)), so it passes\.", text)
    shown = gate_report_view(ws, STEWARD, dataset)["charts"]
    first_table = len(shown["distributions"]["customers"])
    expected = 2 + len(shown["dcr"]) + 1 + first_table + len(shown["correlations"])  # quality x2, DCR, fidelity, ...
    assert len(at.get("plotly_chart")) == expected
    at.selectbox(key="distribution_table").select("deals").run()
    assert not at.exception
    assert at.get("download_button")


def test_marketer_sees_only_the_verdict_and_fidelity(demo_home):
    ws, dataset = demo_home
    at = _page(ws, MARKETER)
    assert not at.exception
    assert [h.value for h in at.header] == ["Verdict", "Hypothesis fidelity"]
    assert {m.label for m in at.metric} == {"Quality", "Conclusions matched"}
    text = _text(at)
    assert "Conclusions matched real data in" in text
    assert "training row" not in text and "DCR" not in text
    assert len(at.get("plotly_chart")) == 1  # the fidelity scatter
    assert at.selectbox[0].options == [f"{dataset} (published, gate pass)"]


@pytest.fixture(scope="module")
def staged_copy(tmp_path_factory: pytest.TempPathFactory, telco_sample: Path) -> tuple[Workspace, str]:
    """A workspace whose only dataset copied its training rows: evaluated, failed, still staged."""
    ws = Workspace(tmp_path_factory.mktemp("staged-ws"))
    ingest(ws, STEWARD, [telco_sample], "telco", accept_proposed=True, target="telco.Churn=Yes")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
        registry.register(CopyingGenerator.name, f"{CopyingGenerator.__module__}:CopyingGenerator")
        dataset = synthesize(ws, STEWARD, "telco", generator=CopyingGenerator.name).id
    evaluate(ws, STEWARD, dataset)
    return ws, dataset


def test_steward_sees_a_staged_failed_dataset_with_its_reasons_marketer_sees_nothing(staged_copy, monkeypatch):
    ws, dataset = staged_copy
    monkeypatch.setenv("SANDBOX_HOME", str(ws.home))
    at = _page(ws, STEWARD)
    assert not at.exception
    assert at.selectbox[0].value == dataset and "staging" in at.selectbox[0].options[0]
    assert at.error[0].value.startswith("**FAIL**")
    text = _text(at)
    assert "above the limit of" in text and "equal a training row" in text  # the stored records, said in English
    assert re.search(r"Closer to training rows \d+\.\d%: above \d+% and beyond chance for 1 table \(z = \d+\.\d\d > "
                     r"1\.96\).*so it fails\.", text)  # the rule that decided, agreeing with the FAIL
    marketer = _page(ws, MARKETER)
    assert not marketer.exception
    assert marketer.info and "No dataset to report on yet" in marketer.info[0].value
