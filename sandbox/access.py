"""Who may do what. Enforced in the library: every data-touching function takes the acting user."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel

from sandbox.errors import AccessDenied

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
    "export.rows": frozenset({"marketer", "data_scientist", "steward"}),
    "export.bulk": frozenset({"steward"}),
    "users.manage": frozenset({"admin"}),
    "policy.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
    "retention.run": frozenset({"steward", "admin"}),
    "forget": frozenset({"steward"}),
}


class User(BaseModel):
    """The acting person."""

    name: str
    role: Role
    seat: Seat | None = None

    def can(self, action: str) -> bool:
        if action not in PERMISSIONS:
            raise KeyError(f"unknown action {action!r}")
        if action == "audit.read" and self.role == "council" and self.seat == "security":
            return True
        return self.role in PERMISSIONS[action]


def require(user: User, action: str) -> None:
    """Raise AccessDenied unless ``user`` may perform ``action``."""
    if not user.can(action):
        raise AccessDenied(f"{user.name} ({user.role}) is not allowed to {action.replace('.', ' ')}")


def cli_user() -> User:
    """The operator of the command line: ``SANDBOX_USER`` / ``SANDBOX_ROLE``, default the local steward."""
    return User(name=os.environ.get("SANDBOX_USER", "steward"), role=os.environ.get("SANDBOX_ROLE", "steward"))
