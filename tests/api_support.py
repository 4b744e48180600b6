"""A private copy of the demo workspace with registered people, for the Python API and notebook tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from sandbox.workspace import Workspace
from tests.access_support import CHEAP_HASHES, write_settings
from tests.helpers_login import ensure_user

# name, role, seat: the demo's people that the API tests and the notebooks act as
PEOPLE: tuple[tuple[str, str, str | None], ...] = (
    ("dana", "data_scientist", None), ("mark", "marketer", None), ("stella", "steward", None),
    ("ada", "admin", None), ("mia", "council", "marketing"),
)


def demo_copy(demo_workspace: tuple[Workspace, str], home: Path) -> tuple[Workspace, str]:
    """The published demo workspace copied to ``home`` (keys, vault, datasets and audit log included), with
    :data:`PEOPLE` registered and cheap password hashing; returns it and its published dataset."""
    ws, dataset = demo_workspace
    shutil.copytree(ws.home, home)
    copy = write_settings(Workspace(home), access=CHEAP_HASHES)
    for name, role, seat in PEOPLE:
        ensure_user(copy, name, role, seat)
    return copy, dataset


def events_since(ws: Workspace, seq: int) -> list[tuple[str, str, str, str, str]]:
    """(actor, action, object, outcome, details) of every audit event after ``seq``."""
    with ws.governance() as g:
        return g.execute("SELECT actor, action, object, outcome, CAST(details AS VARCHAR) FROM audit "
                         "WHERE seq > ? ORDER BY seq", [seq]).fetchall()


def last_seq(ws: Workspace) -> int:
    """The sequence number of the newest audit event."""
    with ws.governance() as g:
        return g.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]
