"""Which words on a page are UI text in the wrong language (issue 19.2): collect the visible text of a page in a
real browser, remove the data's own values (table and column names, category values, ids, user names) and the
few allowed terms, and report every word written in the other alphabet with the line it stands in."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sandbox.catalog.store import latest
from sandbox.council import store
from sandbox.governance.access import User
from sandbox.release.datasets import list_datasets, open_dataset
from sandbox.workspace import Workspace

# Words of the wrong alphabet: Latin in the Russian interface, Cyrillic in the English one.
WORD = {"ru": re.compile(r"[A-Za-z][A-Za-z']*"), "en": re.compile(r"[А-Яа-яЁё][А-Яа-яЁё]*")}
# Terms that stay as they are in both languages: the product, formats, laws and statistics symbols.
ALLOWED = {"crm", "sandbox", "english", "p", "pp", "k", "id", "ids", "yaml", "json", "markdown", "md", "csv",
           "duckdb", "hmac", "sha", "gdpr", "fz", "sdmetrics", "a", "b", "n", "ci", "z", "py", "http", "https",
           "русский", "fdr", "holm", "v", "x", "dcr", "h", "d", "html", "png",
           "dd", "mm", "yyyy"}  # the last: the order Streamlit's date picker shows (DD.MM.YYYY in Russian)
# What the browser shows: the text of every node a person sees (charts' SVG text too) and the placeholders of
# inputs (icons' ligature names and the toolbars' tooltips of Streamlit and Plotly are not text a person reads).
_VISIBLE_TEXT = """() => {
  const parts = [];
  for (const root of document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]')) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walk.nextNode())) {
      const el = node.parentElement;
      if (!el || el.closest('script, style, noscript, title, [data-testid="stIconMaterial"]')) continue;
      parts.push(node.nodeValue);
    }
    for (const el of root.querySelectorAll('input:placeholder-shown, textarea:placeholder-shown')) {
      if (el.offsetParent !== null) parts.push(el.getAttribute('placeholder'));
    }
  }
  return parts.join('\\n');
}"""


def tokens(text: str) -> set[str]:
    """Every word of ``text`` (letters only, lower case): ``deals.channel`` and ``demo_crm`` give two each."""
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def data_words(ws: Workspace, reader: User, extra: Iterable[str] = ()) -> set[str]:
    """Words that are data, not UI: every published dataset's tables, columns and text values, every source's
    catalog (columns the vault dropped included), locale and authors, the dataset and source ids, people's names,
    what proposers wrote, and ``extra``."""
    found: set[str] = set()
    for info in list_datasets(ws, reader):
        found |= tokens(f"{info.id} {info.source} {info.generator}")
        with open_dataset(ws, reader, info.id) as con:
            for table, column, kind in con.execute(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns").fetchall():
                found |= tokens(f"{table} {column}")
                if kind == "VARCHAR" or kind.startswith("ENUM"):
                    values = con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}" LIMIT 5000'
                                         ).fetchall()
                    found |= tokens(" ".join(str(v) for (v,) in values if v is not None))
        if (cat := latest(ws, info.source)) is not None:
            found |= tokens(cat.locale or "")
            for table, spec in cat.tables.items():
                found |= tokens(table) | tokens(" ".join(spec.columns))
    with ws.governance() as g:  # people's names, and what proposers wrote (in the language they wrote it in)
        found |= tokens(" ".join(name for (name,) in g.execute("SELECT name FROM users").fetchall()))
        for p in store.load_all(g):
            found |= tokens(" ".join([p.title, p.hypothesis, p.audience, p.message, p.purpose, p.proposer,
                                      *p.guardrail_metrics, *(tp.name for tp in p.third_parties)]))
        found |= tokens(" ".join(by for (by,) in g.execute("SELECT DISTINCT created_by FROM catalogs").fetchall()))
        for table in ("snapshots", "models", "datasets"):  # ids such as demo_crm-20261206235153-ebc0
            found |= tokens(" ".join(i for (i,) in g.execute(f"SELECT id FROM {table}").fetchall()))
    for item in extra:
        found |= tokens(item)
    return found


def audit_words(ws: Workspace) -> set[str]:
    """The audit log's records are data too: action codes, objects, reasons and details (read when checked, since
    every page visit adds events)."""
    with ws.governance() as g:
        rows = g.execute("SELECT DISTINCT action, object, reason, CAST(details AS VARCHAR) FROM audit").fetchall()
    return tokens(" ".join(str(v) for row in rows for v in row if v is not None))


def catalog_codes() -> set[str]:
    """The catalog's codes (column classes, purposes, ...): the steward's grid edits them as values, so its
    accessible copy (not what is drawn) holds them; the read-only grid and every other place show them in words."""
    from typing import get_args

    from sandbox.catalog import model as catalog

    kinds = (catalog.ColumnClass, catalog.Purpose, catalog.SensitiveCategory, catalog.IdentifierKind,
             catalog.Generalization)
    return tokens(" ".join(v for kind in kinds for v in get_args(kind)) + " pseudonym dropped kept generalized")


def visible_text(pg) -> str:
    """The text a person sees on the current page, main area and sidebar."""
    return pg.evaluate(_VISIBLE_TEXT)


def foreign_words(text: str, lang: str, allowed: set[str]) -> dict[str, str]:
    """Words of the other alphabet that are neither data nor allowed terms, each with the line it stands in."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        for word in WORD[lang].findall(line):
            key = word.lower().strip("'")
            if key and key not in allowed and key not in ALLOWED and key not in found:
                found[key] = line.strip()[:140]
    return found
