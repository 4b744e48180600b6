"""How the Python API's objects look in Jupyter: small HTML fragments with inline styles only.

Jupyter puts every output into the notebook page itself, so nothing here may carry page-wide CSS or a whole
HTML document (``sandbox.release.report.render_html`` makes the stand-alone page). Every value is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sandbox.lab.result import COLOURS, box, bullet_list, esc, hypothesis_html, share, table
from sandbox.release.gate_reasons import reasons_words

if TYPE_CHECKING:
    import pandas as pd

    from sandbox.governance.access import User
    from sandbox.release.datasets import DatasetInfo

__all__ = ["datasets_html", "hypothesis_html", "report_html", "session_html", "table_html"]


def session_html(user: User, home: str, method: str, closed: bool) -> str:
    """Who the session acts as, on which workspace, and how it signed in."""
    how = "a password" if method == "password" else "the operating-system account running this kernel"
    state = " <b>(closed)</b>" if closed else ""
    return box(f"Sandbox session{state}: <b>{esc(user.name)}</b> ({esc(user.role)}"
                f"{', ' + esc(user.seat) if user.seat else ''}) on <code>{esc(home)}</code>, signed in by {how}.")


def datasets_html(infos: Sequence[DatasetInfo]) -> str:
    """Datasets as a table: id, source, generator, status, gate, quality, fidelity, rows, published."""
    if not infos:
        return box("No datasets yet: a steward publishes one (<code>make demo</code> makes the demo).")
    rows = [(i.id, i.source, i.generator, i.seed, i.status, i.gate or "not evaluated", share(i.quality),
             share(i.fidelity), ", ".join(f"{t} {n:,}" for t, n in i.rows.items()),
             f"{i.published_at:%Y-%m-%d %H:%M}" if i.published_at else "-") for i in infos]
    return table(("dataset", "source", "generator", "seed", "status", "gate", "quality", "fidelity", "rows",
                   "published"), rows)


def table_html(name: str, dataset: str, rows: int, preview: pd.DataFrame) -> str:
    """A table's name, size and first rows."""
    shown = f"the first {len(preview)}" if rows > len(preview) else "all"
    return (f"<div style='font-family:system-ui,sans-serif'><b>{esc(name)}</b> of <code>{esc(dataset)}</code>: "
            f"{rows:,} rows x {preview.shape[1]} columns ({shown} shown)</div>"
            + preview.to_html(max_cols=30, border=0, index=False))


def report_html(report: dict[str, Any], words: dict[str, list[str]]) -> str:
    """A gate report: the verdict and its reasons first, then each measure in plain words."""
    gate = str(report.get("gate") or "not evaluated")
    lineage = report.get("lineage") or {}
    meta = ", ".join(f"{k} {lineage[k]}" for k in ("source", "generator", "seed") if k in lineage)
    view = "full report" if report.get("view") != "summary" else "summary (stewards and the council see it in full)"
    parts = [f"<h4 style='margin:0'>Release gate of {esc(report.get('dataset'))}: {esc(gate.upper())}</h4>",
             f"<div style='color:#666'>{esc(meta)}{'; ' if meta else ''}{esc(view)}</div>",
             bullet_list(words.get("verdict", [])) + bullet_list(reasons_words(report.get("reasons")))]
    for section in ("quality", "privacy", "fidelity"):
        if words.get(section):
            parts.append(f"<b>{section.capitalize()}</b>{bullet_list(words[section])}")
    return box("".join(parts), COLOURS.get(gate, "#bbb"))
