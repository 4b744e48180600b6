"""The council flow in a real browser (headless Chromium against the real app.py): a marketer proposes,
sees the red flags and acknowledges them, two council members vote in their own sessions, and the
marketer downloads the rollout packet of the approved proposal."""

from __future__ import annotations

import re

import pytest

from sandbox.council import create_draft
from tests import council_support
from tests.browser import REPO, shot
from tests.council_support import MARKETER, draft
from tests.helpers_login import password_of

pytestmark = pytest.mark.browser
council_ws = council_support.council_ws


def _sign_in(pg, url: str, name: str) -> None:
    pg.goto(url)
    pg.get_by_label("User name").fill(name)
    pg.get_by_role("textbox", name="Password").fill(password_of(name))
    pg.get_by_role("button", name="Sign in", exact=True).click()
    pg.get_by_text(f"Signed in as {name}").wait_for()


def _open(pg, pid: str) -> None:
    """Open a proposal from the list on the current page."""
    pg.locator("div.stHorizontalBlock", has_text=f"{pid}:").get_by_role("button", name="Open", exact=True).click()
    pg.get_by_role("heading", name=re.compile(f"^{pid}:")).wait_for()


def test_propose_flag_acknowledge_vote_approve_download(council_ws, app_url, page, tmp_path):
    assert "council_queue.py" in (REPO / "app.py").read_text(), "add the lines of .council_pages.txt to app.py"
    url = app_url(council_ws.home)

    # a marketer's draft (saved from the Lab's form, tests/test_browser_lab.py) is on "My proposals", which
    # offers the way to the Lab and no hand-written YAML
    pid = create_draft(council_ws, MARKETER, draft(title="Browser flow idea", audience_size=30_000,
                                                   message="Last chance: the silver upgrade ends on Sunday")).id
    _sign_in(page, url, "mark")
    page.get_by_role("link", name="My proposals").click()
    page.get_by_text(f"{pid}: Browser flow idea").wait_for()
    page.get_by_role("button", name="Open the Hypothesis Lab").wait_for()
    assert page.get_by_role("textbox").count() == 0
    shot(page, "council-1-proposed")

    # the flags show on the proposal page; both soft flags are acknowledged, then it is submitted
    _open(page, pid)
    page.get_by_text("Large audience (needs a written reason)").wait_for()  # flags by name, not by rule id
    page.get_by_text("Emotional pressure in the message (needs a written reason)").wait_for()
    assert page.get_by_role("button", name="Submit to the council", exact=True).is_disabled()
    shot(page, "council-2-flags")
    for flag, reason in (("Large audience", "the silver tier has 30,000 customers; all of them are the test"),
                         ("Emotional pressure in the message",
                          "the upgrade offer really ends on Sunday; no false urgency")):
        page.get_by_label(f"Why go ahead despite “{flag}”?").fill(reason)
        page.get_by_role("button", name=f"Acknowledge “{flag}”", exact=True).click()
        page.get_by_text(f"“{flag}” acknowledged.").wait_for()
    page.get_by_role("button", name="Submit to the council", exact=True).click()
    page.get_by_text(f"{pid} submitted").wait_for()
    shot(page, "council-3-submitted")

    # two council members vote, each in their own browser session
    for name, reason in (("selma", "no data leaves the company; tiers are coarse"),
                         ("mia", "a fair offer with a real deadline")):
        member = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        member.set_default_timeout(30_000)
        _sign_in(member, url, name)
        member.get_by_role("link", name="Council queue").click()
        member.get_by_text(f"{pid}: Browser flow idea").wait_for()
        if name == "selma":
            shot(member, "council-4-queue")
        _open(member, pid)
        member.get_by_text("Approve", exact=True).click()
        member.get_by_label("Reason (required)").fill(reason)
        member.get_by_role("button", name="Cast vote", exact=True).click()
        member.get_by_text(re.compile(rf"Approvals so far: .*\({name}\)")).wait_for()
        member.get_by_text("Vote recorded").scroll_into_view_if_needed()
        shot(member, f"council-5-voted-{name}")
        member.context.close()

    # approved: the marketer downloads the rollout packet
    page.get_by_role("link", name="My proposals").click()
    _open(page, pid)
    page.get_by_text("Approved · version 1").wait_for()
    page.get_by_role("button", name="Prepare packet", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download rollout packet", exact=True).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    shot(page, "council-6-packet")
    text = path.read_text()
    assert path.name == f"{pid}-rollout.md"
    assert text.startswith(f"# Rollout packet {pid}: Browser flow idea")
    assert "| selma | security | approve |" in text and "| mia | marketing | approve |" in text
    assert 'FROM "customers"' in text
    with council_ws.governance() as g:
        logged = g.execute("SELECT actor FROM audit WHERE action = 'proposal.packet' AND object = ?", [pid]).fetchall()
    assert logged == [("mark",)]
