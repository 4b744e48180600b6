"""The gate report page in a real browser: headless Chromium against a workspace built by the real pipeline."""

from __future__ import annotations

import pytest

from tests import browser
from tests.browser import shot
from tests.helpers_login import ensure_user, password_of

pytestmark = pytest.mark.browser


def test_steward_opens_the_gate_report_and_sees_the_verdict_and_charts(demo_workspace, app_url, page):
    if "gate_report.py" not in (browser.REPO / "app.py").read_text(encoding="utf-8"):
        pytest.skip("app.py does not list the gate report page yet (its st.Page line is in .report_pages.txt)")
    ws, dataset = demo_workspace
    ensure_user(ws, "stella", "steward")
    page.goto(app_url(ws.home))
    page.get_by_label("User name").fill("stella")
    page.get_by_label("Password", exact=True).fill(password_of("stella"))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Gate report").click()
    page.get_by_role("heading", name="Release gate report").wait_for()
    page.get_by_text("PASS").first.wait_for()
    page.get_by_text("Conclusions matched real data in").first.wait_for()
    page.get_by_role("heading", name="Correlation differences").wait_for()
    page.locator(".js-plotly-plot").nth(5).wait_for()
    page.set_viewport_size({"width": 1400, "height": 4200})  # the app scrolls inside; show verdict to fidelity
    page.wait_for_timeout(2500)  # let plotly redraw at the new size before the screenshot
    assert dataset in page.content()
    assert page.get_by_role("button", name="Download the report (HTML)", exact=True).is_visible()
    path = shot(page, "gate_report")
    assert path.stat().st_size > 50_000
