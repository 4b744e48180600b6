"""Row-level data leaves only through Export (issue 18.1): in headless Chromium, no grid on any page offers
"Download as CSV" or copies its cells to the clipboard, for a marketer (Explore's rows, in English and in
Russian), an admin (Users, Audit log), a steward (Vault) and the council's security seat (Audit log). One app
server serves the whole module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.ui.i18n import UI
from tests.browser import serve, shot, sign_in, stop
from tests.helpers_login import ensure_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(demo_workspace) -> Iterator[str]:
    ws, _ = demo_workspace
    for name, role, seat in (("mark", "marketer", None), ("ada", "admin", None), ("stella", "steward", None),
                             ("sela", "council", "security")):
        ensure_user(ws, name, role, seat)
    url, proc = serve(ws.home)
    yield url
    stop(proc)


def _sign_in(page, url: str, name: str, path: str = "") -> None:
    page.goto(f"{url}/{path}")
    sign_in(page, name)


def _grids_offer_no_export(page, at_least: int = 1) -> int:
    """Hover every grid until its toolbar shows; none may offer a download, and Ctrl+C copies nothing."""
    grids = page.get_by_test_id("stDataFrame")
    grids.first.wait_for()
    count = grids.count()
    assert count >= at_least
    for i in range(count):
        grid = grids.nth(i)
        grid.scroll_into_view_if_needed()
        grid.hover()
        toolbar = page.get_by_test_id("stElementToolbar").nth(i)
        toolbar.get_by_role("button", name="Search").wait_for()  # the toolbar is drawn...
        assert toolbar.get_by_role("button", name="Download as CSV").count() == 0  # ...without a download
        box = grid.bounding_box()
        page.evaluate("navigator.clipboard.writeText('clipboard untouched')")
        page.mouse.click(box["x"] + 60, box["y"] + 55)  # a data cell of the first row
        page.keyboard.press("ControlOrMeta+c")
        page.wait_for_timeout(300)
        assert page.evaluate("navigator.clipboard.readText()") == "clipboard untouched"
    return count


@pytest.fixture()
def clip_page(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    return page


@pytest.mark.parametrize("code", ["en", "ru"])
def test_marketer_rows_grid_offers_no_download(served, clip_page, code):
    page = clip_page
    _sign_in(page, served, "mark", "explore")
    page.get_by_role("link", name="Explore").click()
    page.get_by_role("heading", name=UI["en"]["explore.title"]).wait_for()
    if code == "ru":
        page.get_by_role("radiogroup", name="Language").get_by_text("Русский", exact=True).first.click()
        page.get_by_role("heading", name=UI["ru"]["explore.title"]).wait_for()
    page.get_by_role("tab", name=UI[code]["explore.tab_rows"]).click()
    _grids_offer_no_export(page)
    shot(page, f"export-controls-explore-rows-{code}")


@pytest.mark.parametrize(("who", "links"), [("ada", ["Users", "Audit log"]), ("stella", ["Vault"]),
                                            ("sela", ["Audit log"])])
def test_admin_and_steward_grids_offer_no_download(served, clip_page, who, links):
    page = clip_page
    _sign_in(page, served, who)
    for link in links:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
        page.get_by_role("heading", name=link).wait_for()
        _grids_offer_no_export(page)
        shot(page, f"export-controls-{link.lower().replace(' ', '-')}")
