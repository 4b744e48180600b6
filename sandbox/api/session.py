"""A notebook's session and what it hands out: datasets, tables on locked read-only connections, the vault.

The rules it keeps (who you are, what is logged, what SQL can reach) are in :mod:`sandbox.api`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from sandbox import readcache
from sandbox.api.report import GateReport
from sandbox.api.vault import Vault
from sandbox.db import q
from sandbox.errors import AccessDenied, InputError, NotAuthenticated, UnknownObject, parse_as
from sandbox.governance import audit
from sandbox.governance.access import User, require
from sandbox.release.enums import as_text, sql_type
from sandbox.workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from sandbox.council import Proposal, ProposalDraft
    from sandbox.lab.hypothesis import HypothesisResult, HypothesisSpec
    from sandbox.release.datasets import DatasetInfo
    from sandbox.vault.ingest import IngestResult

__all__ = ["Dataset", "DatasetList", "Session", "Table"]

VIA = {"via": "notebook"}
_AUDIT_SQL_CHARS = 4000
_DB = "synthetic"  # the name a session's connection gives the attached dataset file


def _registered(g: duckdb.DuckDBPyConnection, name: str, *, attempt: bool = False) -> User:
    """The stored identity of ``name``; an unknown or disabled name is refused (and, on ``attempt``, audited)."""
    return _as_user(g.execute(_USER_ROW, [name]).fetchone(), g if attempt else None, name)


_USER_ROW = "SELECT name, role, seat, coalesce(disabled, false) FROM users WHERE name = ?"


def _as_user(row: tuple | None, g: duckdb.DuckDBPyConnection | None, name: str) -> User:
    """The user of a stored row; refused when there is none or it is disabled (audited when ``g`` is given)."""
    if row is None or row[3]:
        if g is not None:
            audit.record(g, name, "notebook.connect", name, outcome="failed" if row is None else "disabled",
                         details={"method": "os", **VIA})
        if row is None:
            raise NotAuthenticated(f"{name!r} is not a registered user of this workspace; an admin adds you with "
                                   f"`sandbox users add {name} --role data_scientist`")
        raise NotAuthenticated(f"user {name} is disabled; ask an admin")
    return User(name=row[0], role=row[1], seat=row[2])


class Session:
    """One user's connection to a workspace (the rules: :mod:`sandbox.api`). Use ``sandbox.connect``."""

    def __init__(self, ws: Workspace, user: User, *, method: Literal["os", "login", "password"],
                 token: str | None = None):
        self.workspace = ws
        self.method = method
        self._user = user
        self._token = token
        self._connections: dict[str, duckdb.DuckDBPyConnection] = {}
        self._closed = False

    # ---------------------------------------------------------------- identity, permission, audit

    @property
    def user(self) -> User:
        """The acting user as of the latest call."""
        return self._user

    def _act(self, permission: str, obj: str = "") -> User:
        """Re-read the user from the store and check ``permission``; a refusal is audited, then raised."""
        if self._closed:
            raise NotAuthenticated("this session is closed; sandbox.connect() opens a new one")
        if self._token is not None:
            from sandbox.governance.users import validate_session

            self._user = validate_session(self.workspace, self._token)
            if self._user.can(permission):
                return self._user
        if self._token is None:  # from memory while no process has written users since (readcache "identity")
            name = self._user.name
            row = readcache.cached(self.workspace, ("user", name), lambda g: g.execute(_USER_ROW, [name]).fetchone(),
                                   group="identity")
            self._user = _as_user(row, None, name)
        if not self._user.can(permission):
            audit.log(self.workspace, self._user, permission, obj, outcome="denied", details=VIA)
        require(self._user, permission)
        return self._user

    def _log(self, user: User, action: str, obj: str, outcome: str = "ok", **details: Any) -> None:
        audit.log(self.workspace, user, action, obj, outcome=outcome, details={**details, **VIA})

    # ---------------------------------------------------------------- datasets and reports

    def datasets(self, include_unpublished: bool = False) -> DatasetList:
        """The published synthetic datasets, newest first (stewards: staged and failed ones too)."""
        from sandbox.release.datasets import list_datasets

        user = self._act("synthesize" if include_unpublished else "datasets.list")
        found = list_datasets(self.workspace, user, include_unpublished)
        self._log(user, "datasets.list", "", datasets=len(found), unpublished=include_unpublished)
        return DatasetList(Dataset(self, info) for info in found)

    def _default(self, dataset: str | None, user: User) -> str:
        """``dataset``, or the newest published dataset."""
        if dataset:
            return dataset
        from sandbox.release.datasets import list_datasets

        found = list_datasets(self.workspace, user)
        if not found:
            raise UnknownObject("no published dataset yet; a steward publishes one (`make demo` makes the demo)")
        return found[0].id

    def dataset(self, dataset: str | None = None) -> Dataset:
        """One dataset (default: the newest published one) as a handle: ``.report()``, ``.table(name)`` ..."""
        from sandbox.release.datasets import get

        user = self._act("datasets.list", dataset or "")
        info = get(self.workspace, user, self._default(dataset, user))
        self._log(user, "dataset.info", info.id)
        return Dataset(self, info)

    def report(self, dataset: str | None = None) -> GateReport:
        """The release-gate report as this user may see it (stewards and council: in full; others: a summary)."""
        from sandbox.release.report import gate_report_view

        user = self._act("report.summary", dataset or "")
        ds = self._default(dataset, user)
        view = gate_report_view(self.workspace, user, ds)
        self._log(user, "report.view", ds, view=view.get("view"))
        return GateReport(view)

    def tables(self, dataset: str | None = None) -> pd.DataFrame:
        """The tables of a dataset: rows, key, link to the parent table, and columns with their types."""
        import pandas as pd

        from sandbox.lab.data import schema

        user = self._act("lab.query", dataset or "")
        found = schema(self.workspace, user, self._default(dataset, user))
        return pd.DataFrame([{"table": t.name, "rows": t.rows, "key": t.key,
                              "parent": f"{t.parent.parent} by {t.parent.column}" if t.parent else None,
                              "columns": ", ".join(f"{c} {k.lower()}" for c, k in t.columns.items())}
                             for t in found.tables])

    # ---------------------------------------------------------------- rows, through DuckDB

    def _connection(self, user: User, dataset: str) -> duckdb.DuckDBPyConnection:
        """The locked read-only connection to the file of ``dataset`` (kept open for this session's relations)."""
        from sandbox.release.datasets import file_of, get

        path = file_of(self.workspace, get(self.workspace, user, dataset))
        if path not in self._connections:
            con = duckdb.connect()  # in memory: the library's own connections to the file keep their settings
            con.execute(f"ATTACH '{path.replace(chr(39), chr(39) * 2)}' AS {_DB} (READ_ONLY)")
            con.execute(f"USE {_DB}")
            from sandbox.release.engines.iceberg_store import data_dirs

            allowed = data_dirs(self.workspace, dataset)  # an Iceberg dataset's views read its Parquet files
            if allowed:
                con.execute("SET allowed_directories = ?", [allowed])
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            self._connections[path] = con
        con = self._connections[path]
        con.execute(f"USE {_DB}")  # a query may have switched to the scratch in-memory database
        return con

    def table(self, name: str, dataset: str | None = None) -> Table:
        """One table of a synthetic dataset (default: the newest published) as a lazy DuckDB relation.

        Data scientists and stewards (``notebook.read``); audited as ``dataset.read``.
        """
        user = self._act("notebook.read", dataset or "")
        ds = self._default(dataset, user)
        con = self._connection(user, ds)
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
                                            "AND table_schema = 'main' ORDER BY 1", [_DB]).fetchall()]
        if name not in tables:
            raise UnknownObject(f"no table {name!r} in {ds}; tables: {', '.join(tables)}")
        self._log(user, "dataset.read", ds, table=name)
        return Table(self, ds, name, con.table(f"{_DB}.main.{q(name)}"))

    def sql(self, query: str, dataset: str | None = None) -> Table:
        """A query over the tables of one synthetic dataset (joins included), as a lazy relation."""
        user = self._act("notebook.read", dataset or "")
        ds = self._default(dataset, user)
        con = self._connection(user, ds)
        return self._query(user, ds, "query", lambda: con.sql(query), query)

    def _query(self, user: User, dataset: str, name: str, run: Callable[[], duckdb.DuckDBPyRelation | None],
               query: str) -> Table:
        """Run ``run`` and audit ``query`` as ``dataset.query`` with its outcome."""
        text = query[:_AUDIT_SQL_CHARS]
        try:
            relation = run()
        except duckdb.PermissionException:
            self._log(user, "dataset.query", dataset, outcome="denied", query=text)
            raise AccessDenied("notebook SQL reads only this synthetic dataset: no other files, no ATTACH, "
                               "no extensions") from None
        except duckdb.Error as exc:
            self._log(user, "dataset.query", dataset, outcome="failed", query=text)
            raise InputError(f"the query could not run: {str(exc).splitlines()[0]}") from None
        if relation is None:  # DuckDB before 2.0 answers a statement without a result with None
            self._log(user, "dataset.query", dataset, outcome="failed", query=text)
            raise InputError("a notebook query must return rows (SELECT, WITH, DESCRIBE ...)")
        self._log(user, "dataset.query", dataset, query=text)
        return Table(self, dataset, name, relation)

    # ---------------------------------------------------------------- the Lab

    def hypothesis(self, spec: HypothesisSpec | dict[str, Any] | None = None, *, dataset: str | None = None,
                   unit: str | None = None, split: dict[str, Any] | Any = None, metric: dict[str, Any] | Any = None,
                   filters: Iterable[dict[str, Any] | Any] = (), confidence: float = 0.95) -> HypothesisResult:
        """Test a hypothesis as the Lab does and return the Lab's result (values, interval, test, verdict,
        fidelity caveat). Give a whole ``spec``, or its parts: ``unit`` (default: the split's table),
        ``split``, ``metric`` and population ``filters`` as dicts of :mod:`sandbox.lab.query` models."""
        from sandbox.lab.hypothesis import HypothesisSpec, run_hypothesis

        user = self._act("lab.query", dataset or "")
        if spec is None:
            if split is None or metric is None:
                raise InputError("a hypothesis needs a split (group B vs group A) and a metric, or a whole spec")
            split_table = split.get("table") if isinstance(split, dict) else getattr(split, "table", None)
            spec = {"population": {"unit": unit or split_table, "filters": list(filters)}, "split": split,
                    "metric": metric, "confidence": confidence}
        if isinstance(spec, dict):
            spec = {**spec, "dataset": spec.get("dataset") or self._default(dataset, user)}
        return run_hypothesis(self.workspace, user, parse_as(HypothesisSpec, spec, "hypothesis"))

    def breakdown(self, table: str, group_by: str, measures: Iterable[dict[str, Any] | Any] = (),
                  filters: Iterable[dict[str, Any] | Any] = (), *, dataset: str | None = None,
                  bucket: Literal["none", "month", "year"] = "none", limit: int = 50) -> pd.DataFrame:
        """Rows of ``table`` grouped by one column, one value per measure (``{"kind": "rate", "column": ...}``);
        groups under the workspace's minimum size are flagged ``too_small``. Audited as ``lab.query``."""
        from sandbox.lab.data import breakdown
        from sandbox.lab.query import Filter, Measure

        user = self._act("lab.query", dataset or "")
        found = breakdown(self.workspace, user, self._default(dataset, user), table, group_by,
                          [parse_as(Measure, m, "measure") for m in measures] or None,
                          [parse_as(Filter, f, "filter") for f in filters], bucket=bucket, limit=limit)
        return found.frame

    # ---------------------------------------------------------------- proposals

    def propose(self, result: HypothesisResult | ProposalDraft | dict[str, Any], /, *,
                notes: dict[str, Any] | None = None, **form: Any) -> Proposal:
        """File a draft proposal for the ethics council and return it (audited as ``proposal.create``).

        From a Lab result, ``form`` holds the words of :class:`sandbox.lab.proposals.ProposalForm` (title,
        change, segment, outcome, reason, channel, audience_size ...) and the segment, metric, fields and
        evidence come from the result; ``notes`` (e.g. a model's scores) are added to the evidence. Otherwise
        ``result`` is a whole :class:`sandbox.council.ProposalDraft` or its dict.
        """
        from sandbox.council import create_draft
        from sandbox.lab.hypothesis import HypothesisResult
        from sandbox.lab.proposals import ProposalForm, draft_from_result

        user = self._act("proposal.create")
        if isinstance(result, HypothesisResult):
            draft = draft_from_result(result, parse_as(ProposalForm, form, "proposal"))
            if notes:
                draft.evidence = {**(draft.evidence or {}), "notebook": notes}
            return create_draft(self.workspace, user, draft)
        if form or notes:
            raise InputError("form words and notes go with a Lab result; a whole draft carries them itself")
        return create_draft(self.workspace, user, result)

    def proposals(self, mine: bool = True, state: str | None = None) -> list[Proposal]:
        """Proposals, newest first (``mine``: only this user's own)."""
        from sandbox.council import list_proposals

        user = self._act("proposal.read")
        found = list_proposals(self.workspace, user, state=state, mine=mine)
        self._log(user, "proposal.list", "", proposals=len(found), mine=mine)
        return found

    # ---------------------------------------------------------------- stewards

    def vault(self) -> Vault:
        """The pseudonymized real snapshots: stewards only (anyone else gets AccessDenied, and it is audited)."""
        self._act("vault.open")
        return Vault(self)

    def ingest(self, paths: str | Path | Iterable[str | Path], source: str, *, accept_proposed: bool = False,
               catalog: str | Path | None = None, target: str | None = None, holdout_share: float | None = None,
               seed: int = 0) -> IngestResult:
        """Classify, pseudonymize and store an export in the vault (stewards); see ``sandbox ingest``."""
        from sandbox.vault.ingest import ingest

        user = self._act("ingest", source)
        listed = [paths] if isinstance(paths, str | Path) else list(paths)
        return ingest(self.workspace, user, listed, source, catalog_file=catalog, accept_proposed=accept_proposed,
                      holdout_share=holdout_share, seed=seed, target=target)

    def synthesize(self, source: str, *, generator: str | None = None, seed: int = 0, rows: int | None = None,
                   scale: float | None = None) -> Dataset:
        """Fit a generator (default: the registry's) on the source's training rows and stage a dataset (stewards)."""
        from sandbox.release.synthesize import synthesize

        user = self._act("synthesize", source)
        return Dataset(self, synthesize(self.workspace, user, source, generator=generator, seed=seed, rows=rows,
                                        scale=scale))

    def evaluate(self, dataset: str, *, target: str | None = None) -> GateReport:
        """Run the release gate on a staged dataset and return its full report (stewards)."""
        from sandbox.release.gate import evaluate

        user = self._act("evaluate", dataset)
        return GateReport(evaluate(self.workspace, user, dataset, target=target) | {"view": "full"})

    def publish(self, dataset: str) -> Dataset:
        """Make a dataset that passed its gate visible to everyone (stewards); a failed gate raises GateFailed."""
        from sandbox.release.datasets import publish

        user = self._act("publish", dataset)
        return Dataset(self, publish(self.workspace, user, dataset))

    # ---------------------------------------------------------------- lifetime

    def close(self) -> None:
        """Close the dataset connections (their relations stop working) and end a password session."""
        for con in self._connections.values():
            con.close()
        self._connections.clear()
        if self._token is not None and not self._closed:
            from sandbox.governance.users import end_session

            end_session(self.workspace, self._token)
        self._closed = True

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        how = "password" if self.method == "password" else "operating-system account"
        return f"<sandbox session: {self._user.name} ({self._user.role}) on {self.workspace.home}, signed in by {how}>"

    def _repr_html_(self) -> str:
        from sandbox.api.html import session_html

        return session_html(self._user, str(self.workspace.home), self.method, self._closed)


