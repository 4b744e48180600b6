"""Who may do what. Enforced in the library: every data-touching function takes the acting user."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from sandbox.errors import AccessDenied

if TYPE_CHECKING:
    from sandbox.workspace import Workspace

Role = Literal["marketer", "data_scientist", "council", "steward", "admin"]
Seat = Literal["marketing", "sales", "support", "security", "product"]
ROLES: tuple[str, ...] = ("marketer", "data_scientist", "council", "steward", "admin")

_EVERYONE = frozenset(ROLES)
_ANALYSTS = frozenset({"marketer", "data_scientist", "steward", "council"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "vault.open": frozenset({"steward"}),
    "ingest": frozenset({"steward"}),
    "catalog.read": frozenset({"steward", "admin", "council"}),
    "catalog.write": frozenset({"steward"}),
    "synthesize": frozenset({"steward"}),
    "evaluate": frozenset({"steward"}),
    "publish": frozenset({"steward"}),
    "key.rotate": frozenset({"steward"}),
    "datasets.list": _EVERYONE,
    "dataset.read": _ANALYSTS,
    "report.summary": _EVERYONE,
    "report.full": frozenset({"steward", "council"}),
    "lab.query": _ANALYSTS,
    "proposal.create": frozenset({"marketer", "data_scientist", "steward"}),
    "proposal.vote": frozenset({"council"}),
    "proposal.read": _EVERYONE,
    "proposal.packet": frozenset({"marketer", "data_scientist", "steward", "council"}),
    "export.rows": frozenset({"marketer", "data_scientist", "steward"}),
    "export.aggregate": _ANALYSTS,
    "export.bulk": frozenset({"steward"}),
    "notebook.read": frozenset({"data_scientist", "steward"}),
    "reveal.detail": _EVERYONE,
    "users.manage": frozenset({"admin"}),
    "policy.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
    "audit.export": frozenset({"admin"}),
    "retention.run": frozenset({"steward", "admin"}),
    "forget": frozenset({"steward"}),
}
# extra permissions of a council seat (on top of the council role's own)
SEAT_PERMISSIONS: dict[str, frozenset[str]] = {
    "security": frozenset({"audit.read", "audit.export"}),
}
# why a user asks to see restricted detail ("show more"); the reason is written to the audit log
REVEAL_REASONS: tuple[str, ...] = ("support", "contract", "investigation")


class User(BaseModel):
    """The acting person."""

    name: str
    role: Role
    seat: Seat | None = None

    def can(self, action: str) -> bool:
        """Whether this user's role (and, for council members, seat) allows ``action``."""
        if action not in PERMISSIONS:
            raise KeyError(f"unknown action {action!r}")
        if self.role == "council" and action in SEAT_PERMISSIONS.get(self.seat or "", frozenset()):
            return True
        return self.role in PERMISSIONS[action]


def require(user: User, action: str) -> None:
    """Raise AccessDenied unless ``user`` may perform ``action``."""
    if not user.can(action):
        raise AccessDenied(f"{user.name} ({user.role}) is not allowed to {action.replace('.', ' ')}")


def authorize(ws: Workspace, user: User, action: str, obj: str = "") -> None:
    """Like :func:`require`, but a refusal is also written to the audit log (who tried what, on which object)."""
    if user.can(action):
        return
    from sandbox import audit

    with ws.governance() as g:
        audit.record(g, user, action, obj, outcome="denied")
    require(user, action)


def cli_user(ws: Workspace | None = None) -> User:
    """The operator of the command line.

    With ``ws`` (always, from the CLI and notebooks): on a workspace with users, a registered user proven by
    ``sandbox login`` or by the operating-system account (``sandbox.cli_identity``); ``SANDBOX_ROLE`` never
    raises anyone. Without ``ws``: the operator before any workspace is known (``SANDBOX_USER``, a steward).
    """
    if ws is None:
        return User(name=os.environ.get("SANDBOX_USER") or "steward", role="steward")
    from sandbox.cli_identity import operator

    return operator(ws)
