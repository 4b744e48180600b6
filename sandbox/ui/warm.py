"""Warm a fresh app server while its first visitor reads the sign-in form.

A new Streamlit process used to do three things on the first runs that needed them: the retention check (the
first governance queries of the process), and the imports behind the pages (pandas, Plotly, the release and Lab
modules) — about three seconds the first user after a restart waited for on the form and after clicking "Sign in".
The first run of the app now starts one background thread that runs the retention check and then imports every
module the pages import (read from the pages' own source, so a page that gains an import is warmed without a list
to keep), once the form is on screen (or after two seconds), so the form's own run does not share the
interpreter with it. Nothing is computed for any user here.

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
    from sandbox.duties.retention import check_on_start

    _form_drawn.wait(timeout=2.0)
    try:
        check_on_start(ws)
    except SandboxError as exc:  # e.g. a busy store: the next command's check runs it again
        log.warning("the retention check at start did not run: %s", exc)
    except Exception as exc:  # noqa: BLE001  (a thread's failure must not reach the visitor; no values in it)
        log.warning("the retention check at start failed: %s", type(exc).__name__)
    for name in page_imports():
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001  (warming is best effort: the page itself reports a real failure)
            log.debug("warm-up could not import %s: %s", name, type(exc).__name__)


def start_once(ws: Workspace) -> threading.Thread:
    """Start the warm-up of ``ws`` the first time this process asks; later calls return the same thread."""
    with _lock:
        if ws.home not in _threads:
            _threads[ws.home] = threading.Thread(target=_warm, args=(ws,), daemon=True,
                                                 name="sandbox-warm-up")
            _threads[ws.home].start()
        return _threads[ws.home]
