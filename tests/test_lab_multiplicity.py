"""Many hypotheses on one dataset: each answer is adjusted for every question its user asked (Holm)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.lab.hypothesis import HypothesisSpec, run_hypothesis
from sandbox.lab.multiplicity import holm, question_key
from sandbox.lab.query import Filter, Metric, Population, Split
from sandbox.workspace import Workspace
from tests.api_support import demo_copy

# users of their own: the demo workspace's log holds other tests' answers by the shared test users
NINA, OTTO = User(name="nina", role="marketer"), User(name="otto", role="steward")
WON = Metric(kind="rate", table="deals", where=[Filter(table="deals", column="stage", value="won")])


def _spec(dataset: str, column: str, b: list[str], **split) -> HypothesisSpec:
    return HypothesisSpec(dataset=dataset, population=Population(unit="deals"),
                          split=Split(table="deals", column=column, b=b, **split), metric=WON)


@pytest.fixture()
def lab(demo_workspace, tmp_path: Path) -> tuple[Workspace, str]:
    """A private copy of the published demo: the audit log, where answers are counted, is this test's own."""
    return demo_copy(demo_workspace, tmp_path / "ws")


def _answers(ws: Workspace, dataset: str) -> list[dict]:
    with ws.governance() as g:
        rows = g.execute("SELECT CAST(details AS VARCHAR) FROM audit WHERE action = 'lab.query' AND object = ? "
                         "AND actor = ? ORDER BY seq", [dataset, NINA.name]).fetchall()
    return [d for d in (json.loads(r[0]) for r in rows) if d.get("kind") == "hypothesis"]


def test_holm_adjusts_by_rank_and_keeps_the_order():
    p = [0.01, 0.04, 0.03, 0.5]
    # sorted 0.01, 0.03, 0.04, 0.5 -> 4 x 0.01, 3 x 0.03, max(0.09, 2 x 0.04), max(0.09, 0.5)
    assert [holm(p, i) for i in range(4)] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([0.3, 0.3, 0.3], 2) == pytest.approx(0.9) and holm([0.6, 0.7], 0) == 1.0
    assert holm([0.02], 0) == 0.02


def test_each_user_counts_distinct_questions_on_the_dataset(lab):
    ws, dataset = lab
    phone = _spec(dataset, "channel", ["phone"], a=["email"])
    first = run_hypothesis(ws, NINA, phone)
    assert first.multiplicity is not None and first.multiplicity.tests == 1
    assert first.multiplicity.adjusted_p == pytest.approx(first.test.p_value) and first.multiplicity.significant
    run_hypothesis(ws, NINA, _spec(dataset, "channel", ["web"]))
    # the same question again, with group labels and another confidence: still the same question
    again = run_hypothesis(ws, NINA, phone.model_copy(update={
        "confidence": 0.9, "split": phone.split.model_copy(update={"label_b": "calls", "label_a": "mails"})}))
    assert again.multiplicity is not None and again.multiplicity.tests == 2
    assert run_hypothesis(ws, OTTO, phone).multiplicity.tests == 1, "another user's questions are theirs"
    answers = _answers(ws, dataset)
    assert len(answers) == 3 and all(isinstance(a["p"], float) for a in answers)
    assert question_key(answers[0]["spec"]) == question_key(answers[2]["spec"])
    # the planted channel effect is strong enough to survive the adjustment: no warning
    assert again.test.significant and not again.chance and again.warnings["en"] == []


def test_a_weak_effect_among_many_questions_is_flagged_as_possible_chance(lab):
    """The weakest significant of a few real splits, then as many earlier answers (recorded as the Lab records
    them, p = 0.6) as make (m - 2) x p reach 0.05: asked again, it is flagged; alone it was not."""
    ws, dataset = lab
    splits = [("customers", "gender", ["F"]), ("customers", "birth_date", ["20-29"]), ("deals", "discount", [0.1])]
    results = [run_hypothesis(ws, NINA, HypothesisSpec(dataset=dataset, population=Population(unit="deals"),
                                                           split=Split(table=t, column=c, b=b), metric=WON))
               for t, c, b in splits]
    weak = max((r for r in results if r.test.significant), key=lambda r: r.test.p_value)
    assert 1e-4 < weak.test.p_value < 0.05 and not weak.chance
    earlier = math.ceil(0.05 / weak.test.p_value)
    with ws.governance() as g:
        for i in range(earlier):
            spec = _spec(dataset, "channel", [f"channel-{i}"]).model_dump(mode="json")
            audit.record(g, NINA, "lab.query", dataset, details={"kind": "hypothesis", "spec": spec, "p": 0.6})
        # an answer recorded before p-values were: counts with p = 1
        audit.record(g, NINA, "lab.query", dataset, details={"kind": "hypothesis", "spec": _spec(
            dataset, "channel", ["old"]).model_dump(mode="json")})
    again = run_hypothesis(ws, NINA, weak.spec)
    m = again.multiplicity
    assert m is not None and m.tests == len(splits) + earlier + 1
    latest = {question_key(a["spec"]): (1.0 if a.get("p") is None else a["p"]) for a in _answers(ws, dataset)}
    latest[question_key(again.spec.model_dump(mode="json"))] = again.test.p_value
    keys = list(latest)
    assert m.adjusted_p == pytest.approx(holm([latest[k] for k in keys], keys.index(question_key(
        again.spec.model_dump(mode="json")))))
    assert again.chance and again.verdict == "significant", "the test itself stands; the note says what it means"
    assert m.adjusted_p >= 0.05 and not m.significant
    assert f"You have tested {m.tests} hypotheses" in m.note["en"] and "Холма" in m.note["ru"]
    assert again.warnings["en"][-1] == m.note["en"] and again.warnings["ru"][-1] == m.note["ru"]
