"""Every page in both languages, as every role sees it, in headless Chromium (issue 19.2): a marketer, a council
member, a steward and an admin sign in, visit every page of their navigation (expanders opened, the Lab's test
run), and no word of the other language's alphabet is left that is UI text rather than data. One app server per
language serves the module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.council import acknowledge, check, submit
from sandbox.lab.hypothesis import HypothesisSpec, run_hypothesis
from sandbox.lab.proposals import ProposalForm, save_proposal
from sandbox.lab.query import Filter, Metric, Population, Split
from sandbox.ui.i18n import UI
from tests.browser import serve, shot, stop
from tests.conftest import MARKETER, STEWARD
from tests.helpers_login import ensure_user, password_of
from tests.ui_words import audit_words, catalog_codes, data_words, foreign_words, visible_text

pytestmark = pytest.mark.browser

PEOPLE = {"marketer": ("mark", "marketer", None), "council": ("selma", "council", "security"),
          "steward": ("stas", "steward", None), "admin": ("adam", "admin", None)}
FORMS = {  # the marketer's own words, in the language of the interface they were typed in
    "en": [dict(title="Email offer", change="an email offer", segment="email deals", outcome="win more deals",
                reason="email deals convert", channel="email", audience_size=800),
           dict(title="Phone before email", change="calling new leads first", segment="phone deals",
                outcome="win more deals", reason="phone deals convert better", channel="phone", audience_size=2000,
                third_parties=["CallCenter Ltd"])],
    "ru": [dict(title="Письмо с предложением", change="письмо с предложением", segment="сделки по почте",
                outcome="выиграем больше сделок", reason="письма продают", channel="email", audience_size=800),
           dict(title="Сначала звонить", change="звонить новым лидам первыми", segment="сделки по телефону",
                outcome="выиграем больше сделок", reason="звонки лучше продают", channel="phone",
                audience_size=2000, third_parties=["Колл-центр"])],
}
SETTLED = "!document.querySelector('[data-testid=\"stStatusWidget\"] button') && " \
          "!document.querySelector('[data-testid=\"stSpinner\"]')"


@pytest.fixture(scope="module", params=["en", "ru"])
def served(request, demo_workspace) -> Iterator[tuple[str, str, set[str]]]:
    """The app in one language, with a draft blocked by a hard flag and a proposal waiting for the council."""
    code = request.param
    ws, dataset = demo_workspace
    for name, role, seat in PEOPLE.values():
        ensure_user(ws, name, role, seat)
    spec = HypothesisSpec(dataset=dataset, population=Population(unit="deals"),
                          split=Split(table="deals", column="channel", b=["phone"], a=["email"]),
                          metric=Metric(kind="rate", table="deals", where=[Filter(table="deals", column="stage",
                                                                                  value="won")]))
    result = run_hypothesis(ws, MARKETER, spec)
    made = [save_proposal(ws, MARKETER, result, ProposalForm(**form, lang=code)) for form in FORMS[code]]
    waiting = made[0]  # submitted; the last one (blocked by a hard flag) is what the Proposal page opens
    for flag in check(ws, MARKETER, waiting.id).unacknowledged:
        acknowledge(ws, MARKETER, waiting.id, flag.rule, "записано / written: the offer is real")
    submit(ws, MARKETER, waiting.id)
    texts = [f"{k} {v}" for form in FORMS[code] for k, v in form.items()]
    allowed = data_words(ws, STEWARD, [*(p[0] for p in PEOPLE.values()), *(p.id for p in made), *texts,
                                       "записано / written: the offer is real"])
    url, proc = serve(ws.home, SANDBOX_LANG=code)
    yield url, code, allowed, ws
    stop(proc)


def settle(pg) -> None:
    """Wait until the script run and its spinners are over."""
    pg.wait_for_timeout(400)
    pg.wait_for_function(SETTLED, timeout=60_000)
    pg.wait_for_timeout(200)


def open_expanders(pg) -> None:
    for summary in pg.locator("[data-testid='stMain'] [data-testid='stExpander'] summary").all():
        summary.click()
    settle(pg)


def run_lab(pg, code: str) -> None:
    """Split deals by channel and test the default hypothesis, so the result card and the save form show."""
    words = UI[code]
    pg.get_by_role("combobox", name=words["lab.split_column"]).click()
    pg.get_by_role("option", name="channel", exact=True).click()
    pg.keyboard.press("Escape")
    settle(pg)
    pg.get_by_role("button", name=words["lab.run"], exact=True).click()
    pg.locator(".js-plotly-plot").first.wait_for()
    settle(pg)


@pytest.mark.parametrize("who", list(PEOPLE))
def test_every_page_speaks_one_language(served, page, who):
    url, code, allowed, ws = served
    name = PEOPLE[who][0]
    words = UI[code]
    page.goto(url)
    settle(page)
    found = {"sign-in": foreign_words(visible_text(page), code, allowed)}
    page.get_by_label(words["login.name"]).fill(name)
    page.get_by_label(words["login.password"], exact=True).fill(password_of(name))
    page.get_by_role("button", name=words["login.submit"], exact=True).click()
    nav = page.get_by_test_id("stSidebarNav")
    nav.wait_for()
    settle(page)
    titles = [link.inner_text().strip() for link in nav.get_by_role("link").all()]
    assert len(titles) >= 3, titles
    for title in titles:
        nav.get_by_role("link", name=title, exact=True).click()
        page.get_by_role("heading").first.wait_for()
        settle(page)
        if title == words["nav.lab"]:
            run_lab(page, code)
        open_expanders(page)
        known = allowed | (audit_words(ws) if title == words["nav.audit"] else set()) | \
            (catalog_codes() if title == words["nav.catalog"] and who == "steward" else set())
        found[title] = foreign_words(visible_text(page), code, known)
        page.set_viewport_size({"width": 1400, "height": 2400})
        shot(page, f"every-page-{code}-{who}-{title}")
        page.set_viewport_size({"width": 1400, "height": 1000})
    left = {title: words for title, words in found.items() if words}
    assert not left, "\n".join(f"{title}: " + "; ".join(f"{w!r} in “{line}”" for w, line in words.items())
                               for title, words in left.items())
