"""Notebook access to synthetic data for data scientists: whole tables as pandas frames, logged.

Only published synthetic datasets are reachable, read-only; the vault is not. In a notebook::

    from sandbox.api.notebook import connect, read_table
    ws, me = connect()                      # SANDBOX_HOME and SANDBOX_USER (a registered data scientist)
    deals = read_table(ws, me, "demo_crm-1a2b3c", "deals")
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sandbox.db import q
from sandbox.errors import UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.governance.audit import authorize
from sandbox.governance.identity import cli_user
from sandbox.release.datasets import open_dataset
from sandbox.release.enums import as_text
from sandbox.workspace import Workspace


def connect(home: str | None = None) -> tuple[Workspace, User]:
    """The workspace and the acting user of this notebook (``SANDBOX_USER``, re-read from the users table)."""
    ws = Workspace(Path(home)) if home else Workspace()
    return ws, cli_user(ws)


def read_table(ws: Workspace, user: User, dataset: str, table: str) -> pd.DataFrame:
    """One whole table of a published synthetic dataset (data scientists, stewards); logged as a dataset read."""
    authorize(ws, user, "notebook.read", dataset)
    with open_dataset(ws, user, dataset) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if table not in tables:
            raise UnknownObject(f"no table {table!r} in {dataset}; tables: {', '.join(sorted(tables))}")
        frame = as_text(con.execute(f"SELECT * FROM {q(table)}").df())
    audit.log(ws, user, "dataset.read", dataset, details={"table": table, "rows": len(frame), "via": "notebook"})
    return frame
