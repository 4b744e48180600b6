"""Showing, exporting and reporting a source's catalog (the record of processing, GDPR Art. 30).

The record is built once as a list of blocks (headings, paragraphs, lists, tables) and rendered to
Markdown or to a standalone HTML page, so both always say the same. It holds names, classes, purposes
and counts from the catalog and the vault's k-anonymity check, never a value from the data.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rich.table import Table

from sandbox.catalog import store as catalog_store
from sandbox.catalog.model import Catalog, ColumnEntry
from sandbox.catalog.plan import fate, plan_table
from sandbox.errors import InputError, UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User, require
from sandbox.workspace import Workspace

KAnonymity = dict[str, dict]


def show(ws: Workspace, user: User, source: str, *, export: Path | None = None,
         report: Path | None = None) -> Catalog:
    """The latest catalog of ``source``; optionally written as YAML and/or as a processing report.

    ``export`` writes YAML that ``sandbox ingest --catalog FILE`` reads back unchanged. ``report``
    writes the record of processing as Markdown (``.md``) or HTML (``.html``), by its suffix.
    """
    require(user, "catalog.read")
    if report and Path(report).suffix.lower() not in {".md", ".markdown", ".html", ".htm"}:
        raise InputError(f"{report}: the report is written as .md or .html; choose one of those suffixes")
    cat = catalog_store.latest(ws, source)
    if cat is None:
        raise UnknownObject(f"no catalog for source {source!r}; ingest it first")
    if export:
        Path(export).write_text(cat.to_yaml(), encoding="utf-8")
    if report:
        blocks = record_blocks(cat, k_anonymity(ws, source))
        html_out = Path(report).suffix.lower() in {".html", ".htm"}
        Path(report).write_text(render_html(blocks, cat.source) if html_out else render_markdown(blocks),
                                encoding="utf-8")
    with ws.governance() as g:
        audit.record(g, user, "catalog.view", source,
                     details={"export": str(export or ""), "report": str(report or "")})
    return cat


def k_anonymity(ws: Workspace, source: str) -> KAnonymity:
    """The k-anonymity check of the newest active vault snapshot of ``source`` (empty if none)."""
    with ws.governance() as g:
        row = g.execute("SELECT k_anonymity FROM snapshots WHERE source = ? AND status = 'active' "
                        "ORDER BY created_at DESC LIMIT 1", [source]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


# ---------------------------------------------------------------- terminal view


def detail(entry: ColumnEntry) -> str:
    """The one word that qualifies a class: identifier kind, sensitive category or generalization."""
    if entry.cls == "direct_identifier":
        return entry.identifier or ""
    if entry.cls == "sensitive":
        return entry.category or ""
    if entry.cls == "quasi_identifier":
        return entry.generalize
    return ""


def catalog_table(cat: Catalog, wide: bool = False) -> Table:
    """The catalog as a terminal table: one line per column; ``wide`` adds kind and justification."""
    table = Table(title=f"catalog of {cat.source} (version {cat.version})", title_justify="left")
    table.add_column("table.column", no_wrap=True, overflow="ellipsis", min_width=12, ratio=3)
    for name in ("class", "detail", "purpose", "in vault"):
        table.add_column(name, no_wrap=True, overflow="ellipsis", ratio=2)
    if wide:
        table.add_column("kind", no_wrap=True)
        table.add_column("justification", overflow="fold", ratio=6)
    for t, te in cat.tables.items():
        outputs = plan_table(t, te, cat)
        for c, e in te.columns.items():
            cells = [f"{t}.{c}", (e.cls or "?") + (" (proposed)" if e.proposed else ""), detail(e), e.purpose,
                     fate(te, c, outputs)]
            table.add_row(*cells, *([e.kind, e.justification] if wide else []))
    return table


def k_anonymity_lines(kanon: KAnonymity) -> list[str]:
    """One line per table: the smallest quasi-identifier group against the catalog's k."""
    lines = []
    for t, info in kanon.items():
        qis = info.get("quasi_identifiers") or []
        if not qis:
            lines.append(f"{t}: no quasi-identifiers kept")
            continue
        ok = "meets" if not info.get("rows_below_k") else "misses"
        lines.append(f"{t}: smallest group {info['min_group']} over {', '.join(qis)}; {ok} k={info.get('k')} "
                     f"({info.get('rows_below_k', 0)} rows in smaller groups)")
    return lines


# ---------------------------------------------------------------- record of processing


@dataclass
class Block:
    """One piece of the record: a heading (level 1-3), a paragraph, a bullet list, or a table."""

    kind: str  # h1 | h2 | h3 | p | ul | table
    text: str = ""
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


_PURPOSES = {
    "essential": "essential: the analyses cannot work without it",
    "useful": "useful: improves the synthetic data",
    "habit": "habit: collected out of habit; dropped at ingest (data minimisation)",
}


