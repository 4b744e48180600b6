"""Gate reports for people: who sees which part, the measures in plain words, and a self-contained HTML file.

Stewards and council members (``report.full``) see the whole stored report; everyone else sees the verdict,
overall quality and hypothesis fidelity, with only those fidelity segments that hold at least ``k_min``
real rows. The library enforces this; the app page and the CLI only display what they are given.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sandbox.errors import UnknownObject
from sandbox.governance.access import User, require
from sandbox.release import report_charts as charts
from sandbox.release.datasets import get, stored_report
from sandbox.release.gate_charts import fidelity_points
from sandbox.release.gate_reasons import reasons_words
from sandbox.release.report_rules import copy_rule, dcr_rule, distance_words, leak_words
from sandbox.release.report_texts import decimal, say, share
from sandbox.settings import GateThresholds
from sandbox.workspace import Workspace

__all__ = ["fidelity_words", "gate_report_view", "privacy_words", "quality_words", "render_html", "report_words",
           "relationship_words", "summary_view", "verdict_words"]

SUMMARY_FIDELITY = ("target", "positive", "measure", "real_overall", "synthetic_overall", "segments",
                    "significant", "sign_agreement", "rank_correlation", "mae", "coverage", "absent_segments")


def gate_report_view(ws: Workspace, user: User, dataset: str) -> dict[str, Any]:
    """The gate report of ``dataset`` as ``user`` may see it (``view`` says "full" or "summary").

    Raises:
        AccessDenied: the user may not see reports. UnknownObject: no such dataset, or not evaluated yet.
    """
    info = get(ws, user, dataset)
    require(user, "report.summary")
    stored = stored_report(ws, info.id)  # from memory while the datasets table is unchanged: no store opening
    if not stored:
        raise UnknownObject(f"dataset {dataset!r} has no gate report yet; a steward runs `sandbox evaluate {dataset}`",
                            code="report.none", dataset=dataset)
    if user.can("report.full"):
        return stored | {"view": "full"}
    return summary_view(stored, ws.settings.k_min)


def report_for(ws: Workspace, user: User, dataset: str) -> dict:
    """The stored gate report as ``user`` may see it: in full for stewards and council members, otherwise its
    summary (:func:`summary_view`; ``sandbox.duties.reveal.reveal_detail`` shows the rest, with a logged reason)."""
    info = get(ws, user, dataset)
    require(user, "report.summary")
    full = stored_report(ws, info.id)
    if not full or user.can("report.full"):
        return full
    return summary_view(full, ws.settings.k_min)


def summary_view(stored: dict[str, Any], k_min: int) -> dict[str, Any]:
    """Verdict, overall quality and fidelity of a stored report; segment points only with >= ``k_min`` real rows."""
    fidelity = stored.get("fidelity")
    return {
        "view": "summary", "dataset": stored.get("dataset"), "gate": stored.get("gate"),
        "reasons": list(stored.get("reasons") or []),
        "quality": {"overall": (stored.get("quality") or {}).get("overall")},
        "fidelity": {k: fidelity.get(k) for k in SUMMARY_FIDELITY} if fidelity else None,
        "charts": {"fidelity": fidelity_points(fidelity, k_min)},
        "thresholds": stored.get("thresholds"),
    }


def _thresholds(report: dict[str, Any]) -> GateThresholds:
    return GateThresholds.model_validate(report.get("thresholds") or {})


def verdict_words(report: dict[str, Any]) -> str:
    """One sentence: may marketers use this dataset, and if not, why not (the reasons follow it)."""
    if report.get("gate") == "pass":
        return ("Passed the release gate: quality, privacy and hypothesis fidelity are all within this "
                "workspace's limits, so marketers may use this dataset.")
    count = len(report.get("reasons") or [])
    return f"Failed the release gate on {count} check{'s' if count != 1 else ''}, so marketers do not see it:"


def quality_words(report: dict[str, Any], lang: str = "en") -> list[str]:
    """Overall quality against its threshold, and (full view) the least similar columns."""
    quality, limit = report.get("quality") or {}, _thresholds(report).min_quality
    overall = quality.get("overall")
    if overall is None:
        return [say(lang, "quality.none")]
    lines = [say(lang, "quality.overall", q=share(overall, lang), limit=share(limit, lang))]
    scored = sorted((c for c in quality.get("columns") or [] if c.get("score") is not None),
                    key=lambda c: c["score"])[:3]
    if scored:
        worst = ", ".join(f"{c['column']} ({share(c['score'], lang)})" for c in scored)
        lines.append(say(lang, "quality.least", cols=worst))
    return lines


def privacy_words(privacy: dict[str, Any], thresholds: GateThresholds | None = None, lang: str = "en") -> list[str]:
    """Memorization, exact copies (each with the rule that decided) and leaked identifiers in plain words."""
    t = thresholds or GateThresholds()
    lines = [dcr_rule(privacy, t, lang), copy_rule(privacy, t, lang), distance_words(privacy, lang),
             leak_words(privacy, lang)]
    return [line for line in lines if line]


def fidelity_words(fidelity: dict[str, Any] | None, thresholds: GateThresholds | None = None,
                   lang: str = "en") -> list[str]:
    """Would a marketer reach the same segment conclusions on synthetic data as on real data?"""
    t = thresholds or GateThresholds()
    if not fidelity:
        return [say(lang, "fidelity.none")]
    rate = fidelity.get("measure") == "rate"
    what = (say(lang, "fidelity.what_rate", target=fidelity["target"], positive=fidelity["positive"]) if rate
            else say(lang, "fidelity.what_mean", target=fidelity["target"]))
    segments = decimal(fidelity["segments"], lang, "#,##0")
    lines = [say(lang, "fidelity.tested", what=what, n=segments)]
    agreement, significant = fidelity.get("sign_agreement"), fidelity.get("significant") or 0
    if agreement is None:
        lines.append(say(lang, "fidelity.no_clear"))
    else:
        lines.append(say(lang, "fidelity.matched", agreement=share(agreement, lang), significant=significant,
                         same=round(agreement * significant), limit=share(t.min_sign_agreement, lang)))
        if fidelity.get("fdr") is not None:
            lines.append(say(lang, "fidelity.fdr", n=segments, fdr=share(fidelity["fdr"], lang)))
    if fidelity.get("rank_correlation") is not None:
        lines.append(say(lang, "fidelity.rank", r=decimal(fidelity["rank_correlation"], lang)))
    if fidelity.get("mae") is not None:
        mae = fidelity["mae"]
        size = say(lang, "fidelity.pp", x=decimal(mae * 100, lang, "0.0")) if rate else \
            f"{mae:.3g}".replace(".", "," if lang == "ru" else ".")
        lines.append(say(lang, "fidelity.mae", size=size))
    if fidelity.get("coverage") is not None:
        lines.append(say(lang, "fidelity.coverage", c=share(fidelity["coverage"], lang)))
    if fidelity.get("absent_segments"):
        lines.append(say(lang, "fidelity.absent", n=fidelity["absent_segments"]))
    return lines


_LINK_WORDS = {
    "en": {"children": "children per parent {s} alike",
           "pairs": "parent columns against child columns {s} alike (weakest: {p} against {c}, {w})",
           "use": "{d} of {r} references resolve to no row; children use {u} of parents (real {ru})"},
    "ru": {"children": "число дочерних строк на родителя похоже на {s}",
           "pairs": "столбцы родителя против столбцов потомков похожи на {s} (слабее всего: {p} против {c}, {w})",
           "use": "{d} из {r} ссылок не ведут ни к одной строке; потомки используют {u} родителей (в реальных "
                  "данных {ru})"},
}


def relationship_words(report: dict[str, Any], lang: str = "en") -> list[str]:
    """Per link: do children per parent and parent attributes against child columns keep their real shape,
    and does every synthetic reference resolve? (in ``lang``)"""
    lines, w = [], _LINK_WORDS[lang]
    links = report.get("links") or {}
    for link, r in (report.get("relationships") or {}).items():
        parts = []
        if r.get("children_per_parent") is not None:
            parts.append(w["children"].format(s=share(r["children_per_parent"], lang)))
        if r.get("attribute_pairs") is not None:
            worst = r.get("worst_pair") or {}
            parts.append(w["pairs"].format(s=share(r["attribute_pairs"], lang), p=worst.get("parent_column"),
                                           c=worst.get("child_column"), w=share(worst.get("similarity", 0), lang)))
        use = links.get(link) or {}
        if use:
            parts.append(w["use"].format(d=decimal(use["dangling"], lang, "#,##0"),
                                         r=decimal(use["references"], lang, "#,##0"),
                                         u=share(use["parents_used_share"], lang),
                                         ru=share(use["real_parents_used_share"], lang)))
        lines.append(f"{link}: " + "; ".join(parts) + ".")
    return lines


def report_words(report: dict[str, Any]) -> dict[str, list[str]]:
    """Every measure of a report view in plain words: verdict, quality, privacy (full view) and fidelity."""
    t = _thresholds(report)
    words = {"verdict": [verdict_words(report)], "quality": quality_words(report),
             "fidelity": fidelity_words(report.get("fidelity"), t)}
    if report.get("privacy"):
        words["privacy"] = privacy_words(report["privacy"], t)
    if report.get("relationships"):
        words["relationships"] = relationship_words(report)
    return words


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}
section{margin:1.5em 0;padding:1em 1.2em;border:1px solid #ddd;border-radius:8px}
.verdict.pass{border-color:#2ca02c;background:#f0fbf0}.verdict.fail{border-color:#d62728;background:#fdf0f0}
.verdict h2{margin-top:0}.meta{color:#666;font-size:.9em}.grid{display:grid;grid-template-columns:1fr 1fr;gap:8px}
"""


