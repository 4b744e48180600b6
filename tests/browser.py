"""Real-browser harness: the app served by Streamlit on a free localhost port, driven by headless Chromium.

Use the ``app_url`` factory and ``page`` fixtures (re-exported by conftest). Screenshots go to
``test-artifacts/`` (kept by CI as test artifacts).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy in time")


LOGS: list[Path] = []
"""The logs of the servers started in this process, newest last (a failing browser test shows their tails)."""


def serve(home: Path, **env: str) -> tuple[str, subprocess.Popen]:
    """Start the app against workspace ``home`` on a free port; returns its URL and the server process."""
    port = free_port()
    handle, name = tempfile.mkstemp(prefix="streamlit-", suffix=".log")
    LOGS.append(Path(name))
    for old in LOGS[:-4]:  # only the newest servers' logs can still be reported
        old.unlink(missing_ok=True)
    del LOGS[:-4]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],  # a file edited during a test run never asks the page to rerun
        cwd=REPO, env={**os.environ, "SANDBOX_HOME": str(home), **env},
        stdout=handle, stderr=subprocess.STDOUT)
    os.close(handle)  # the server holds its own copy
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
    except RuntimeError:
        stop(proc)
        raise
    return url, proc


def stop(proc: subprocess.Popen) -> None:
    """End a server started by :func:`serve`."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture()
def app_url() -> Iterator[Callable[..., str]]:
    """Start the app against a workspace: ``url = app_url(home, **extra_env)``; sign in on the page it serves.

    A module that signs in many times on one workspace shares one server instead: a module-scoped fixture
    calling :func:`serve` and :func:`stop`.
    """
    procs: list[subprocess.Popen] = []

    def start(home: Path, **env: str) -> str:
        url, proc = serve(home, **env)
        procs.append(proc)
        return url

    yield start
    for proc in procs:
        stop(proc)


@pytest.fixture()
def page():
    """A Playwright page in Debian's headless Chromium (skipped only when chromium is not installed)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make test installs it as root: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        yield pg
        browser.close()


def shot(pg, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/."""
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def sign_in(pg, name: str, timeout: float = 60) -> None:
    """Fill the sign-in form as ``name`` (the test password of ``tests.helpers_login``), submit it, and wait until
    the app shows its pages; an error on the form (or no answer in ``timeout`` s) fails with what the page says."""
    from tests.helpers_login import password_of

    pg.get_by_label("User name").fill(name)
    pg.get_by_label("Password", exact=True).fill(password_of(name))
    pg.get_by_role("button", name="Sign in", exact=True).click()
    answer = pg.locator('[data-testid="stSidebarNav"], [data-testid="stAlertContentError"]').first
    try:
        answer.wait_for(timeout=timeout * 1000)
    except Exception:  # noqa: BLE001  (Playwright's timeout: say what the page shows instead)
        raise AssertionError(f"signing in as {name} showed no page in {timeout:g} s: {page_text(pg)}") from None
    if answer.get_attribute("data-testid") != "stSidebarNav":
        raise AssertionError(f"signing in as {name} failed: {page_text(pg)}")


def page_text(pg, limit: int = 2000) -> str:
    """What the page shows, as text, cut to ``limit`` characters (for a failure's message)."""
    try:
        lines = (line.strip() for line in pg.inner_text("body", timeout=5_000).splitlines())
        return " | ".join(line for line in lines if line)[:limit]
    except Exception as exc:  # noqa: BLE001  (a failure report must not fail itself)
        return f"(the page could not be read: {type(exc).__name__})"


def failure_report(pg, name: str) -> list[tuple[str, str]]:
    """Sections for a failed browser test's report: the page's text, a screenshot's path, the servers' log tails."""
    sections = [("page", page_text(pg, 4000))]
    try:
        sections.append(("screenshot", str(shot(pg, f"failed-{name}"))))
    except Exception as exc:  # noqa: BLE001
        sections.append(("screenshot", f"not taken: {type(exc).__name__}"))
    for log in LOGS[-2:]:
        with contextlib.suppress(OSError):
            sections.append((f"server log {log.name}", log.read_text(errors="replace")[-3000:]))
    return sections
