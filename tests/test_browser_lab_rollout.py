"""The Lab's rollout defaults in headless Chromium, in English and Russian (issue 19.8): for phone vs e-mail the
channel is the phone, the audience names the unit it counts, the sample size follows the smallest effect worth
detecting (starting at half the difference seen) and is what the council sees; saving the same proposal twice is
refused in the page's language, naming the first. One app server serves the module."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from sandbox.council import list_proposals
from sandbox.ui.i18n import UI
from tests.browser import serve, shot, stop
from tests.conftest import MARKETER
from tests.helpers_login import ensure_user, password_of
from tests.test_browser_lab import choose

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(demo_workspace) -> Iterator[str]:
    ws, _ = demo_workspace
    ensure_user(ws, MARKETER.name, MARKETER.role)
    url, proc = serve(ws.home)
    yield url
    stop(proc)


def _phone_vs_email(page) -> None:
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


@pytest.mark.parametrize("code", ["en", "ru"])
def test_rollout_defaults_follow_the_hypothesis_and_a_second_save_is_refused(served, demo_workspace, page, code):
    ws, _ = demo_workspace
    w = UI[code]
    page.goto(served)
    page.get_by_label("User name").fill(MARKETER.name)
    page.get_by_role("textbox", name="Password").fill(password_of(MARKETER.name))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("link", name="Hypothesis Lab").click()
    page.get_by_text("Test the hypothesis").wait_for()
    _phone_vs_email(page)
    if code == "ru":
        page.get_by_role("radiogroup", name="Language").get_by_text("Русский", exact=True).first.click()
        page.get_by_role("button", name=w["lab.run"], exact=True).wait_for()
        page.wait_for_timeout(1000)

    smallest = page.get_by_label(w["lab.effect_pp"])
    metric = page.locator('[data-testid="stMetricValue"]').nth(2)
    expect(metric).to_have_text(re.compile(r"[+]?\d+[.,]\d"), timeout=20_000)  # (drawn after the verdict's text)
    seen = metric.inner_text().replace("\u00a0", " ")
    seen_pp = float(re.match(r"[+]?(\d+[.,]\d)", seen)[1].replace(",", "."))
    assert float(smallest.input_value().replace(",", ".")) == pytest.approx(seen_pp / 2, rel=0.06)
    page.get_by_text(re.compile(w["lab.effect_seen"].split("{seen}")[0])).first.wait_for()
    form = page.get_by_test_id("stForm")
    channel = form.locator("[class*='st-key-lab_p_channel_']")
    shown = channel.get_by_role("combobox").evaluate("e => e.value || e.getAttribute('aria-label') || ''")
    shown += channel.evaluate("e => e.textContent")
    assert w["channel.phone"] in shown, shown  # phone vs email: the phone call
    assert form.get_by_label(w["lab.audience"].format(unit="deals")).count() == 1  # the unit it counts

    title = f"Phone first ({code})"
    page.get_by_label(w["lab.title_field"], exact=True).fill(title)
    page.get_by_label(w["lab.change"], exact=True).fill("calling new leads first")
    page.get_by_label(w["lab.outcome"], exact=True).fill("win more deals")
    page.get_by_role("button", name=w["lab.submit"], exact=True).click()
    page.get_by_text(w["lab.saved"].split("{id}")[0]).wait_for()
    page.get_by_role("button", name=w["lab.submit"], exact=True).click()
    refused = w["error.DuplicateProposal"].split("{id}")[0]  # in the page's language, naming the first
    page.get_by_text(re.compile(re.escape(refused) + r"P-\d+")).wait_for()
    shot(page, f"lab-rollout-{code}")
    saved = [p for p in list_proposals(ws, MARKETER, mine=True) if p.title == title]
    assert len(saved) == 1 and saved[0].channel == "phone"
    assert saved[0].evidence["sample_size"]["effect"] == pytest.approx(
        float(smallest.input_value().replace(",", ".")) / 100)