def _list(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


def _plotter() -> Callable[[Any], str]:
    """Figure -> HTML div; plotly.js is inlined once, with the first figure (no network needed)."""
    first = [True]

    def div(fig: Any) -> str:
        if fig is None:
            return ""
        out = fig.to_html(full_html=False, include_plotlyjs=first[0], config={"displaylogo": False})
        first[0] = False
        return out

    return div


def _sections(report: dict[str, Any], plot: Callable[[Any], str]) -> list[str]:
    t, chart = _thresholds(report), report.get("charts") or {}
    full = report.get("view") != "summary"
    quality = report.get("quality") or {}
    parts = [f"<section><h2>Quality</h2>{_list(quality_words(report))}"
             + (plot(charts.quality_tables_figure(quality)) + plot(charts.quality_columns_figure(quality))
                if full else "") + "</section>"]
    if full and report.get("relationships"):
        parts.append("<section><h2>Links between tables</h2><p class='meta'>Per link, real training rows against "
                     "synthetic rows (1 - KS distance of children per parent; 1 - total variation distance of each "
                     f"parent column against each child column).</p>{_list(relationship_words(report))}</section>")
    if full and report.get("privacy"):
        dcr = "".join(plot(charts.dcr_figure(h, table)) for table, h in (chart.get("dcr") or {}).items())
        parts.append(f"<section><h2>Privacy</h2>{_list(privacy_words(report['privacy'], t))}{dcr}</section>")
    fidelity = report.get("fidelity")
    scatter = charts.fidelity_figure(chart.get("fidelity") or {}, (fidelity or {}).get("measure", "rate"))
    parts.append(f"<section><h2>Hypothesis fidelity</h2>{_list(fidelity_words(fidelity, t))}{plot(scatter)}"
                 "</section>")
    if full and chart.get("distributions"):
        body = "".join(f"<h3>{html.escape(table)}</h3><div class='grid'>"
                       + "".join(f"<div>{plot(charts.distribution_figure(h, table))}</div>" for h in hists)
                       + "</div>" for table, hists in chart["distributions"].items())
        parts.append(f"<section><h2>Distributions: real vs synthetic</h2><p class='meta'>A bar marked * holds fewer "
                     f"than {chart.get('k_min')} real rows, so its real share is not shown.</p>{body}</section>")
    if full and chart.get("correlations"):
        body = "".join(plot(charts.correlation_figure(m, table)) for table, m in chart["correlations"].items())
        parts.append("<section><h2>Correlation differences</h2><p class='meta'>Synthetic minus real correlation of "
                     "each pair of columns (categories label-encoded); 0 means the same as real data.</p>"
                     f"{body}</section>")
    return parts


def render_html(report: dict[str, Any]) -> str:
    """One self-contained HTML page (plotly.js inlined, nothing fetched): verdict first, then each measure."""
    dataset = html.escape(str(report.get("dataset", "")))
    gate = str(report.get("gate") or "not evaluated")
    lineage = report.get("lineage") or {}
    meta = ", ".join(f"{k} {html.escape(str(lineage[k]))}" for k in ("source", "generator", "seed") if k in lineage)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Gate report: {dataset}</title>"
            f"<style>{_STYLE}</style></head><body><h1>Release gate report: {dataset}</h1>"
            f"<p class='meta'>{meta}{'; ' if meta else ''}exported {stamp}. Aggregates only: no real row or value.</p>")
    verdict = (f"<section class='verdict {html.escape(gate)}'><h2>Verdict: {html.escape(gate.upper())}</h2>"
               f"<p>{html.escape(verdict_words(report))}</p>{_list(reasons_words(report.get('reasons')))}</section>")
    return head + verdict + "".join(_sections(report, _plotter())) + "</body></html>"
