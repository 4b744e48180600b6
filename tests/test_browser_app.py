"""The app in a real browser: headless Chromium against a workspace built by the real pipeline."""

from __future__ import annotations

import pytest

from tests.browser import shot
from tests.helpers_login import ensure_user, password_of

pytestmark = pytest.mark.browser


def test_marketer_sees_published_dataset_and_browses_it(demo_workspace, app_url, page):
    ws, dataset = demo_workspace
    ensure_user(ws, "mark", "marketer")
    url = app_url(ws.home)
    page.goto(url)
    page.get_by_label("User name").fill("mark")
    page.get_by_label("Password", exact=True).fill(password_of("mark"))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text(dataset).first.wait_for()
    page.get_by_text("PASS").first.wait_for()
    shot(page, "datasets")
    page.get_by_role("link", name="Explore").click()
    page.get_by_text("rows,").first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    shot(page, "explore")
