"""The Proposal page in headless Chromium, in English and in Russian (issue 19.3): a proposal saved from the
Lab shows the Lab's result card (verdict, effect with its interval in percentage points, fidelity, the
rollout's sample size), its hard red flag by a human name, and a submit button that is disabled and says
why. No raw float (0.425283...) or JSON tree reaches the page. One app server serves the module."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from sandbox.lab.hypothesis import HypothesisSpec, run_hypothesis
from sandbox.lab.proposals import ProposalForm, save_proposal
from sandbox.lab.query import Filter, Metric, Population, Split
from tests.browser import serve, shot, sign_in, stop
from tests.conftest import MARKETER
from tests.helpers_login import ensure_user

pytestmark = pytest.mark.browser

FORM = ProposalForm(title="Call leads first", change="calling new leads first", segment="phone deals",
                    outcome="win more deals", reason="phone deals convert better", channel="phone",
                    audience_size=2000, third_parties=["CallCenter Ltd"])  # no recorded consent: a hard flag


@pytest.fixture(scope="module")
def served(demo_workspace) -> Iterator[tuple[str, str, object]]:
    ws, dataset = demo_workspace
    ensure_user(ws, MARKETER.name, MARKETER.role)
    spec = HypothesisSpec(dataset=dataset, population=Population(unit="deals"),
                          split=Split(table="deals", column="channel", b=["phone"], a=["email"]),
                          metric=Metric(kind="rate", table="deals", where=[Filter(table="deals", column="stage",
                                                                                  value="won")]))
    result = run_hypothesis(ws, MARKETER, spec)
    proposal = save_proposal(ws, MARKETER, result, FORM)
    url, proc = serve(ws.home)
    yield url, proposal.id, result
    stop(proc)


WORDS = {
    "en": dict(flag="Data to a third party without consent", blocked="Submission is blocked while a hard red flag",
               submit="Submit to the council", pp="pp", needed="Real customers needed", verdict="higher than in"),
    "ru": dict(flag="Передача третьей стороне без согласия", blocked="Отправка невозможна, пока стоит жёсткий",
               submit="Отправить в совет", pp="п. п.", needed="Нужно реальных клиентов", verdict="чем в группе"),
}


@pytest.mark.parametrize("code", ["en", "ru"])
def test_proposal_shows_the_result_card_named_flags_and_why_submit_is_disabled(served, page, code):
    url, pid, result = served
    w = WORDS[code]
    page.goto(f"{url}/proposal?id={pid}")
    sign_in(page, MARKETER.name)
    page.get_by_role("link", name="Proposal", exact=True).click()
    page.get_by_role("combobox", name="Proposal").click()  # the address's ?id= does not outlive signing in
    page.get_by_role("option", name=f"{pid}: {FORM.title}", exact=True).click()
    page.get_by_role("heading", name=f"{pid}: {FORM.title}").wait_for()
    if code == "ru":
        page.get_by_role("radiogroup", name="Language").get_by_text("Русский", exact=True).first.click()
        page.get_by_role("heading", name="Предложение", exact=True).wait_for()
    page.get_by_text(w["verdict"]).first.wait_for()  # the Lab's verdict in words
    page.get_by_text(w["flag"]).first.wait_for()
    submit = page.get_by_role("button", name=w["submit"], exact=True)
    assert submit.is_disabled()
    assert page.get_by_text(w["blocked"]).count() >= 1
    difference = page.locator('[data-testid="stMetricValue"]').nth(2).inner_text().strip()
    assert re.fullmatch(r"[+−-]\d+[.,]\d " + re.escape(w["pp"]) if code == "ru" else r"[+-]\d+\.\d ?pp",
                        difference.replace("\u00a0", " ")), difference
    page.get_by_text(w["needed"]).first.wait_for()
    body = page.locator("section.main, [data-testid='stMain']").first.inner_text()
    assert "third_party_without_consent" not in body
    assert repr(result.test.value_a) not in body and repr(result.test.p_value) not in body  # no raw floats
    assert page.locator("[data-testid='stJson']").count() == 0  # no raw JSON tree
    page.set_viewport_size({"width": 1400, "height": 2400})
    shot(page, f"proposal-card-{code}")
