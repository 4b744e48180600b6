"""Warm a fresh app server while its first visitor reads the sign-in form.

A new Streamlit process used to do three things on the first runs that needed them: the retention check (the
first governance queries of the process), and the imports behind the pages (pandas, Plotly, the release and Lab
modules) — about three seconds the first user after a restart waited for on the form and after clicking "Sign in".
The first run of the app now starts one background thread that runs the retention check and then imports every
module the pages import (read from the pages' own source, so a page that gains an import is warmed without a list
to keep), once the form is on screen (or after two seconds), so the form's own run does not share the
interpreter with it. Nothing is computed for any user here.

The imports come first, and a page run past the sign-in waits until they are done (:func:`wait_for_imports`):
two threads importing the same package at once can meet it half-initialized (``sandbox.council`` imports its own
submodules; Python's import locks then hand one thread the unfinished module, "cannot import name ... from
partially initialized module"), which once showed a council member a traceback instead of the app.

The retention check therefore ends a few seconds after the server's first run rather than before it; expiry is
a matter of days, and the command line still runs the check before every command.
"""

from __future__ import annotations

import ast
import importlib
import logging
import threading
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.workspace import Workspace

PAGES = Path(__file__).parent / "pages"
_lock = threading.Lock()
_threads: dict[Path, threading.Thread] = {}
_form_drawn = threading.Event()
_imported = threading.Event()
log = logging.getLogger(__name__)


def page_imports(folder: Path = PAGES) -> list[str]:
    """The modules the app's pages import (at their top or inside functions), in a stable order."""
    names: dict[str, None] = {}
    for page in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names[node.module] = None
    return list(names)


def form_drawn() -> None:
    """Called once the sign-in form has been drawn: the warm-up may take the interpreter now."""
    _form_drawn.set()


def _warm(ws: Workspace) -> None:
    _form_drawn.wait(timeout=2.0)
    try:
        for name in [*page_imports(), "sandbox.duties.retention"]:
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001  (warming is best effort: the page itself reports a failure)
                log.debug("warm-up could not import %s: %s", name, type(exc).__name__)
    finally:
        _imported.set()
    from sandbox.duties.retention import check_on_start

    try:
        check_on_start(ws)
    except SandboxError as exc:  # e.g. a busy store: the next command's check runs it again
        log.warning("the retention check at start did not run: %s", exc)
    except Exception as exc:  # noqa: BLE001  (a thread's failure must not reach the visitor; no values in it)
        log.warning("the retention check at start failed: %s", type(exc).__name__)


def wait_for_imports(timeout: float = 60.0) -> None:
    """Called by every run that goes past the sign-in: return once the warm-up's imports are done (at once after
    the first time), so this run never imports a module while the warm-up thread is importing it. A run that
    needs the pages now (a visitor already signed in) tells the warm-up not to wait for a form."""
    if _imported.is_set() or not _threads:
        return
    _form_drawn.set()
    if not _imported.wait(timeout):
        log.warning("the warm-up's imports took over %g s; the page goes on without them", timeout)


def start_once(ws: Workspace) -> threading.Thread:
    """Start the warm-up of ``ws`` the first time this process asks; later calls return the same thread."""
    with _lock:
        if ws.home not in _threads:
            _threads[ws.home] = threading.Thread(target=_warm, args=(ws,), daemon=True,
                                                 name="sandbox-warm-up")
            _threads[ws.home].start()
        return _threads[ws.home]
