"""Steward-only reads of pseudonymized real snapshots from a notebook; every read is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sandbox.errors import UnknownObject
from sandbox.governance.access import User
from sandbox.workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd

    from sandbox.vault.snapshots import SnapshotInfo

__all__ = ["Vault"]


class _Session(Protocol):
    """What the vault needs of a notebook session (:class:`sandbox.api.session.Session`)."""

    workspace: Workspace

    @property
    def user(self) -> User: ...

    def _act(self, permission: str, obj: str = "") -> User: ...

    def _log(self, user: User, action: str, obj: str, outcome: str = "ok", **details: Any) -> None: ...


class Vault:
    """Steward-only reads of the pseudonymized real snapshots (``session.vault()``); every read is audited."""

    def __init__(self, session: _Session):
        self._session = session

    def snapshots(self, source: str | None = None) -> list[SnapshotInfo]:
        """Every snapshot of one source or all (lineage and sizes, never a row); audited as ``vault.list``."""
        from sandbox.vault.snapshots import list_snapshots

        user = self._session._act("vault.open", source or "")
        return list_snapshots(self._session.workspace, user, source)

    def table(self, source: str, table: str, *, holdout: bool = False) -> pd.DataFrame:
        """Training (or holdout) rows of one table of the source's active snapshot; audited as ``vault.read``.

        These are pseudonymized *real* rows: do not save a notebook with them in its outputs."""
        from sandbox.vault.snapshots import latest_snapshot, open_snapshot, read_split

        s = self._session
        user = s._act("vault.open", source)
        snap = latest_snapshot(s.workspace, user, source)
        if table not in snap.rows:
            raise UnknownObject(f"no table {table!r} in snapshot {snap.id}; tables: {', '.join(snap.rows)}")
        with open_snapshot(s.workspace, user, snap.id) as con:
            frame = read_split(con, table, holdout)
        s._log(user, "vault.read", snap.id, table=table, holdout=holdout, rows=len(frame))
        return frame

    def __repr__(self) -> str:
        return f"<vault of {self._session.workspace.home} (steward {self._session.user.name})>"
