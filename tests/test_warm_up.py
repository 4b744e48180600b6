"""The app server's warm-up imports the pages' modules in a background thread; a page run never imports alongside it.

A council member once got a traceback instead of the app: the warm-up thread was importing ``sandbox.council``
(whose ``__init__`` imports its own submodules) while the page run imported ``sandbox.council.views``, and Python
handed the page the half-initialized module ("cannot import name 'council_queue' from partially initialized
module"). A run that goes past the sign-in now waits until the warm-up's imports are done.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from sandbox.ui import warm
from sandbox.workspace import Workspace

SLOW_MODULE = """
import time
time.sleep(1.0)  # a heavy import (pandas, Plotly) under a loaded machine
done = True
"""


@pytest.fixture()
def fresh_warm_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The warm-up's state as in a process that has not started it, importing one slow module of tmp_path."""
    (tmp_path / "slow_page_module.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_page_module", raising=False)
    for name, value in (("_threads", {}), ("_imported", threading.Event()), ("_form_drawn", threading.Event())):
        monkeypatch.setattr(warm, name, value)
    monkeypatch.setattr(warm, "page_imports", lambda: ["slow_page_module"])
    yield
    for thread in warm._threads.values():
        thread.join(timeout=60)


def test_a_signed_in_run_waits_for_the_warm_ups_imports_and_not_for_a_form(fresh_warm_up, tmp_path: Path):
    thread = warm.start_once(Workspace(tmp_path / "ws"))  # a visitor already signed in: no form will be drawn
    warm.wait_for_imports()
    module = sys.modules["slow_page_module"]
    assert module.done  # imported whole before the run went on
    assert warm._form_drawn.is_set()  # the warm-up was told to go on at once, not to wait two seconds for a form
    thread.join(timeout=60)
    assert not thread.is_alive()


def test_a_run_in_a_process_without_a_warm_up_does_not_wait(fresh_warm_up):
    warm.wait_for_imports()  # no thread was started (a test's AppTest run, the API): nothing to wait for
    assert "slow_page_module" not in sys.modules
