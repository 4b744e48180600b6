"""Plotly figures of a gate report, shared by the app page and the HTML export.

Each function takes a part of the report dict (aggregates only, as stored by ``sandbox.release.gate``) and
returns a figure, or None when the report has nothing to draw. Plotly is imported on first use.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

REAL = "#1f77b4"
SYNTHETIC = "#ff7f0e"
_LAYOUT: dict[str, Any] = {"template": "plotly_white", "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
                           "legend": {"orientation": "h", "y": -0.2}}


WORDS: dict[str, dict[str, str]] = {  # chart titles, axes and legends per language (the DCR chart has its own)
    "en": {"column_shapes": "column shapes", "column_pair_trends": "column pair trends",
           "cardinality": "children per parent", "tables": "Quality per table", "score": "score",
           "columns": "Quality per column (how closely each column's distribution matches real data)",
           "clear": "clear effect on real data", "unclear": "no clear effect on real data", "same": "same effect",
           "rate": "difference in rate", "mean": "difference in mean",
           "effects": "Segment effects: real data vs synthetic data", "real_effect": "real effect ({unit})",
           "synthetic_effect": "synthetic effect ({unit})", "real": "real (holdout)", "synthetic": "synthetic",
           "share": "share of rows", "corr": "{table}: correlation difference", "corr_bar": "synthetic - real",
           "rare": "other ({n} rare levels)", "small": "other ({n} levels of fewer than {k} people)"},
    "ru": {"column_shapes": "формы столбцов", "column_pair_trends": "связи пар столбцов",
           "cardinality": "дочерних строк на родителя", "tables": "Качество по таблицам", "score": "оценка",
           "columns": "Качество по столбцам (насколько распределение столбца близко к реальным данным)",
           "clear": "явный эффект на реальных данных", "unclear": "нет явного эффекта на реальных данных",
           "same": "одинаковый эффект", "rate": "разница долей", "mean": "разница средних",
           "effects": "Эффекты сегментов: реальные и синтетические данные",
           "real_effect": "эффект на реальных данных ({unit})",
           "synthetic_effect": "эффект на синтетических данных ({unit})", "real": "реальные (отложенные)",
           "synthetic": "синтетические", "share": "доля строк", "corr": "{table}: разница корреляций",
           "corr_bar": "синтетические − реальные",
           "rare": "другое (редких значений: {n})", "small": "другое (значений, где меньше {k} человек: {n})"},
}


def _bin_label(label: str, lang: str) -> str:
    """A histogram bar's name from the report ("other (3 rare levels)") in ``lang``; values stay as they are."""
    w = WORDS[lang]
    if found := re.fullmatch(r"other \((\d+) rare levels\)", label):
        return w["rare"].format(n=found[1])
    if found := re.fullmatch(r"other \((\d+) levels of fewer than (\d+) people\)", label):
        return w["small"].format(n=found[1], k=found[2])
    return label


def _figure(lang: str = "en") -> go.Figure:
    """An empty figure writing numbers the language's way (0,2 and 1 234 in Russian)."""
    import plotly.graph_objects as go

    return go.Figure(layout={"separators": ", " if lang == "ru" else ".,"})


def quality_tables_figure(quality: dict[str, Any], lang: str = "en") -> go.Figure | None:
    """Column-shape and pair-trend scores of every table (0 to 1, higher is closer to real data)."""
    tables = quality.get("tables") or {}
    scores = {t: s for t, s in tables.items() if isinstance(s, dict)}
    if not scores:
        return None
    fig = _figure(lang)
    w = WORDS[lang]
    for key, name in ((k, w[k]) for k in ("column_shapes", "column_pair_trends", "cardinality")):
        values = [scores[t].get(key) for t in scores]
        if any(v is not None for v in values):
            fig.add_bar(x=list(scores), y=values, name=name)
    fig.update_layout(title=w["tables"], yaxis={"range": [0, 1], "title": w["score"]}, barmode="group",
                      height=340, **_LAYOUT)
    return fig


def quality_columns_figure(quality: dict[str, Any], lang: str = "en") -> go.Figure | None:
    """Every column's shape score as a horizontal bar, worst first."""
    columns = [c for c in quality.get("columns") or [] if c.get("score") is not None]
    if not columns:
        return None
    several = len({c["table"] for c in columns}) > 1
    columns.sort(key=lambda c: c["score"], reverse=True)
    labels = [f"{c['table']}.{c['column']}" if several else c["column"] for c in columns]
    scores = [c["score"] for c in columns]
    fig = _figure(lang)
    fig.add_bar(x=scores, y=labels, orientation="h", marker_color=[_score_colour(s) for s in scores],
                hovertext=[c["metric"] for c in columns], name=WORDS[lang]["score"])
    fig.update_layout(title=WORDS[lang]["columns"],
                      xaxis={"range": [0, 1], "title": WORDS[lang]["score"]}, height=max(300, 22 * len(columns) + 90),
                      showlegend=False, **_LAYOUT)
    return fig


def _score_colour(score: float) -> str:
    return "#2ca02c" if score >= 0.9 else "#ffbf00" if score >= 0.75 else "#d62728"