class Dataset:
    """A handle on one dataset: its listing (``info``), gate report, tables and the Lab on it."""

    def __init__(self, session: Session, info: DatasetInfo):
        self._session = session
        self.info = info

    @property
    def id(self) -> str:
        """The dataset's id (``SOURCE-xxxxxx``)."""
        return self.info.id

    def report(self) -> GateReport:
        """The gate report, as :meth:`Session.report`."""
        return self._session.report(self.id)

    def tables(self) -> pd.DataFrame:
        """The tables, as :meth:`Session.tables`."""
        return self._session.tables(self.id)

    def table(self, name: str) -> Table:
        """One table, as :meth:`Session.table`."""
        return self._session.table(name, self.id)

    def sql(self, query: str) -> Table:
        """A query over this dataset's tables, as :meth:`Session.sql`."""
        return self._session.sql(query, self.id)

    def hypothesis(self, spec: dict[str, Any] | None = None, **parts: Any) -> HypothesisResult:
        """A Lab test on this dataset, as :meth:`Session.hypothesis`."""
        if spec is not None:
            spec = {**spec, "dataset": self.id}
        return self._session.hypothesis(spec, dataset=self.id, **parts)

    def __repr__(self) -> str:
        i = self.info
        return f"<dataset {i.id}: {i.source} by {i.generator}, {i.status}, gate {i.gate or 'not evaluated'}>"

    def _repr_html_(self) -> str:
        from sandbox.api.html import datasets_html

        return datasets_html([self.info])


