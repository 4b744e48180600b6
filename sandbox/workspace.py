"""The workspace folder: where every piece of state lives, and how processes share it.

Layout (``SANDBOX_HOME``, default ``./workspace``)::

    governance.duckdb      catalogs, datasets, models, users, proposals, audit log
    vault/<snapshot>.duckdb pseudonymized source snapshots (steward only), one file per snapshot
    staging/<id>.duckdb    synthetic datasets being written or awaiting their gate (invisible)
    datasets/<id>.duckdb   published synthetic datasets, never written again (read-only to all)
    models/<id>.model      fitted generators, each with a .sig HMAC signature
    secrets/               pseudonym.key and signing.key, mode 0600, never inside any DuckDB file
    locks/                 advisory file locks that serialize writers across processes

DuckDB allows one read-write process per file. Published dataset files are immutable, so any number of
readers open them read-only. The governance store is opened only for short operations under an
exclusive ``flock``; a process waits for the lock instead of crashing on DuckDB's own lock error.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb

from sandbox.errors import InputError, WorkspaceBusy
from sandbox.settings import Settings

KEY_ENV = "SANDBOX_PSEUDONYM_KEY"
KEY_FILE_ENV = "SANDBOX_PSEUDONYM_KEY_FILE"


def default_home() -> Path:
    """``SANDBOX_HOME`` or ``./workspace``."""
    return Path(os.environ.get("SANDBOX_HOME", "workspace")).resolve()


@dataclass
class Workspace:
    """Paths and shared-access rules of one workspace folder."""

    home: Path = field(default_factory=default_home)

    def __post_init__(self) -> None:
        self.home = Path(self.home).resolve()
        for sub in ("vault", "staging", "datasets", "models", "secrets", "locks", "exports"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.home / "secrets", 0o700)
        os.chmod(self.home / "vault", 0o700)
        self.settings = Settings.load(self.home)

    # ---- paths
    @property
    def governance_path(self) -> Path:
        return self.home / "governance.duckdb"

    def sweep_leftovers(self, older_than_hours: float = 6.0) -> list[str]:
        """Remove half-written files a killed ingest or synthesis left (``*.tmp.duckdb`` in the vault,
        ``*.writing`` in staging, their ``.wal``), once untouched for ``older_than_hours``: a live run keeps
        writing its file, a dead one never will. Returns the names removed (they hold pseudonymized data
        that nothing refers to)."""
        import time

        cutoff = time.time() - older_than_hours * 3600
        removed = []
        for folder, patterns in (("vault", ("*.tmp.duckdb", "*.tmp.duckdb.wal")),
                                 ("staging", ("*.writing", "*.writing.wal"))):
            for pattern in patterns:
                for path in (self.home / folder).glob(pattern):
                    try:
                        if path.stat().st_mtime < cutoff:
                            path.unlink()
                            removed.append(path.name)
                    except FileNotFoundError:  # another process finished or swept it meanwhile
                        continue
        return removed

    def vault_path(self, snapshot: str) -> Path:
        return self.home / "vault" / f"{snapshot}.duckdb"

    def staging_path(self, dataset: str) -> Path:
        return self.home / "staging" / f"{dataset}.duckdb"

    def dataset_path(self, dataset: str) -> Path:
        return self.home / "datasets" / f"{dataset}.duckdb"

    def model_path(self, model: str) -> Path:
        return self.home / "models" / f"{model}.model"

    def files_of(self, kind: str, obj: str) -> list[Path]:
        """Every file a snapshot, model or (DuckDB) dataset may occupy."""
        if kind == "snapshot":
            path = self.vault_path(obj)
            return [path, Path(f"{path}.wal")]
        if kind == "model":
            path = self.model_path(obj)
            return [path, path.with_suffix(".sig")]
        return [self.dataset_path(obj), self.staging_path(obj)]

    def remove_files(self, kind: str, obj: str) -> list[str]:
        """Delete the files of a snapshot, model or DuckDB dataset; the names of those that existed."""
        removed = []
        for path in self.files_of(kind, obj):
            if path.exists():
                path.unlink()
                removed.append(path.name)
        return removed

    # ---- locking
    @contextlib.contextmanager
    def lock(self, name: str, *, shared: bool = False, wait: bool = True) -> Iterator[None]:
        """Hold an advisory lock across processes (and threads): exclusive, or ``shared`` with other shared
        holders; waits up to ``lock_timeout_s`` (not at all when not ``wait``: ``WorkspaceBusy`` at once). Writers go
        first: a writer waiting for the lock holds ``<name>.intent`` exclusively, and a new shared holder passes
        through that gate before taking the lock, so a stream of readers cannot keep a writer out.

        A thread that holds the lock shared and asks for it shared again is let through: asking the file again
        would queue it at the gate behind a waiting writer, who waits for this very thread (both would sit out the
        timeout). Exclusively, a thread is let through only within ``holding``; otherwise a thread that holds the
        lock and asks again waits for itself, as another process would (``wait=False``: ``WorkspaceBusy`` at once,
        which is how ``audit.log`` inside a reader's block knows to spool its event)."""
        key = (str(self.home), name)
        if (key in _readers()) if shared else (key in getattr(_HELD, "keys", ())):
            yield  # this thread holds it already (shared, or exclusively through ``holding``)
            return
        deadline = time.monotonic() + (self.settings.lock_timeout_s if wait else -1.0)
        with open(self.home / "locks" / f"{name}.intent", "a+b") as gate, \
                open(self.home / "locks" / f"{name}.lock", "a+b") as handle:
            self._flock(gate, name, fcntl.LOCK_SH if shared else fcntl.LOCK_EX, deadline)
            try:
                self._flock(handle, name, fcntl.LOCK_SH if shared else fcntl.LOCK_EX, deadline)
            finally:
                if shared:
                    fcntl.flock(gate, fcntl.LOCK_UN)
            if shared:
                _readers().add(key)
            try:
                yield
            finally:
                if shared:
                    _readers().discard(key)
                fcntl.flock(handle, fcntl.LOCK_UN)
                if not shared:
                    fcntl.flock(gate, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def holding(self, name: str, *, wait: bool = True) -> Iterator[None]:
        """``lock(name)`` exclusively, and within it, in this thread, ``lock(name)`` (so ``governance()``) uses
        the lock held here instead of waiting for it: for a caller that checks something under the lock before
        deciding whether to open the store (``sandbox.governance.audit.log``). Other threads still wait."""
        with self.lock(name, wait=wait):
            before: frozenset[tuple[str, str]] = getattr(_HELD, "keys", frozenset())
            _HELD.keys = before | {(str(self.home), name)}
            try:
                yield
            finally:
                _HELD.keys = before

    def _flock(self, handle: IO[bytes], name: str, mode: int, deadline: float) -> None:
        pause = 0.002  # short first: most holders are done within a few milliseconds
        while True:
            try:
                fcntl.flock(handle, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WorkspaceBusy(
                        f"the {name} store of {self.home} is busy (another sandbox process holds it); "
                        "try again when it finishes"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.05)

    @contextlib.contextmanager
    def governance(self, *, read_only: bool = False, wait: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to the governance store, under its lock.

        Read-write (the default): exclusive; a write to a table readers cache (``sandbox.readcache.GROUPS``)
        renews that group's stamp when it ends. ``read_only``: shared with other readers, in this process and
        others, for code that only reads (a DuckDB file opens read-only in many processes at once, never beside
        a writer: the lock keeps writers apart). Not ``wait``: ``WorkspaceBusy`` at once when someone holds the lock
        (for work that can as well be done at the next request)."""
        from sandbox import readcache
        from sandbox.store import ensure_schema

        path = self.governance_path
        if read_only and path.exists() and _file_id(path) in _SCHEMA_READY:
            with self.lock("governance", shared=True, wait=wait):
                con = self._connect_waiting(path, read_only=True)
                try:
                    yield con
                finally:
                    con.close()
            return
        with self.lock("governance", wait=wait):
            con = self._connect_waiting(path)  # (after a DuckDB shell that held the file has closed it)
            tracked, foreign = readcache.Tracked(con), True
            try:
                foreign = readcache.foreign_write(self.home)  # e.g. that shell wrote it: cached answers are old
                readcache.record_signature(self.home, writing=True)  # what this connection writes is not foreign
                if _file_id(path) not in _SCHEMA_READY:  # once per file per process: a catalog query each time
                    ensure_schema(con)
                    _SCHEMA_READY.add(_file_id(path))
                yield tracked  # type: ignore[misc]  # a DuckDB connection that notes what it writes
            finally:
                con.close()
                for group in readcache.GROUPS:
                    if group in tracked.changed or foreign or readcache.read_stamp(self.home, group) is None:
                        readcache.new_stamp(self.home, group)
                readcache.record_signature(self.home)

    def _connect_waiting(self, path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open a DuckDB store read-write, retrying while another process (one that is not a sandbox command,
        e.g. a DuckDB shell or a notebook) holds DuckDB's own lock on it, for up to ``lock_timeout_s``."""
        deadline = time.monotonic() + self.settings.lock_timeout_s
        pause = 0.05
        while True:
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.IOException as exc:
                holder = lock_holder(str(exc))
                if holder is None:
                    raise
                if time.monotonic() > deadline:
                    raise WorkspaceBusy(f"the workspace is busy: {holder} holds {path.name} in {self.home}; "
                                        "try again when it finishes") from None
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    # ---- secrets
    def _secret(self, filename: str, env: str | None = None, env_file: str | None = None) -> bytes:
        if env and os.environ.get(env):
            return os.environ[env].encode("utf-8")
        path = Path(os.environ[env_file]) if env_file and os.environ.get(env_file) else self.home / "secrets" / filename
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise InputError(f"secret file {path} is readable by others (mode {oct(mode)}); run chmod 600 {path}")
        return path.read_text().strip().encode("utf-8")

    def pseudonym_key(self) -> bytes:
        """The pseudonymization key: ``SANDBOX_PSEUDONYM_KEY``, a key file, or a new random one (0600)."""
        return self._secret("pseudonym.key", KEY_ENV, KEY_FILE_ENV)

    def signing_key(self) -> bytes:
        """The key that signs fitted model files."""
        return self._secret("signing.key")

    def pseudonym_key_file(self) -> Path:
        if os.environ.get(KEY_FILE_ENV):
            return Path(os.environ[KEY_FILE_ENV])
        return self.home / "secrets" / "pseudonym.key"


_HELD = threading.local()  # per thread: ``keys``, held through ``Workspace.holding``; ``readers``, held shared


def _readers() -> set[tuple[str, str]]:
    """The (home, lock name) pairs this thread holds shared."""
    held = getattr(_HELD, "readers", None)
    if held is None:
        held = _HELD.readers = set()
    return held


_SCHEMA_READY: set[tuple[str, int, int]] = set()  # governance files whose tables this process has checked


def _file_id(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path), st.st_ino, st.st_dev


def lock_holder(message: str) -> str | None:
    """Who holds a DuckDB file, from DuckDB's lock error ("process 8973 (python3.11 notebook.py)"), or None
    when the error is not a lock conflict."""
    import re

    found = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", message)
    if found is None:
        return None
    pid = found.group(2)
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            words = [w.decode(errors="replace") for w in fh.read().split(b"\0") if w]
        command = " ".join(" ".join(Path(words[0]).name if i == 0 else w for i, w in enumerate(words[:3])).split())
    except OSError:
        command = Path(found.group(1)).name
    return f"process {pid} ({command[:60]})"