_DCR_WORDS = {
    "en": {"train": "to the closest training row", "holdout": "to the closest unseen row",
           "title": "{table}: how far synthetic rows are from real rows",
           "note": "Alike bars: nothing memorized. Training bars further left: rows copied from training data.",
           "x": "distance to the closest real row (0 = identical, 1 = different in every column)",
           "y": "share of synthetic rows"},
    "ru": {"train": "до ближайшей обучающей строки", "holdout": "до ближайшей новой строки",
           "title": "{table}: насколько синтетические строки далеки от реальных",
           "note": "Столбцы похожи: ничего не запомнено. Обучающие левее: строки скопированы из обучающих данных.",
           "x": "расстояние до ближайшей реальной строки (0 = совпадает, 1 = отличается в каждом столбце)",
           "y": "доля синтетических строк"},
}


def dcr_figure(histogram: dict[str, Any], table: str, lang: str = "en") -> go.Figure:
    """Synthetic rows by distance to the closest train row beside the closest unseen holdout row.

    Side by side (not overlaid), as shares of the synthetic rows, in colours told apart without red-green
    vision, over the distances that occur: two like profiles mean nothing was memorized.
    """
    w = _DCR_WORDS[lang]
    edges, train, holdout = histogram["edges"], histogram["train_counts"], histogram["holdout_counts"]
    used = [i for i, (a, b) in enumerate(zip(train, holdout, strict=True)) if a or b] or [0]
    lo, hi = used[0], used[-1] + 1
    total = max(sum(train), 1)
    centers = [(edges[i] + edges[i + 1]) / 2 for i in range(lo, hi)]
    ranges = [f"{edges[i]:.2f}–{edges[i + 1]:.2f}" for i in range(lo, hi)]
    fig = _figure(lang)
    for counts, name, colour in ((train, w["train"], SYNTHETIC), (holdout, w["holdout"], REAL)):
        fig.add_bar(x=centers, y=[c / total for c in counts[lo:hi]], name=name, marker_color=colour,
                    customdata=ranges, hovertemplate="%{customdata}: %{y:.1%}<extra>" + name + "</extra>")
    fig.update_layout(title={"text": w["title"].format(table=table) + f"<br><sup>{w['note']}</sup>"},
                      barmode="group", bargap=0.1, xaxis={"title": w["x"]},
                      yaxis={"title": w["y"], "tickformat": ".0%"}, height=400,
                      **{**_LAYOUT, "margin": {"l": 10, "r": 10, "t": 100, "b": 10},
                         "legend": {"orientation": "h", "y": 1.0, "x": 0, "yanchor": "bottom"}})
    return fig


def fidelity_figure(points: dict[str, Any], measure: str = "rate", lang: str = "en") -> go.Figure | None:
    """Real versus synthetic segment effect, one dot per segment, with the line where they agree."""
    shown = points.get("points") or []
    if not shown:
        return None
    fig, w = _figure(lang), WORDS[lang]
    for significant, name, colour in ((True, w["clear"], REAL), (False, w["unclear"], "#9e9e9e")):
        group = [p for p in shown if p["significant"] is significant]
        if group:
            fig.add_scatter(x=[p["real_effect"] for p in group], y=[p["synthetic_effect"] for p in group],
                            mode="markers", name=name, marker={"color": colour, "size": 8, "opacity": 0.8},
                            text=[f"{p['segment']} ({p['n_real']} real rows)" for p in group],
                            hovertemplate="%{text}<br>real %{x:.3f}<br>synthetic %{y:.3f}<extra></extra>")
    values = [p["real_effect"] for p in shown] + [p["synthetic_effect"] for p in shown]
    lo, hi = min(values), max(values)
    fig.add_scatter(x=[lo, hi], y=[lo, hi], mode="lines", name=w["same"], line={"dash": "dash", "color": "#444"})
    unit = w["rate"] if measure == "rate" else w["mean"]
    fig.update_layout(title=w["effects"], height=460,
                      xaxis={"title": w["real_effect"].format(unit=unit), "zeroline": True},
                      yaxis={"title": w["synthetic_effect"].format(unit=unit), "zeroline": True}, **_LAYOUT)
    return fig


def distribution_figure(histogram: dict[str, Any], table: str, lang: str = "en") -> go.Figure:
    """Share of real and synthetic rows per bar; a real bar with too few rows is left empty."""
    bins = histogram["bins"]
    labels = [_bin_label(b["label"], lang) + ("*" if b["real_share"] is None else "") for b in bins]
    fig, w = _figure(lang), WORDS[lang]
    fig.add_bar(x=labels, y=[b["real_share"] for b in bins], name=w["real"], marker_color=REAL)
    fig.add_bar(x=labels, y=[b["synthetic_share"] for b in bins], name=w["synthetic"], marker_color=SYNTHETIC)
    fig.update_layout(title=f"{table}.{histogram['column']}", barmode="group", height=300,
                      yaxis={"title": w["share"], "tickformat": ".0%"}, **_LAYOUT)
    return fig


def correlation_figure(matrix: dict[str, Any], table: str, lang: str = "en") -> go.Figure:
    """Heatmap of synthetic minus real correlation per column pair (0 = same as real data)."""
    import plotly.graph_objects as go

    columns = matrix["columns"]
    fig = go.Figure(go.Heatmap(z=matrix["difference"], x=columns, y=columns, zmin=-1, zmax=1, zmid=0,
                             colorscale="RdBu_r", colorbar={"title": WORDS[lang]["corr_bar"]},
                             hovertemplate="%{y} x %{x}: %{z:.3f}<extra></extra>"))
    side = max(360, 24 * len(columns) + 140)
    fig.update_layout(title=WORDS[lang]["corr"].format(table=table), height=side, yaxis={"autorange": "reversed"},
                      template="plotly_white", margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      separators=", " if lang == "ru" else ".,")
    return fig
