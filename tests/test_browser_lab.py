"""The Hypothesis Lab in a real browser: sign in, build phone vs email conversion, test it, save the draft."""

from __future__ import annotations

import pytest

from sandbox.council import list_proposals
from tests.browser import shot
from tests.conftest import MARKETER
from tests.helpers_login import ensure_user, password_of

pytestmark = pytest.mark.browser


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box or multiselect labelled ``label``."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def test_marketer_builds_tests_and_saves_a_hypothesis(demo_workspace, app_url, page):
    ws, dataset = demo_workspace
    ensure_user(ws, MARKETER.name, MARKETER.role)
    page.goto(app_url(ws.home))
    page.get_by_label("User name").fill(MARKETER.name)
    page.get_by_role("textbox", name="Password").fill(password_of(MARKETER.name))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("link", name="Hypothesis Lab").click()
    page.get_by_text("Test the hypothesis").wait_for()

    choose(page, "Split by column", "channel")
    group_b = page.locator(".st-key-lab_b_deals_channel")
    group_b.wait_for()
    group_b.get_by_role("button", name="Remove email", exact=True).click()  # the first value is preselected
    choose(page, "Group B (the segment or treatment)", "phone")
    page.get_by_text("chosen values").click()
    page.locator(".st-key-lab_a_deals_channel").wait_for()
    choose(page, "Group A (the comparison)", "email")
    page.get_by_role("button", name="Test the hypothesis", exact=True).click()

    verdict = page.get_by_text("higher than in deals.channel = email")
    verdict.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    assert "matched real data in" in verdict.inner_text()
    page.set_viewport_size({"width": 1400, "height": 1700})
    page.get_by_role("heading", name="Result").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)  # let the chart finish drawing
    shot(page, "lab-result")

    page.get_by_label("Title").fill("Call new leads first")
    page.get_by_label("We believe that ... (the change)").fill("calling new leads before emailing them")
    page.get_by_label("will ... (the outcome)").fill("win more deals")
    page.get_by_role("button", name="Save draft proposal", exact=True).click()
    page.get_by_text("Saved as draft proposal").wait_for()
    shot(page, "lab-saved")

    saved = [p for p in list_proposals(ws, MARKETER, mine=True) if p.title == "Call new leads first"]
    assert len(saved) == 1 and saved[0].state == "draft" and saved[0].dataset == dataset
    assert saved[0].fields_used == ["deals.channel", "deals.stage"]
    assert saved[0].hypothesis.startswith("We believe that calling new leads before emailing them for ")


def _difference(page) -> str:
    """The text of the result card's difference metric (the third metric: A, B, difference)."""
    return page.locator('[data-testid="stMetricValue"]').nth(2).inner_text().strip()


def test_switching_to_russian_keeps_the_hypothesis_and_its_result(demo_workspace, app_url, page):
    ws, _ = demo_workspace
    ensure_user(ws, MARKETER.name, MARKETER.role)
    page.goto(app_url(ws.home))
    page.get_by_label("User name").fill(MARKETER.name)
    page.get_by_role("textbox", name="Password").fill(password_of(MARKETER.name))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("link", name="Hypothesis Lab").click()
    page.get_by_text("Test the hypothesis").wait_for()
    choose(page, "Split by column", "channel")
    group_b = page.locator(".st-key-lab_b_deals_channel")
    group_b.wait_for()
    group_b.get_by_role("button", name="Remove email", exact=True).click()
    choose(page, "Group B (the segment or treatment)", "phone")
    page.get_by_text("chosen values").click()
    page.locator(".st-key-lab_a_deals_channel").wait_for()
    choose(page, "Group A (the comparison)", "email")
    page.get_by_role("button", name="Test the hypothesis", exact=True).click()
    page.get_by_text("higher than in deals.channel = email").wait_for()
    english = _difference(page)
    assert english.startswith("+") and "pp" in english

    page.get_by_role("radiogroup", name="Language").get_by_text("Русский", exact=True).first.click()
    page.get_by_role("button", name="Проверить гипотезу", exact=True).wait_for()
    page.wait_for_timeout(1000)  # let the rerun settle
    shot(page, "lab-switched-to-russian")
    assert page.get_by_role("radio", name="выбранными значениями").is_checked()
    assert page.locator(".st-key-lab_b_deals_channel").get_by_role("button", name="Remove phone").count() == 1
    assert page.locator(".st-key-lab_a_deals_channel").get_by_role("button", name="Remove email").count() == 1
    assert page.get_by_text("входные данные изменились").count() == 0  # the shown result still fits the inputs
    russian = _difference(page)
    assert russian.split()[0].replace(",", ".") == english.split()[0].replace(",", ".").removesuffix("pp")

    page.get_by_role("button", name="Проверить гипотезу", exact=True).click()
    page.wait_for_timeout(1500)
    page.get_by_text("чем в группе «deals.channel = email»").wait_for()
    assert _difference(page) == russian  # run again in Russian: the same hypothesis, the same effect
