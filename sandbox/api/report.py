"""A release-gate report as a notebook holds it: the verdict, the reasons, the measures in words, the figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["GateReport"]


class GateReport:
    """A release-gate report as the viewer may see it (``view``: "full" or "summary"); ``data`` is the dict."""

    def __init__(self, data: dict[str, Any]):
        self.data = data

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def dataset(self) -> str:
        """The id of the dataset the report is about."""
        return str(self.data.get("dataset"))

    @property
    def passed(self) -> bool:
        """Whether the dataset passed its release gate."""
        return self.data.get("gate") == "pass"

    @property
    def reasons(self) -> list[str]:
        """Why the gate failed, in English (empty when it passed)."""
        from sandbox.release.gate_reasons import reasons_words

        return reasons_words(self.data.get("reasons"))

    @property
    def reason_records(self) -> list[dict[str, Any] | str]:
        """Why the gate failed as the gate stored it: a code and its values per failed rule (a report from before
        the records holds English sentences)."""
        return list(self.data.get("reasons") or [])

    def summary(self) -> dict[str, Any]:
        """The headline figures in one flat dict (privacy figures only in the full view): a row for comparing."""
        privacy, fidelity = self.data.get("privacy") or {}, self.data.get("fidelity") or {}
        lineage = self.data.get("lineage") or {}
        return {"dataset": self.dataset, "generator": lineage.get("generator"), "gate": self.data.get("gate"),
                "quality": (self.data.get("quality") or {}).get("overall"),
                "dcr_share": privacy.get("dcr_share"),
                "identical_train": privacy.get("identical_match_share_train"),
                "identical_holdout": privacy.get("identical_match_share_holdout"),
                "leaked_values": privacy.get("leaked_values"),
                "sign_agreement": fidelity.get("sign_agreement"),
                "rank_correlation": fidelity.get("rank_correlation"), "fidelity_mae": fidelity.get("mae"),
                "fit_seconds": lineage.get("fit_seconds"), "reasons": len(self.reasons)}

    def words(self) -> dict[str, list[str]]:
        """Every measure in plain words (verdict, quality, privacy in the full view, fidelity)."""
        from sandbox.release.report import report_words

        return report_words(self.data)

    def figures(self) -> dict[str, go.Figure]:
        """The report's plotly charts by name: quality per table and column, DCR per table (full view), the
        fidelity scatter of real vs synthetic segment effects."""
        from sandbox.release import report_charts as charts

        quality, chart = self.data.get("quality") or {}, self.data.get("charts") or {}
        found: dict[str, go.Figure | None] = {
            "quality_tables": charts.quality_tables_figure(quality),
            "quality_columns": charts.quality_columns_figure(quality),
            "fidelity": charts.fidelity_figure(chart.get("fidelity") or {},
                                               (self.data.get("fidelity") or {}).get("measure", "rate"))}
        if self.data.get("view") != "summary":
            found |= {f"dcr_{t}": charts.dcr_figure(h, t) for t, h in (chart.get("dcr") or {}).items()}
        return {name: fig for name, fig in found.items() if fig is not None}

    def to_html(self) -> str:
        """The self-contained HTML page the app exports (plotly.js inlined)."""
        from sandbox.release.report import render_html

        return render_html(self.data)

    def __repr__(self) -> str:
        return f"<gate report of {self.dataset}: {self.data.get('gate')} ({self.data.get('view', 'full')} view)>"

    def _repr_html_(self) -> str:
        from sandbox.api.html import report_html

        return report_html(self.data, self.words())
