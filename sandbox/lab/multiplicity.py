"""Many hypotheses on one dataset: a "significant" difference turns up by chance in one test of twenty.

A marketer who splits the same customers by channel, then by region, then by age band... will find a
significant difference sooner or later even where none exists. The Lab counts the distinct hypotheses each
user has answered on a dataset (from the audit log, where every answer is recorded with its p-value) and
adjusts the newest answer's p-value for all of them with Holm's step-down method, which holds the chance of
any false "significant" among them at 1 - confidence whatever their dependence. A hypothesis asked again
(another confidence, other group labels or metric name) is the same hypothesis: its latest p-value counts.
Answers recorded before p-values were (no ``p``) and answers too small to conclude count with p = 1.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from sandbox.governance.access import User

__all__ = ["Multiplicity", "family", "holm", "question_key"]


class Multiplicity(BaseModel):
    """The newest answer among all the hypotheses its user answered on the dataset."""

    tests: int = Field(description="Distinct hypotheses this user has answered on this dataset, this one included.")
    adjusted_p: float = Field(description="This answer's p-value adjusted for all of them (Holm).")
    significant: bool = Field(description="Still significant at the answer's confidence after the adjustment.")
    note: dict[str, str] = Field(default_factory=dict, description="Per language: the warning shown when the "
                                 "answer is significant alone but not after the adjustment.")


def question_key(spec: dict[str, Any]) -> str:
    """What makes two hypotheses the same question: population, split and metric, without their labels."""
    split = {k: v for k, v in spec.get("split", {}).items() if k not in ("label_a", "label_b")}
    metric = {k: v for k, v in spec.get("metric", {}).items() if k != "name"}
    return json.dumps({"population": spec.get("population"), "split": split, "metric": metric}, sort_keys=True,
                      default=str)


def holm(p_values: list[float], index: int) -> float:
    """Holm's adjusted p-value of ``p_values[index]``: the running maximum of (m - rank) x p, capped at 1."""
    m, running = len(p_values), 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda j: (p_values[j], j != index))):  # ties: this one first
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        if i == index:
            break
    return running


def family(g: duckdb.DuckDBPyConnection, user: User, dataset: str, spec: dict[str, Any], p_value: float | None,
           confidence: float) -> Multiplicity:
    """This answer (``spec``, ``p_value``) among the user's earlier answers on ``dataset``, read through the
    governance connection ``g`` (the caller records the answer in the same one)."""
    rows = g.execute("SELECT CAST(details AS VARCHAR) FROM audit WHERE action = 'lab.query' AND object = ? "
                     "AND actor = ? AND outcome = 'ok' AND json_extract_string(details, '$.kind') = 'hypothesis' "
                     "ORDER BY seq", [dataset, user.name]).fetchall()
    latest: dict[str, float] = {}
    for (text,) in rows:
        details = json.loads(text or "{}")  # the query kept hypotheses only
        if isinstance(details.get("spec"), dict):
            latest[question_key(details["spec"])] = _p(details.get("p"))
    key = question_key(spec)
    latest[key] = _p(p_value)
    keys = list(latest)
    adjusted = holm([latest[k] for k in keys], keys.index(key))
    return Multiplicity(tests=len(keys), adjusted_p=adjusted, significant=adjusted < 1 - confidence)


def _p(value: Any) -> float:
    """A recorded p-value; 1 where there is none (old records, too-small answers) or it is not a number."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        return 1.0
    return p if 0.0 <= p <= 1.0 else 1.0
