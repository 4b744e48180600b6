"""Who may do what. Enforced in the library: every data-touching function takes the acting user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from sandbox.errors import AccessDenied

if TYPE_CHECKING:
    pass

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
        raise AccessDenied(f"{user.name} ({user.role}) is not allowed to {action.replace('.', ' ')}",
                           code="access.denied", name=user.name, role=user.role)