class DatasetList(list["Dataset"]):
    """Datasets as a list of :class:`Dataset` handles that shows as a table in Jupyter."""

    @property
    def ids(self) -> list[str]:
        """The datasets' ids, in list order."""
        return [d.id for d in self]

    def df(self) -> pd.DataFrame:
        """One row per dataset: id, source, generator, status, gate, quality, fidelity, rows, dates."""
        import pandas as pd

        return pd.DataFrame([d.info.model_dump() for d in self])

    def _repr_html_(self) -> str:
        from sandbox.api.html import datasets_html

        return datasets_html([d.info for d in self])


class Table:
    """Rows of a synthetic table, or of a query, held lazily by DuckDB: nothing is read until asked for.

    ``df()`` and ``arrow()`` read everything; ``batches()`` streams record batches for out-of-memory work;
    ``sql()`` and ``limit()`` make new lazy tables; ``relation`` is the DuckDB relation itself.
    """

    def __init__(self, session: Session, dataset: str, name: str, relation: duckdb.DuckDBPyRelation):
        self._session = session
        self.dataset = dataset
        self.name = name
        self._rel = relation

    @property
    def relation(self) -> duckdb.DuckDBPyRelation:
        """The DuckDB relation (on this session's locked, read-only connection)."""
        return self._rel

    @property
    def columns(self) -> list[str]:
        """Column names, in order."""
        return list(self._rel.columns)

    @property
    def types(self) -> dict[str, str]:
        """DuckDB type of every column."""
        return {c: sql_type(str(t)) for c, t in zip(self._rel.columns, self._rel.types, strict=True)}

    def sql(self, query: str) -> Table:
        """A query on this table, which the query calls ``t`` (a stored table also by its name; the dataset's
        other tables by theirs). Audited as ``dataset.query``."""
        user = self._session._act("notebook.read", self.dataset)
        return self._session._query(user, self.dataset, f"query on {self.name}", lambda: self._rel.query("t", query),
                                    query)

    def limit(self, n: int, offset: int = 0) -> Table:
        """The first ``n`` rows (after ``offset``)."""
        return Table(self._session, self.dataset, self.name, self._rel.limit(int(n), int(offset)))

    def df(self) -> pd.DataFrame:
        """All rows as a pandas DataFrame (text columns as text, not categoricals)."""
        return as_text(self._rel.df())

    def arrow(self) -> pa.Table:
        """All rows as a pyarrow Table."""
        return self._rel.to_arrow_table()

    def batches(self, rows: int = 100_000) -> pa.RecordBatchReader:
        """The rows as a stream of Arrow record batches of up to ``rows`` rows (never all in memory)."""
        return self._rel.to_arrow_reader(int(rows))

    def __len__(self) -> int:
        return int(self._rel.aggregate("count(*)").fetchall()[0][0])

    def __repr__(self) -> str:
        return f"<table {self.name} of {self.dataset}: {len(self):,} rows; columns {', '.join(self.columns)}>"

    def _repr_html_(self) -> str:
        from sandbox.api.html import table_html

        return table_html(self.name, self.dataset, len(self), as_text(self._rel.limit(10).df()))
