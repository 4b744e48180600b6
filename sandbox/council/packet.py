"""The rollout packet: what an approved proposal may do with real customers, in the real CRM's terms.

It holds the approved hypothesis, the segment as SQL against the real CRM schema (sandbox names mapped
back to the catalog's ``source_file`` / ``source_name``), the minimal list of fields, the guardrail
metrics, the expiry date and the decision record. Every export is written to the audit log.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel

from sandbox.catalog.model import Catalog
from sandbox.catalog.store import latest_in
from sandbox.council import store
from sandbox.council.model import Flag, SegmentFilter, Vote
from sandbox.council.workflow import transaction
from sandbox.errors import IllegalTransition, PolicyBlocked
from sandbox.governance import audit
from sandbox.governance.access import User, require
from sandbox.workspace import Workspace


class RolloutPacket(BaseModel):
    """Everything the rollout team needs, and nothing more."""

    proposal: str
    title: str
    hypothesis: str
    kind: str
    source: str | None
    dataset: str | None
    channel: str
    purpose: str
    audience: str
    audience_size: int
    segment_sql: str
    fields: list[str]
    metric: str
    guardrail_metrics: list[str]
    approved_at: datetime | None
    expires_at: datetime | None
    policy_version: int | None
    flags: list[Flag]
    votes: list[Vote]
    evidence: dict[str, Any] | None


def _names(catalog: Catalog | None, ref: str) -> tuple[str, str]:
    table, _, column = ref.partition(".")
    if catalog is None or table not in catalog.tables:
        return table, column
    entry = catalog.tables[table]
    real_table = Path(entry.source_file).stem if entry.source_file else table
    col = entry.columns.get(column)
    return real_table, (col.source_name if col and col.source_name else column)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _condition(catalog: Catalog | None, f: SegmentFilter) -> str:
    table, column = _names(catalog, f.ref)
    lhs = f"{_q(table)}.{_q(column)}"
    if f.op in ("is null", "is not null"):
        return f"{lhs} {f.op.upper()}"
    if f.op in ("in", "not in"):
        values = f.value if isinstance(f.value, list | tuple) else [f.value]
        return f"{lhs} {f.op.upper()} ({', '.join(_lit(v) for v in values)})"
    if f.op == "between":
        low, high = f.value
        return f"{lhs} BETWEEN {_lit(low)} AND {_lit(high)}"
    return f"{lhs} {f.op.upper()} {_lit(f.value)}"


def _split_sql(catalog: Catalog | None, split: dict[str, Any]) -> str | None:
    """``CASE ... END AS "group"`` for a split: the Lab's ``{table, column, b, a}`` or a single filter."""
    if {"table", "column", "b"} <= split.keys():
        b = _condition(catalog, SegmentFilter(table=split["table"], column=split["column"], op="in", value=split["b"]))
        if split.get("a"):
            a = _condition(catalog, SegmentFilter(table=split["table"], column=split["column"], op="in",
                                                  value=split["a"]))
            return f"CASE WHEN {b} THEN 'B' WHEN {a} THEN 'A' END AS \"group\""
        return f"CASE WHEN {b} THEN 'B' ELSE 'A' END AS \"group\""
    if {"table", "column", "op"} <= split.keys():
        f = SegmentFilter.model_validate(split)
        return f"CASE WHEN {_condition(catalog, f)} THEN 'B' ELSE 'A' END AS \"group\""
    return None


def _chain(catalog: Catalog, table: str) -> list[tuple[str, str, str, str]]:
    """(child, fk column, parent, parent column) steps from ``table`` up to its root table."""
    steps, seen = [], {table}
    while table in catalog.tables and catalog.tables[table].foreign_keys:
        fk = catalog.tables[table].foreign_keys[0]
        if fk.parent in seen:
            break
        steps.append((table, fk.column, fk.parent, fk.parent_column))
        seen.add(fk.parent)
        table = fk.parent
    return steps


def segment_sql(catalog: Catalog | None, filters: list[SegmentFilter], fields: list[str],
                split: dict[str, Any] | None = None) -> str:
    """SELECT the root entities of the segment, in the real CRM's table and column names."""
    tables = list(dict.fromkeys([f.table for f in filters] + [r.partition(".")[0] for r in fields]))
    if not tables:
        return "-- the proposal names no fields or filters"
    chains = {t: _chain(catalog, t) if catalog else [] for t in tables}
    root = chains[tables[0]][-1][2] if chains[tables[0]] else tables[0]
    joins, joined = [], {root}
    for t in tables:
        for child, col, parent, pcol in reversed(chains[t]):
            if child in joined or parent not in joined:
                continue
            ct, cc = _names(catalog, f"{child}.{col}")
            pt, pc = _names(catalog, f"{parent}.{pcol}")
            joins.append(f"JOIN {_q(ct)} ON {_q(ct)}.{_q(cc)} = {_q(pt)}.{_q(pc)}")
            joined.add(child)
    lines = [f"-- {t}: not related to {root} through the catalog's keys; join it by hand"
             for t in tables if t not in joined]
    for ref in fields:
        entry = catalog.column(ref) if catalog and ref.partition(".")[0] in catalog.tables \
            and ref.partition(".")[2] in catalog.tables[ref.partition(".")[0]].columns else None
        if entry is not None and entry.generalize != "none":
            lines.append(f"-- {ref} is generalized in the sandbox ({entry.generalize}); apply the same banding "
                         f"to {'.'.join(_names(catalog, ref))}")
    pk = catalog.tables[root].primary_key if catalog and root in catalog.tables else None
    rt = _names(catalog, f"{root}.{pk or 'id'}")
    select = [f"{_q(rt[0])}.{_q(rt[1])}"]
    if split:
        group = _split_sql(catalog, split)
        if group:
            select.append(group)
        lines.append(f"-- split: {json.dumps(split, ensure_ascii=False, default=str)}")
    lines.append(f"SELECT DISTINCT {', '.join(select)}")
    lines.append(f"FROM {_q(_names(catalog, f'{root}.x')[0])}")
    lines += joins
    if filters:
        lines.append("WHERE " + "\n  AND ".join(_condition(catalog, f) for f in filters))
    return "\n".join(lines) + ";"


