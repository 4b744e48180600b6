"""Council members in headless Chromium, in English and Russian (issue 19.8): after signing in they land on
their queue, its count in the page's name and in words (Babel's plurals), and after voting they see what they
voted, when, and where the proposal stands. One app server serves the module."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from sandbox.council import create_draft, submit
from sandbox.council.views import council_queue
from tests import council_support
from tests.browser import serve, shot, sign_in, stop
from tests.council_support import MARKETER, SECURITY_2, draft

pytestmark = pytest.mark.browser
council_ws = council_support.council_ws

WORDS = {
    "en": dict(heading="Council queue", open="Open", count=r"^\d+ proposals? waits? for your vote",
               vote="Request changes",
               reason="Reason (required)", cast="Cast vote", voted=r"You voted request changes on \d{4}-\d\d-\d\d"),
    "ru": dict(heading="Очередь совета", open="Открыть", count=r"^\d+ предложени[еяй] жд(ёт|ут) вашего голоса",
               vote="Запросить правки",
               reason="Обоснование (обязательно)", cast="Проголосовать",
               voted=r"Вы проголосовали «запросить правки» \d\d\.\d\d\.\d{4}"),
}


@pytest.fixture(scope="module")
def served(council_ws) -> Iterator[tuple[str, list[str]]]:
    pids = [submit(council_ws, MARKETER, create_draft(council_ws, MARKETER, draft(title=f"Queue idea {i}",
                                                                                   audience_size=900 + i)).id).id
            for i in (1, 2)]
    url, proc = serve(council_ws.home)
    yield url, pids
    stop(proc)


@pytest.mark.parametrize("code", ["en", "ru"])
def test_member_lands_on_the_queue_with_its_count_and_sees_the_vote_confirmed(served, council_ws, page, code):
    url, pids = served
    w = WORDS[code]
    waiting = len(council_queue(council_ws, SECURITY_2))
    assert waiting >= 1
    page.goto(url)
    sign_in(page, SECURITY_2.name)
    page.get_by_role("heading", name="Council queue").wait_for()  # the landing page, nothing clicked
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.get_by_role("link", name=f"Council queue ({waiting})", exact=True).count() == 1
    if code == "ru":
        page.get_by_role("radiogroup", name="Language").get_by_text("Русский", exact=True).first.click()
        page.get_by_role("heading", name=w["heading"]).wait_for()
    count = page.get_by_text(re.compile(w["count"]))
    count.wait_for()
    assert count.inner_text().startswith(f"{waiting} ")
    pid = pids[0] if code == "en" else pids[1]
    # the innermost row naming the proposal (an enclosing block holds every row's button)
    page.locator("div.stHorizontalBlock", has_text=f"{pid}:").last.get_by_role("button", name=w["open"],
                                                                               exact=True).click()
    page.get_by_role("heading", name=re.compile(f"^{pid}:")).wait_for()
    page.get_by_text(w["vote"], exact=True).click()
    page.get_by_label(w["reason"]).fill("name the store chain the pilot runs in")
    page.get_by_role("button", name=w["cast"], exact=True).click()
    page.get_by_text(re.compile(w["voted"])).wait_for()  # the confirmation stays on the page
    shot(page, f"council-queue-voted-{code}")
    page.goto(url)  # a new visit: still signed in and in the same language (cookies), on the queue, one fewer
    page.get_by_role("heading", name=w["heading"]).wait_for()
    assert page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name=f"{w['heading']} ({waiting - 1})", exact=True).count() == 1
