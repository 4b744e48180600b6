"""Explore in headless Chromium, in English and Russian (issue 19.9): shares as percentages in the breakdown
table and on the chart's axis, no true/false column, the chart following the share just chosen, and a column of
age bands named for what it holds, not as a date. One app server serves the module."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from sandbox.ui.i18n import UI
from tests.browser import serve, shot, sign_in, stop
from tests.conftest import MARKETER
from tests.helpers_login import ensure_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(demo_workspace) -> Iterator[str]:
    ws, _ = demo_workspace
    ensure_user(ws, MARKETER.name, MARKETER.role)
    url, proc = serve(ws.home)
    yield url
    stop(proc)


def _choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


@pytest.mark.parametrize("code", ["en", "ru"])
def test_breakdown_shows_shares_as_percentages_and_bands_by_what_they_hold(served, page, code):
    words = UI[code]
    page.goto(served)
    sign_in(page, MARKETER.name)
    page.get_by_role("link", name="Explore").click()
    page.get_by_role("heading", name=UI["en"]["explore.title"]).wait_for()
    if code == "ru":
        page.get_by_role("radiogroup", name="Language").get_by_text("Русский", exact=True).first.click()
        page.get_by_role("heading", name=words["explore.title"]).wait_for()

    # customers: the generalized birth date is offered as the bands it holds
    _choose(page, words["explore.group_by"], _bands_label(page, words))
    table = page.get_by_test_id("stTable")
    table.wait_for()
    header = table.locator("th").all_inner_texts()
    assert any(h.startswith("birth_date:") for h in header), header

    # deals by channel with the share of won deals: percentages, the chart on the share, no true/false
    _choose(page, words["explore.table"], "deals")
    page.locator(".st-key-explore_group_by_deals").wait_for()  # the rerun for the new table is drawn
    _choose(page, words["explore.group_by"], "channel")
    _choose(page, words["explore.rate_column"], "stage")
    page.get_by_role("radio", name=words["explore.measure.rate"].format(what="stage = won")).wait_for()
    assert page.get_by_role("radio", name=words["explore.measure.rate"].format(what="stage = won")).is_checked()
    page.wait_for_timeout(1000)
    cells = page.get_by_test_id("stTable").locator("td").all_inner_texts()
    share = r"\d{1,3},\d%" if code == "ru" else r"\d{1,3}\.\d%"
    assert sum(bool(re.fullmatch(share, c.strip())) for c in cells) == 5, cells  # one share per channel
    assert not any(c.strip().lower() in ("true", "false") for c in cells)
    ticks = page.locator(".js-plotly-plot").first.locator(".ytick text").all_text_contents()
    assert ticks and all(t.endswith("%") for t in ticks), ticks  # the chart shows the share, in percent
    shot(page, f"explore-breakdown-{code}")


def _bands_label(page, words: dict[str, str]) -> str:
    """The option naming birth_date by its bands, read from the open list (its range comes from the data)."""
    page.get_by_role("combobox", name=words["explore.group_by"]).click()
    option = page.get_by_role("option", name=re.compile(r"^birth_date: "))
    text = option.inner_text().strip()
    page.keyboard.press("Escape")
    prefix = words["explore.bands"].split("{width}")[0].format(column="birth_date")
    assert re.fullmatch(re.escape(prefix) + r"10, \d+-\d+ … \d+[-+]\d*", text), text
    return text
