"""Access in a real browser: a marketer signs in and cannot reach the vault or the admin pages; an admin signs
in and reads the audit log (headless Chromium against the app served by Streamlit)."""

from __future__ import annotations

import pytest

from tests.access_support import World
from tests.browser import shot, sign_in
from tests.helpers_login import ensure_user

pytestmark = pytest.mark.browser


def _sign_in(page, name: str) -> None:
    sign_in(page, name)


def test_marketer_is_kept_from_vault_and_admin_pages_and_admin_reads_the_audit_log(world: World, app_url, page):
    ensure_user(world.ws, "mark", "marketer")
    ensure_user(world.ws, "ada", "admin")
    url = app_url(world.ws.home)

    page.goto(url)
    page.get_by_text("Sign in to CRM Sandbox").wait_for()
    shot(page, "access-sign-in")
    _sign_in(page, "mark")
    page.get_by_text(world.dataset).first.wait_for()
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("Datasets").wait_for()
    links = nav.inner_text()
    assert "Explore" in links and "Export" in links
    assert not any(name in links for name in ("Vault", "Users", "Audit log"))
    shot(page, "access-marketer-datasets")

    for path in ("vault", "users"):  # typing the address: still signed in (the session cookie), still refused
        page.goto(f"{url}/{path}")
        page.get_by_text(world.dataset).first.wait_for()  # the default page, not the one asked for
        assert page.get_by_role("heading", name="Vault").count() == 0
        assert page.get_by_role("heading", name="Users").count() == 0
        assert page.get_by_role("heading", name="Audit log").count() == 0
        shot(page, f"access-marketer-{path}-refused")

    page.keyboard.press("Escape")  # Streamlit's "page not found" notice for the page this user may not see
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, "ada")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Audit log").click()
    page.get_by_role("heading", name="Audit log").wait_for()
    page.get_by_label("Who").fill("mark")
    page.get_by_label("Action (or prefix ending in '.')").fill("login")
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_text("1 newest matching event").wait_for()  # the marketer's one sign-in (reloads kept it)
    shot(page, "access-admin-audit-log")
