"""What pages and notebooks read again and again from the governance store, kept in memory until it changes.

Opening the governance DuckDB file costs 17-40 ms (more under load) and readers queue behind writers for it, so a
page that asks "which datasets are published, with what report" a dozen times per run spends most of its time
there. Those answers change only when a statement writes one of :data:`WATCHED` tables: every write connection
(``Workspace.governance()``) goes through :class:`Tracked`, which notices such statements, and at its end stores a
new random *stamp* in ``locks/governance.stamp``. :func:`cached` answers from memory while the stamp it was filled
under is still the file's; it reads the stamp and the store under the same shared lock, so an answer is never
cached under a stamp older than the data it holds. A store restored by a rename is a new file (its inode is part
of the stamp). A process that writes the governance DuckDB file without the sandbox (a DuckDB shell) does not
renew the stamp, so every sandbox writer also records the file's size and times when it ends
(``locks/governance.sig``): while the file differs from that record, someone else wrote it, and answers come
from the store, never from memory, until the next sandbox writer notices the difference and renews the stamp.

Two groups of tables are watched, each with its own stamp, so a sign-in does not drop the release answers and a
withdrawn dataset does not drop who is signed in: ``release`` (datasets and what they come from) and ``identity``
(users, sessions, sign-in e-mails: :func:`sandbox.governance.users.validate_session` answers a page run or a notebook
query from memory, and disabling a user or ending a session in any process renews the identity stamp, so the next
request reads the store). Seal checks and the audit chain always read the store itself.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

GROUPS = {
    "release": ("datasets", "catalogs", "seals", "snapshots", "models"),
    "identity": ("users", "sessions", "user_emails"),
}
"""Tables whose rows cached answers are built from, by group; a write to any other table (audit...) keeps them."""
WATCHED = GROUPS["release"]
STAMPS = {"release": "governance.stamp", "identity": "identity.stamp"}
SIGNATURE = "governance.sig"
_READ = re.compile(r"^\s*(SELECT|WITH|DESCRIBE|SHOW|PRAGMA|BEGIN|COMMIT|ROLLBACK|CHECKPOINT|EXPLAIN|FROM)\b", re.I)
_TABLES = {group: re.compile(r"\b(" + "|".join(tables) + r")\b", re.I) for group, tables in GROUPS.items()}
_MAX_ENTRIES = 512
_lock = threading.Lock()
_entries: dict[tuple[str, str], tuple[tuple[str, int], dict[Any, Any]]] = {}  # (home, group) -> (version, answers)


def writes_watched(sql: str, group: str = "release") -> bool:
    """Whether ``sql`` may change a table of ``group`` (a statement other than a read that names one)."""
    return not _READ.match(sql) and _TABLES[group].search(sql) is not None


class Tracked:
    """A governance connection that remembers which groups of watched tables its statements wrote; everything else
    is the DuckDB connection's own (``g.execute(...).fetchone()`` works as before)."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.changed: set[str] = set()

    def _note(self, sql: str) -> None:
        if not _READ.match(sql):
            self.changed.update(group for group, tables in _TABLES.items() if tables.search(sql) is not None)

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        self._note(sql)
        return self._con.execute(sql, *args, **kwargs)

    def executemany(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        self._note(sql)
        return self._con.executemany(sql, *args, **kwargs)

    def sql(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._note(query)
        return self._con.sql(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def unwatched(g: Any, sql: str, parameters: list[Any]) -> Any:
    """A write on governance connection ``g`` that keeps cached answers valid although it names a watched table;
    the caller says why (a new session: no cached answer can be about its token; a session's last request time:
    it only moves forward, and is read again from the store before anything is decided on it)."""
    return getattr(g, "_con", g).execute(sql, parameters)


def stamp_path(home: Path, group: str = "release") -> Path:
    return home / "locks" / STAMPS[group]


def read_stamp(home: Path, group: str = "release") -> str | None:
    try:
        return stamp_path(home, group).read_text() or None
    except OSError:
        return None


def new_stamp(home: Path, group: str = "release") -> None:
    """Called by a writer, under the governance lock, after it changed a table of ``group`` (or found no stamp)."""
    path = stamp_path(home, group)
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(secrets.token_hex(16))
    tmp.replace(path)  # one step: a reader sees the old stamp or the new one, never half of one


def file_signature(home: Path) -> str:
    """The governance file as the file system sees it (inode, size, modification time, and its WAL's)."""
    parts = []
    for path in (home / "governance.duckdb", home / "governance.duckdb.wal"):
        try:
            st = path.stat()
            parts.append(f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return "/".join(parts)


WRITING = "writing"  # what the signature record says while a sandbox writer has the store open


def record_signature(home: Path, *, writing: bool = False) -> None:
    """Called by a sandbox writer under the governance lock: ``writing`` when it starts (its own changes to the file
    are not someone else's), then the file's signature once its connection is closed."""
    path = home / "locks" / SIGNATURE
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(WRITING if writing else file_signature(home))
    tmp.replace(path)


def foreign_write(home: Path) -> bool:
    """Whether the governance file changed since the last sandbox writer ended (or no writer recorded it yet).

    While a sandbox writer has the file open, no other process can write it (DuckDB allows one writer per file),
    and that writer renews the stamp when it ends if the file had changed before it began."""
    try:
        recorded = (home / "locks" / SIGNATURE).read_text()
    except OSError:
        return True
    return recorded != WRITING and recorded != file_signature(home)


def version(home: Path, group: str = "release") -> tuple[str, int] | None:
    """The stamp of ``group``, with the governance file's inode (a store restored by a rename is another file); None
    while the file holds a write the sandbox did not make (nothing is answered from memory or kept then)."""
    if foreign_write(home):
        return None
    stamp = read_stamp(home, group)
    try:
        return (stamp, (home / "governance.duckdb").stat().st_ino) if stamp is not None else None
    except OSError:
        return None


def lookup(home: Path, key: Any, group: str = "release") -> tuple[bool, Any]:
    """(True, answer) when ``key`` was answered under the stamp ``group`` holds now."""
    current = version(home, group)
    if current is None:
        return False, None
    with _lock:
        held = _entries.get((str(home), group))
        if held is not None and held[0] == current and key in held[1]:
            return True, held[1][key]
    return False, None


def keep(home: Path, held_version: tuple[str, int] | None, key: Any, answer: Any, group: str = "release") -> None:
    """Remember ``answer`` for ``key`` under ``held_version`` (read under the same lock as the answer)."""
    if held_version is None:
        return
    with _lock:
        held = _entries.get((str(home), group))
        if held is None or held[0] != held_version:
            held = _entries[(str(home), group)] = (held_version, {})
        if len(held[1]) >= _MAX_ENTRIES:
            held[1].clear()
        held[1][key] = answer


def cached(ws: Any, key: Any, load: Callable[[Any], T], group: str = "release") -> T:
    """``load(g)`` on a read-only governance connection, or its answer from memory while no table of ``group``
    changed. ``key`` names the question (with its arguments); ``load`` must only read. Callers copy what they
    mutate."""
    found, answer = lookup(ws.home, key, group)
    if found:
        return answer
    with _loading(str(ws.home), group, key):  # one thread reads, the others asking meanwhile take its answer
        found, answer = lookup(ws.home, key, group)
        if found:
            return answer
        with ws.governance(read_only=True) as g:
            held_version = version(ws.home, group)
            answer = load(g)
        keep(ws.home, held_version, key, answer, group)
    return answer


_loaders: dict[tuple[str, str, Any], threading.Lock] = {}


def _loading(home: str, group: str, key: Any) -> threading.Lock:
    """The lock under which this process reads ``key`` from the store (twenty sessions signing in at once all
    asked for the same reports, and each opened the store for them)."""
    with _lock:
        if len(_loaders) > _MAX_ENTRIES:
            _loaders.clear()  # (a lock in use stays with its holders; a later asker may read once more)
        return _loaders.setdefault((home, group, key), threading.Lock())
