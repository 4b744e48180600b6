"""Empty cells of every grid in headless Chromium, in English and Russian (issue 19): Streamlit draws a missing
value as "None" on its canvas, which no accessible copy shows; the page records what the grids draw (the canvas's
``fillText``) and no grid of any page a role opens draws "None", "nan" or a raw timestamp. One app server serves
the module."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from sandbox.ui.i18n import EMPTY, UI
from tests.access_support import World, copy_world
from tests.browser import serve, shot, stop
from tests.helpers_login import ensure_user, password_of

pytestmark = pytest.mark.browser

RECORD_DRAWN = """(() => { window.__drawn = []; const draw = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.__drawn.push(String(text)); return draw.call(this, text, ...rest); }; })()"""
SETTLED = "!document.querySelector('[data-testid=\"stStatusWidget\"] button') && " \
          "!document.querySelector('[data-testid=\"stSpinner\"]')"
RAW = re.compile(r"^(None|none|null|nan|NaN|NaT|<NA>|True|False)$|\d{4}-\d\d-\d\dT\d\d:\d\d")
PEOPLE = {"ada": ("admin", None), "stella": ("steward", None), "mark": ("marketer", None)}


@pytest.fixture(scope="module")
def served(access_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    world = copy_world(access_world, tmp_path_factory.mktemp("grids") / "ws")
    for name, (role, seat) in PEOPLE.items():
        ensure_user(world.ws, name, role, seat)  # users without a seat, manager or e-mail: empty cells
    url, proc = serve(world.ws.home)
    yield url
    stop(proc)


def settle(pg) -> None:
    pg.wait_for_timeout(300)
    pg.wait_for_function(SETTLED, timeout=60_000)
    pg.wait_for_timeout(700)  # the grid draws on the next animation frames


@pytest.mark.parametrize(("name", "code"), [("ada", "en"), ("ada", "ru"), ("stella", "ru"), ("mark", "ru")])
def test_no_grid_draws_none_or_a_raw_value(served, page, name, code):
    words = UI[code]
    page.add_init_script(RECORD_DRAWN)
    page.goto(served)
    settle(page)
    if code == "ru":
        page.get_by_role("radiogroup", name=UI["en"]["lang.label"]).get_by_text("Русский", exact=True).click()
        page.get_by_role("heading", name=words["login.title"]).wait_for()
    page.get_by_label(words["login.name"]).fill(name)
    page.get_by_label(words["login.password"], exact=True).fill(password_of(name))
    page.get_by_role("button", name=words["login.submit"], exact=True).click()
    nav = page.get_by_test_id("stSidebarNav")
    nav.wait_for()
    titles = [link.inner_text().strip() for link in nav.get_by_role("link").all()]
    seen: dict[str, list[str]] = {}
    for title in titles:
        page.evaluate("window.__drawn.length = 0")
        nav.get_by_role("link", name=title, exact=True).click()
        page.get_by_role("heading").first.wait_for()
        settle(page)
        if page.locator("[data-testid='stDataFrame']").count():
            seen[title] = page.evaluate("window.__drawn")
    assert seen, f"{name} opened no page with a grid"
    raw = {title: sorted({d for d in drawn if RAW.search(d)}) for title, drawn in seen.items()}
    assert not any(raw.values()), raw
    if name == "ada":  # users without a seat or a manager: the users grid shows the dash
        assert EMPTY in seen[words["nav.users"]], seen[words["nav.users"]]
    shot(page, f"grids-{name}-{code}")
