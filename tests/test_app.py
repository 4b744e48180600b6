"""Every app page through Streamlit's AppTest, against a workspace built by the real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sandbox.workspace import Workspace
from tests.helpers_login import login_as

PAGES = Path(__file__).resolve().parent.parent / "sandbox" / "ui" / "pages"


@pytest.fixture()
def app_env(demo_workspace, monkeypatch: pytest.MonkeyPatch):
    ws, dataset = demo_workspace
    monkeypatch.setenv("SANDBOX_HOME", str(ws.home))
    return ws, dataset


def test_datasets_page_lists_the_published_dataset(app_env):
    ws, dataset = app_env
    at = AppTest.from_file(str(PAGES / "datasets.py"), default_timeout=60)
    login_as(at, ws, "mark", "marketer")
    at.run()
    assert not at.exception
    assert dataset in [s.value for s in at.subheader]
    assert any(m.label == "Gate" and m.value == "PASS" for m in at.metric)


def test_explore_page_pages_through_rows_and_charts_a_column(app_env):
    at = AppTest.from_file(str(PAGES / "explore.py"), default_timeout=60)
    login_as(at, app_env[0], "mark", "marketer")
    at.run()
    assert not at.exception
    assert at.selectbox[1].options  # tables
    at.selectbox[1].select("deals").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) == 50 and "amount" in frame.columns
    at.number_input[0].set_value(2).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 50


def test_pages_show_a_message_not_a_traceback_on_an_empty_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SANDBOX_HOME", str(tmp_path / "empty"))
    for page in ("datasets.py", "explore.py"):
        at = AppTest.from_file(str(PAGES / page), default_timeout=30)
        login_as(at, Workspace(tmp_path / "empty"), "mark", "marketer")
        at.run()
        assert not at.exception
        assert at.info, page
