"""The "show more" action: restricted detail for someone whose role sees only a summary, for a stated reason.

The reason comes from a fixed list (:data:`sandbox.governance.access.REVEAL_REASONS`: support, contract,
investigation) and is written to the audit log with the object, before anything is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.errors import InputError
from sandbox.governance import audit
from sandbox.governance.access import REVEAL_REASONS, User
from sandbox.governance.audit import authorize
from sandbox.release.datasets import get, stored_report
from sandbox.workspace import Workspace


def _gate_report(ws: Workspace, user: User, dataset: str) -> dict[str, Any]:
    return stored_report(ws, get(ws, user, dataset).id)


# what can be revealed -> loader(ws, user, object) returning the full detail
DETAILS: dict[str, Callable[[Workspace, User, str], Any]] = {
    "gate_report": _gate_report,
}


def reveal_detail(ws: Workspace, user: User, what: str, obj: str, reason: str) -> Any:
    """The full ``what`` of ``obj`` (e.g. the whole gate report of a dataset), logged with ``reason``."""
    authorize(ws, user, "reveal.detail", f"{what}:{obj}")
    if what not in DETAILS:
        raise InputError(f"nothing called {what!r} can be revealed; choose one of: {', '.join(DETAILS)}")
    if reason not in REVEAL_REASONS:
        raise InputError(f"say why you need it: one of {', '.join(REVEAL_REASONS)}")
    detail = DETAILS[what](ws, user, obj)
    with ws.governance() as g:
        audit.record(g, user, "reveal", f"{what}:{obj}", reason=reason)
    return detail
