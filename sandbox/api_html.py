"""How the Python API's objects look in Jupyter: small HTML fragments with inline styles only.

Jupyter puts every output into the notebook page itself, so nothing here may carry page-wide CSS or a whole
HTML document (``sandbox.report.render_html`` makes the stand-alone page). Every value is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sandbox.access import User
    from sandbox.datasets import DatasetInfo
    from sandbox.lab.hypothesis import HypothesisResult

__all__ = ["datasets_html", "hypothesis_html", "report_html", "session_html", "table_html"]

_BOX = "border:1px solid {colour};border-radius:6px;padding:8px 12px;margin:4px 0;font-family:system-ui,sans-serif"
_COLOURS = {"pass": "#2ca02c", "significant": "#2ca02c", "fail": "#d62728", "not_significant": "#7f7f7f",
            "too_small": "#ff7f0e"}
_CELL = "padding:2px 8px;text-align:left"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _box(body: str, colour: str = "#bbb") -> str:
    return f"<div style='{_BOX.format(colour=colour)}'>{body}</div>"


def _list(lines: Iterable[str]) -> str:
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return f"<ul style='margin:4px 0'>{items}</ul>" if items else ""


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th style='{_CELL}'>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='{_CELL}'>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4g}"


def session_html(user: User, home: str, method: str, closed: bool) -> str:
    """Who the session acts as, on which workspace, and how it signed in."""
    how = "a password" if method == "password" else "the operating-system account running this kernel"
    state = " <b>(closed)</b>" if closed else ""
    return _box(f"Sandbox session{state}: <b>{_e(user.name)}</b> ({_e(user.role)}"
                f"{', ' + _e(user.seat) if user.seat else ''}) on <code>{_e(home)}</code>, signed in by {how}.")


def datasets_html(infos: Sequence[DatasetInfo]) -> str:
    """Datasets as a table: id, source, generator, status, gate, quality, fidelity, rows, published."""
    if not infos:
        return _box("No datasets yet: a steward publishes one (<code>make demo</code> makes the demo).")
    rows = [(i.id, i.source, i.generator, i.seed, i.status, i.gate or "not evaluated", _share(i.quality),
             _share(i.fidelity), ", ".join(f"{t} {n:,}" for t, n in i.rows.items()),
             f"{i.published_at:%Y-%m-%d %H:%M}" if i.published_at else "-") for i in infos]
    return _table(("dataset", "source", "generator", "seed", "status", "gate", "quality", "fidelity", "rows",
                   "published"), rows)


def table_html(name: str, dataset: str, rows: int, preview: pd.DataFrame) -> str:
    """A table's name, size and first rows."""
    shown = f"the first {len(preview)}" if rows > len(preview) else "all"
    return (f"<div style='font-family:system-ui,sans-serif'><b>{_e(name)}</b> of <code>{_e(dataset)}</code>: "
            f"{rows:,} rows x {preview.shape[1]} columns ({shown} shown)</div>"
            + preview.to_html(max_cols=30, border=0, index=False))


def report_html(report: dict[str, Any], words: dict[str, list[str]]) -> str:
    """A gate report: the verdict and its reasons first, then each measure in plain words."""
    gate = str(report.get("gate") or "not evaluated")
    lineage = report.get("lineage") or {}
    meta = ", ".join(f"{k} {lineage[k]}" for k in ("source", "generator", "seed") if k in lineage)
    view = "full report" if report.get("view") != "summary" else "summary (stewards and the council see it in full)"
    parts = [f"<h4 style='margin:0'>Release gate of {_e(report.get('dataset'))}: {_e(gate.upper())}</h4>",
             f"<div style='color:#666'>{_e(meta)}{'; ' if meta else ''}{_e(view)}</div>",
             _list(words.get("verdict", [])) + _list(report.get("reasons") or [])]
    for section in ("quality", "privacy", "fidelity"):
        if words.get(section):
            parts.append(f"<b>{section.capitalize()}</b>{_list(words[section])}")
    return _box("".join(parts), _COLOURS.get(gate, "#bbb"))


def _value(result: HypothesisResult, value: float | None) -> str:
    """A group's value: a share as a percentage, anything else as a number."""
    return _share(value) if result.test.measure in ("proportion", "share") else _num(value)


def hypothesis_html(result: HypothesisResult, lang: str = "en") -> str:
    """A Lab result: both groups, the test with its interval, the verdict in words, the fidelity caveat and
    the number of real customers a rollout needs."""
    t, spec = result.test, result.spec
    verdict = {"significant": "significant", "not_significant": "not significant",
               "too_small": f"too small to conclude (groups under {result.min_group_size})"}[result.verdict]
    groups = _table(("group", "label", "units", "n", t.measure, "sd"),
                    [(g, grp.label.get(lang, ""), f"{grp.units:,}", f"{grp.n:,}", _value(result, grp.value),
                      _num(grp.sd)) for g, grp in (("A", result.a), ("B", result.b))])
    shares = t.measure in ("proportion", "share")  # differences of shares are in percentage points
    difference = ("-" if t.difference is None else
                  f"{t.difference * 100:+.1f} points" if shares else f"{t.difference:+,.4g}")
    interval = ("-" if t.ci_low is None or t.ci_high is None else
                f"[{t.ci_low * 100:+.1f}, {t.ci_high * 100:+.1f}] points" if shares else
                f"[{t.ci_low:+,.4g}, {t.ci_high:+,.4g}]")
    test = _table(("test", "difference B - A", f"{t.confidence:.0%} interval", "p-value", "effect size"),
                  [(t.test, difference, interval, "-" if t.p_value is None else f"{t.p_value:.3g}",
                    f"{_num(t.effect_size)} ({t.effect_size_name})" if t.effect_size is not None else "-")])
    fidelity = ("not measured for this dataset" if result.fidelity is None else
                f"{result.fidelity:.0%} of segment conclusions matched real data at the release gate")
    size = result.sample_size
    rollout = (f"A rollout needs about {size.total:,} real customers ({size.n_a:,} in A, {size.n_b:,} in B) to "
               f"confirm this effect." if size is not None and size.total else "")
    body = (f"<h4 style='margin:0'>{_e(result.metric_label.get(lang, ''))}: {_e(verdict)}</h4>"
            f"<div style='color:#666'>{_e(spec.segment_text(lang))}; dataset {_e(spec.dataset)} "
            f"(source {_e(result.source)})</div>{groups}{test}"
            f"<p style='margin:6px 0'>{_e(result.conclusion.get(lang, ''))}</p>"
            f"<div><b>Fidelity caveat:</b> synthetic data; {_e(fidelity)}.</div>"
            + (f"<div>{_e(rollout)}</div>" if rollout else "") + _list(result.warnings.get(lang, [])))
    return _box(body, _COLOURS[result.verdict])
