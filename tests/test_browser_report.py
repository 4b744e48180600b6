"""The gate report page in a real browser, in English and Russian (issue 19.4): the verdict, the memorization
rule in words that agree with it (the limit shown beside the chance bound that decided), and the DCR charts
drawn as shares side by side. Headless Chromium against a workspace built by the real pipeline."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import serve, shot, sign_in, stop
from tests.helpers_login import ensure_user

pytestmark = pytest.mark.browser

WORDS = {
    "en": dict(title="Release gate report", verdict="PASS",
               rule=r"Closer to training rows \d+\.\d%: .*, so it passes\.",
               chart="how far synthetic rows are from real rows", corr="Correlation differences",
               download="Download the report (HTML)", quality=r"^Overall quality \d+% \(the gate asks",
               fidelity=r"^Conclusions matched real data in \d+%"),
    "ru": dict(title="Отчёт контроля выпуска", verdict="ПРОЙДЕНА",
               rule=r"Ближе к обучающим строкам \d+,\d%: .*, поэтому проверка пройдена\.",
               chart="насколько синтетические строки далеки от реальных", corr="Разница корреляций",
               download="Скачать отчёт (HTML)", quality=r"^Общее качество \d+% \(контроль требует",
               fidelity=r"^Выводы совпали с реальными данными в \d+%"),
}


@pytest.fixture(scope="module")
def served(demo_workspace) -> Iterator[tuple[str, str]]:
    ws, dataset = demo_workspace
    ensure_user(ws, "stella", "steward")
    url, proc = serve(ws.home)
    yield url, dataset
    stop(proc)


@pytest.mark.parametrize("code", ["en", "ru"])
def test_steward_reads_the_verdict_the_rule_that_decided_and_the_charts(served, page, code):
    url, dataset = served
    w = WORDS[code]
    page.goto(url)
    sign_in(page, "stella")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Gate report").click()
    page.get_by_role("heading", name="Release gate report").wait_for()
    if code == "ru":
        page.get_by_role("radiogroup", name="Language").get_by_text("Русский", exact=True).first.click()
        page.get_by_role("heading", name=w["title"]).wait_for()
    page.get_by_text(w["verdict"], exact=True).first.wait_for()
    rule = page.get_by_text(re.compile(w["rule"])).first
    rule.wait_for()
    above, chance = {"en": (": above", "within chance"), "ru": (": больше", "в пределах случайности")}[code]
    assert above not in rule.inner_text() or chance in rule.inner_text()  # a limit passed only by chance says so
    page.get_by_text(re.compile(w["quality"])).first.wait_for()  # the measures in the page's language
    page.get_by_text(re.compile(w["fidelity"])).first.wait_for()
    page.get_by_role("heading", name=w["corr"]).wait_for()
    page.locator(".js-plotly-plot").nth(5).wait_for()
    assert page.get_by_text(w["chart"]).count() >= 1  # the DCR chart's title, in the page's language
    page.set_viewport_size({"width": 1400, "height": 4200})  # the app scrolls inside; show verdict to fidelity
    page.wait_for_timeout(2500)  # let plotly redraw at the new size before the screenshot
    assert dataset in page.content()
    assert page.get_by_role("button", name=w["download"], exact=True).is_visible()
    path = shot(page, f"gate_report-{code}")
    assert path.stat().st_size > 50_000