def build_in(g: duckdb.DuckDBPyConnection, pid: str) -> RolloutPacket:
    """The packet of an approved (or rolled out) proposal."""
    from sandbox.council.policy import check_in

    p = store.load(g, pid)
    if p.state not in ("approved", "rolled_out"):
        raise IllegalTransition(f"proposal {pid} is {p.state.replace('_', ' ')}; a rollout packet exists only "
                                "after approval", code="packet.not_approved", id=pid, state=p.state)
    if p.state == "approved" and p.expires_at and p.expires_at < store.now():
        raise PolicyBlocked(f"the approval of {pid} expired on {p.expires_at:%Y-%m-%d}; edit and resubmit it",
                            code="proposal.expired", id=pid, expired=p.expires_at)
    catalog = latest_in(g, p.source) if p.source else None
    metric = re.match(r"(\w+)\.(\w+)", p.metric)
    extra: list[str] = []
    if metric is not None and catalog is not None and metric[1] in catalog.tables \
            and metric[2] in catalog.tables[metric[1]].columns:
        extra = [f"{metric[1]}.{metric[2]}"]
    fields = list(dict.fromkeys([*p.all_fields(), *extra]))
    return RolloutPacket(
        proposal=p.id, title=p.title, hypothesis=p.hypothesis, kind=p.kind, source=p.source, dataset=p.dataset,
        channel=p.channel, purpose=p.purpose, audience=p.audience, audience_size=p.audience_size,
        segment_sql=segment_sql(catalog, p.segment.filters, fields, p.segment.split),
        fields=[".".join(_names(catalog, f)) for f in fields], metric=p.metric,
        guardrail_metrics=p.guardrail_metrics, approved_at=p.approved_at, expires_at=p.expires_at,
        policy_version=p.policy_version, flags=check_in(g, p).flags, votes=store.votes(g, pid, p.round),
        evidence=p.evidence)


def _day(d: datetime | None) -> str:
    return f"{d:%Y-%m-%d}" if d else "-"


def to_markdown(k: RolloutPacket) -> str:
    """The packet as a Markdown document."""
    day = _day
    out = [f"# Rollout packet {k.proposal}: {k.title}", "",
           f"**Approved** {day(k.approved_at)}; **expires** {day(k.expires_at)}; policy v{k.policy_version}", "",
           "## Hypothesis", "", k.hypothesis or "-", "",
           f"Channel: {k.channel or '-'}; purpose: {k.purpose or '-'}; audience: {k.audience or '-'} "
           f"({k.audience_size:,} customers)", "",
           "## Segment (real CRM schema)", "", "```sql", k.segment_sql, "```", "",
           "## Fields the rollout may use", "", *[f"- `{f}`" for f in k.fields], "",
           "## Metrics", "", f"- primary: {k.metric or '-'}", *[f"- guardrail: {m}" for m in k.guardrail_metrics],
           "", "## Flags", ""]
    out += [f"- **{f.rule}** ({f.severity}): {f.message}" + (f" - acknowledged: {f.acknowledged}"
                                                              if f.acknowledged else "") for f in k.flags] or ["- none"]
    out += ["", "## Decision record", "", "| member | seat | vote | reason | at |", "|---|---|---|---|---|"]
    out += [f"| {v.voter} | {v.seat} | {v.choice} | {v.reason.replace('|', '/')} | {v.cast_at:%Y-%m-%d %H:%M} |"
            for v in k.votes]
    return "\n".join(out) + "\n"


def export_packet(ws: Workspace, user: User, pid: str, fmt: Literal["md", "json"] = "md",
                  out: Path | None = None) -> str:
    """Render the packet (Markdown or JSON), write it to ``out`` if given, and log the export."""
    require(user, "proposal.packet")
    if fmt not in ("md", "json"):
        raise ValueError(f"format must be md or json, not {fmt!r}")
    with transaction(ws) as g:
        packet = build_in(g, pid)
        text = to_markdown(packet) if fmt == "md" else packet.model_dump_json(indent=2) + "\n"
        audit.record(g, user, "proposal.packet", pid, details={
            "format": fmt, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "file": str(out or "")})
        if out is not None:
            Path(out).write_text(text, encoding="utf-8")
    return text
