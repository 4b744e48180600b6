"""Evaluation of synthetic data: quality, privacy and hypothesis fidelity.

Pure functions on pandas DataFrames (no workspace, users or DuckDB); the release gate calls them with
real train rows, real holdout rows and synthetic rows, and puts their results (pydantic models of plain
numbers, ``.model_dump()`` for JSON) into its report. SDMetrics is imported only when a report runs.
"""

from sandbox.release.evaluation.fidelity import FidelityResult, SegmentEffect, linked_fidelity, segment_fidelity
from sandbox.release.evaluation.histograms import Histogram, column_histograms
from sandbox.release.evaluation.privacy import (
    LeakLocation,
    LeakResult,
    PrivacyResult,
    distance_to_closest_records,
    leaked_values,
)
from sandbox.release.evaluation.quality import (
    DiagnosticResult,
    QualityResult,
    correlation_difference,
    diagnostic,
    multi_table_quality,
    single_table_quality,
)

__all__ = [
    "DiagnosticResult",
    "FidelityResult",
    "Histogram",
    "LeakLocation",
    "LeakResult",
    "PrivacyResult",
    "QualityResult",
    "SegmentEffect",
    "column_histograms",
    "correlation_difference",
    "diagnostic",
    "distance_to_closest_records",
    "leaked_values",
    "linked_fidelity",
    "multi_table_quality",
    "segment_fidelity",
    "single_table_quality",
]