def _overview(cat: Catalog, kanon: KAnonymity) -> list[Block]:
    entries = [(t, c, e) for t, te in cat.tables.items() for c, e in te.columns.items()]
    identifiers = Counter(e.identifier or "other" for _, _, e in entries if e.cls == "direct_identifier")
    sensitive = [(t, c, e) for t, c, e in entries if e.cls == "sensitive"]
    purposes = Counter(e.purpose for _, _, e in entries)
    kept_text = [f"{t}.{c}" for t, c, e in entries if e.keep_text]
    return [
        Block("h1", f"Record of processing: {cat.source}"),
        Block("p", "Record of processing activities (GDPR Art. 30) for the CRM export ingested as source "
                   f"'{cat.source}', catalog version {cat.version}. It lists names, classes and counts only, "
                   "never a value from the data."),
        Block("h2", "Purpose of the processing"),
        Block("ul", items=[
            "Testing marketing and sales hypotheses on synthetic data learned from the export, so that staff "
            "who test ideas never see a customer's record.",
            f"Core service declared by the company: {cat.core_service or 'not declared'}.",
            *[f"{n} column(s) {_PURPOSES[p]}" for p, n in sorted(purposes.items())],
        ]),
        Block("h2", "Categories of data subjects and of personal data"),
        Block("ul", items=[
            f"Data subjects: the people described by the tables {', '.join(cat.tables)} "
            f"({sum(te.rows for te in cat.tables.values())} rows in all).",
            "Direct identifiers: " + (", ".join(f"{k} ({n})" for k, n in sorted(identifiers.items())) or "none"),
            "Quasi-identifiers: " + (", ".join(f"{t}.{c}" for t, c, e in entries
                                               if e.cls == "quasi_identifier") or "none"),
            "Special categories (Art. 9) and other sensitive data: "
            + (", ".join(f"{t}.{c} ({e.category})" for t, c, e in sensitive) or "none"),
        ]),
        Block("h2", "Recipients"),
        Block("ul", items=[
            "Data stewards: the pseudonymized vault, to ingest, synthesize and run the release gate.",
            "Marketers and data scientists: published synthetic data only, after it passed the release gate.",
            "Ethics council: this record and gate reports (aggregates), to review proposals.",
            "No transfer to third parties or to third countries: the sandbox runs inside the company.",
        ]),
        Block("h2", "Retention and erasure"),
        Block("ul", items=[
            f"Vault snapshots and models learned from them are deleted {cat.retention_days} days after ingest.",
            "A data subject's erasure request removes the person from every vault snapshot and withdraws every "
            "model and synthetic dataset learned from them (`sandbox forget`).",
            f"{cat.holdout_share:.0%} of the people are held out of training and used only by the release gate.",
        ]),
        Block("h2", "Technical and organisational measures"),
        Block("ul", items=[
            "Keys are replaced by keyed pseudonyms (HMAC-SHA256); the key is stored apart from the data and can "
            "be rotated (`sandbox key rotate`), after which the old key is destroyed.",
            "Direct identifiers and habit columns are dropped at ingest; synthetic data re-creates identifiers "
            "with fake values.",
            "Free text is dropped unless kept on purpose; kept text has e-mails, phones, card, INN, SNILS and "
            "passport numbers replaced by placeholders and is never given to a generator"
            + (f" (kept: {', '.join(kept_text)})." if kept_text else " (none kept)."),
            f"Quasi-identifiers are generalized; groups smaller than k={cat.k_anonymity} are reported "
            "(see each table below).",
            "Synthetic data is released only after a gate on quality, distance to real rows and leaked "
            "identifiers; every action is written to a hash-chained audit log; access is by role.",
        ]),
        *([Block("h2", "k-anonymity of the vault"), Block("ul", items=k_anonymity_lines(kanon))] if kanon else []),
    ]


def _table_blocks(cat: Catalog, kanon: KAnonymity) -> list[Block]:
    blocks: list[Block] = [Block("h2", "Columns, table by table")]
    for name, te in cat.tables.items():
        outputs = plan_table(name, te, cat)
        links = ", ".join(f"{fk.column} -> {fk.parent}.{fk.parent_column}" for fk in te.foreign_keys) or "none"
        facts = [f"Source file: {te.source_file or 'unknown'}; {te.rows} rows",
                 f"Primary key: {te.primary_key or ('+'.join(te.composite_key) or 'none')}; foreign keys: {links}"]
        if name in kanon:
            facts += [f"k-anonymity: {line.split(': ', 1)[1]}" for line in k_anonymity_lines({name: kanon[name]})]
        rows = [[c, e.cls or "unclassified", detail(e), e.purpose, fate(te, c, outputs), e.justification]
                for c, e in te.columns.items()]
        blocks += [Block("h3", f"Table {name}"), Block("ul", items=facts),
                   Block("table", header=["column", "class", "detail", "purpose", "in vault", "justification"],
                         rows=rows)]
    return blocks


def record_blocks(cat: Catalog, kanon: KAnonymity | None = None) -> list[Block]:
    """The whole record of processing of ``cat`` (with the vault's k-anonymity check when given)."""
    kanon = kanon or {}
    return _overview(cat, kanon) + _table_blocks(cat, kanon)


def record_of_processing(cat: Catalog, kanon: KAnonymity | None = None) -> str:
    """The record of processing as Markdown."""
    return render_markdown(record_blocks(cat, kanon))


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list[Block]) -> str:
    """Blocks as GitHub-flavoured Markdown."""
    lines: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            lines += ["#" * int(b.kind[1]) + " " + b.text, ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "ul":
            lines += [f"- {item}" for item in b.items] + [""]
        elif b.kind == "table":
            lines.append("| " + " | ".join(b.header) + " |")
            lines.append("|" + "---|" * len(b.header))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines)


_CSS = ("body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1.5rem;font-size:.9rem}"
        "th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}"
        "th{background:#f2f2f2}h3{margin-top:2rem}")


def render_html(blocks: list[Block], source: str) -> str:
    """Blocks as a standalone, well-formed HTML page: headings, lists, one table per source table."""
    e = html.escape
    body: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            body.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in b.items) + "</ul>")
        elif b.kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in b.header)
            rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            f"<title>Record of processing: {e(source)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")
