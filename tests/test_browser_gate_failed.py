"""A gate that fails on purpose (a strict workspace setting), read in headless Chromium in English and Russian
(issue 19): the gate stores its reasons as records (in the report and the audit event), the page says them in the
reader's language with the language's numbers, and nothing on the Russian page is English; a wrong password on
the sign-in page is refused in the page's language too. One app server serves the module."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from sandbox.council import request_gate_override
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.ui.i18n import UI
from tests.access_support import SOURCE, STEWARD, World, copy_world, write_settings
from tests.browser import serve, shot, stop
from tests.helpers_login import ensure_user, password_of
from tests.ui_words import data_words, foreign_words, visible_text

pytestmark = pytest.mark.browser

# quality must reach 99% whatever real rows score against each other, and every link must keep 99% of its shape
STRICT = {"min_quality": 0.99, "quality_ceiling_margin": -1.0, "min_link_quality": 0.99}
SETTLED = "!document.querySelector('[data-testid=\"stStatusWidget\"] button') && " \
          "!document.querySelector('[data-testid=\"stSpinner\"]')"
REASON = {"en": r"^Quality \d+\.\d% is below 99\.0%\.$", "ru": r"^Качество \d+,\d% ниже 99,0%\.$"}


@pytest.fixture(scope="module")
def failed(access_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World, dict]]:
    world = copy_world(access_world, tmp_path_factory.mktemp("gate-failed") / "ws")
    ws = write_settings(world.ws, gate=STRICT)
    ensure_user(ws, "stella", "steward")
    ensure_user(ws, "selma", "council", "security")
    report = evaluate(ws, STEWARD, world.dataset)
    staged = synthesize(ws, STEWARD, SOURCE, seed=2).id  # a second dataset, failed and so never published
    assert evaluate(ws, STEWARD, staged)["gate"] == "fail"
    request_gate_override(ws, STEWARD, staged, "качество ниже только в полях, которые мы не используем")
    url, proc = serve(ws.home)
    yield url, World(ws=ws, dataset=world.dataset, snapshot=world.snapshot, export=world.export), report
    stop(proc)


def settle(pg) -> None:
    pg.wait_for_timeout(300)
    pg.wait_for_function(SETTLED, timeout=60_000)
    pg.wait_for_timeout(200)


def test_the_gate_stores_records_not_sentences(failed):
    _, world, report = failed
    assert report["gate"] == "fail"
    codes = [r["code"] for r in report["reasons"]]
    assert "quality" in codes, report["reasons"]
    quality = next(r for r in report["reasons"] if r["code"] == "quality")
    assert quality["limit"] == 0.99 and quality["value"] < 0.99 and quality["ceiling"] is None
    event = audit.events(world.ws, User(name="ada", role="admin"), audit.AuditFilter(action="evaluate",
                                                                                          object=world.dataset))[-1]
    details = event["details"] if isinstance(event["details"], dict) else json.loads(event["details"])
    assert details["reasons"] == report["reasons"]  # the audit event holds the same records


@pytest.mark.parametrize("code", ["en", "ru"])
def test_the_failed_gate_and_a_wrong_password_in_the_readers_language(failed, page, code):
    url, world, report = failed
    words = UI[code]
    page.goto(url)
    settle(page)
    if code == "ru":
        page.get_by_role("radiogroup", name=UI["en"]["lang.label"]).get_by_text("Русский", exact=True).click()
        page.get_by_role("heading", name=words["login.title"]).wait_for()
    page.get_by_label(words["login.name"]).fill("stella")
    page.get_by_label(words["login.password"], exact=True).fill("not the password")
    page.get_by_role("button", name=words["login.submit"], exact=True).click()
    page.get_by_text(words["error.login.wrong"], exact=True).wait_for()  # refused in the page's language
    page.get_by_label(words["login.password"], exact=True).fill(password_of("stella"))
    page.get_by_role("button", name=words["login.submit"], exact=True).click()
    nav = page.get_by_test_id("stSidebarNav")
    nav.wait_for()
    nav.get_by_role("link", name=words["nav.gate"]).click()
    page.get_by_role("heading", name=words["gate.title"]).wait_for()
    settle(page)
    page.get_by_role("combobox", name=words["gate.dataset"]).click()  # the published one, failed on re-evaluation
    page.get_by_role("option", name=re.compile(re.escape(world.dataset))).click()
    settle(page)
    page.get_by_text(words["datasets.fail"], exact=True).first.wait_for()
    reason = page.get_by_text(re.compile(REASON[code])).first
    reason.wait_for()
    # Markdown draws a link's arrow "->" as "→"
    shown = [li.inner_text().replace("→", "->") for li in page.locator("[data-testid='stMain'] li").all()]
    assert len([s for s in shown if s in said(report, code)]) == len(report["reasons"]), shown
    page.set_viewport_size({"width": 1400, "height": 3000})
    shot(page, f"gate-failed-{code}")
    commands = [c.inner_text() for c in page.locator("[data-testid='stMain'] code").all()]  # code, not words
    left = foreign_words(visible_text(page), code, data_words(world.ws, STEWARD, ["stella", *commands]))
    assert not left, left
    # the Datasets page's gate evidence says the same reasons in the same language
    page.set_viewport_size({"width": 1400, "height": 1000})
    nav.get_by_role("link", name=words["nav.datasets"]).click()
    page.get_by_role("heading", name=words["datasets.title"]).wait_for()
    settle(page)
    page.locator("[data-testid='stExpander'] summary").first.click()
    page.locator("[data-testid='stExpander']").first.get_by_text(re.compile(REASON[code])).wait_for()


def test_the_council_reads_a_gate_override_with_the_reasons_in_russian(failed, page):
    url, world, report = failed
    words = UI["ru"]
    page.goto(url)
    settle(page)
    page.get_by_role("radiogroup", name=UI["en"]["lang.label"]).get_by_text("Русский", exact=True).click()
    page.get_by_label(words["login.name"]).fill("selma")
    page.get_by_label(words["login.password"], exact=True).fill(password_of("selma"))
    page.get_by_role("button", name=words["login.submit"], exact=True).click()
    nav = page.get_by_test_id("stSidebarNav")
    nav.wait_for()
    nav.get_by_role("link", name=words["nav.proposal"]).click()
    page.get_by_role("heading", name=words["proposal.title"]).wait_for()
    settle(page)
    open_all(page)
    gate = words["proposal.gate_reason"].split("{")[0]
    page.get_by_text(re.compile("^" + re.escape(gate) + REASON["ru"][1:])).first.wait_for()
    page.set_viewport_size({"width": 1400, "height": 2400})
    shot(page, "gate-override-ru")
    commands = [c.inner_text() for c in page.locator("[data-testid='stMain'] code").all()]
    known = data_words(world.ws, STEWARD, ["selma", "stella", *commands]) - {"publish", "despite", "its", "release",
                                                                            "gate"}  # the product's own title
    left = foreign_words(visible_text(page), "ru", known)
    assert not left, left
    page.get_by_role("heading", name=re.compile("Опубликовать .* вопреки контролю выпуска")).wait_for()


def open_all(pg) -> None:
    for summary in pg.locator("[data-testid='stMain'] [data-testid='stExpander'] summary").all():
        summary.click()
    settle(pg)


def said(report: dict, code: str) -> list[str]:
    from sandbox.release.gate_reasons import reasons_words

    return reasons_words(report["reasons"], code)
