"""The app in a real browser: headless Chromium against a workspace built by the real pipeline."""

from __future__ import annotations

import pytest

from tests.browser import shot, sign_in
from tests.helpers_login import ensure_user, password_of

pytestmark = pytest.mark.browser


def test_marketer_sees_published_dataset_and_browses_it(demo_workspace, app_url, page):
    ws, dataset = demo_workspace
    ensure_user(ws, "mark", "marketer")
    url = app_url(ws.home)
    page.goto(url)
    sign_in(page, "mark")
    page.get_by_text(dataset).first.wait_for()
    page.get_by_text("PASS").first.wait_for()
    shot(page, "datasets")
    page.get_by_role("link", name="Explore").click()
    page.get_by_text("rows,").first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    shot(page, "explore")


def test_a_reload_keeps_the_sign_in_and_sign_out_ends_it(demo_workspace, app_url, page):
    """The session survives a reload and a new tab (a SameSite=Strict cookie that expires with the session);
    signing out ends it in the store and in the browser: a reload then shows the sign-in form."""
    ws, dataset = demo_workspace
    ensure_user(ws, "remi", "marketer")
    url = app_url(ws.home)
    page.goto(url)
    sign_in(page, "remi")
    page.get_by_text(dataset).first.wait_for()
    page.wait_for_function("document.cookie.includes('crm_sandbox_session=')")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "crm_sandbox_session"]
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    page.reload()
    page.get_by_text("Signed in as").first.wait_for()
    page.get_by_text(dataset).first.wait_for()
    assert page.get_by_label("User name").count() == 0
    other = page.context.new_page()
    other.goto(url)
    other.get_by_text("Signed in as").first.wait_for()
    other.close()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("User name").wait_for()
    page.wait_for_function("!document.cookie.includes('crm_sandbox_session=')")
    page.reload()
    page.get_by_label("User name").wait_for()
    assert page.get_by_text("Signed in as").count() == 0


def test_the_russian_interface_is_russian_from_the_sign_in_on(demo_workspace, app_url, page):
    """Issue 19.2: the language is chosen on the sign-in page and holds for the navigation, the account sidebar
    and the steward's pages (Vault, Users, Audit log, Export, Catalog)."""
    ws, dataset = demo_workspace
    ensure_user(ws, "stas", "steward")
    page.goto(app_url(ws.home))
    page.get_by_text("Русский").first.click()
    page.get_by_role("heading", name="Вход в CRM Sandbox").wait_for()
    page.get_by_label("Имя пользователя").fill("stas")
    page.get_by_label("Пароль", exact=True).fill(password_of("stas"))
    page.get_by_role("button", name="Войти", exact=True).click()
    page.get_by_text(dataset).first.wait_for()
    nav = page.get_by_test_id("stSidebarNav")
    for name in ("Наборы данных", "Обзор данных", "Хранилище", "Каталог", "Выгрузка"):
        nav.get_by_text(name, exact=True).wait_for()
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "Вы вошли как" in sidebar and "стюард данных" in sidebar and "Signed in" not in sidebar
    page.get_by_role("button", name="Выйти").wait_for()
    nav.get_by_text("Хранилище", exact=True).click()
    page.get_by_role("heading", name="Хранилище").wait_for()
    page.get_by_text("Снимок").first.wait_for(state="attached")  # a grid's header (drawn on a canvas)
    nav.get_by_text("Выгрузка", exact=True).click()
    page.get_by_role("heading", name="Выгрузка").wait_for()
    page.get_by_text("Строки таблицы").first.wait_for()
    shot(page, "ru-export")
    assert page.get_by_text("Rows of a table").count() == 0
    page.wait_for_function("document.cookie.includes('crm_sandbox_lang=ru')")
    page.reload()  # the browser remembers the language (and the sign-in) across a reload
    page.get_by_test_id("stSidebarNav").get_by_text("Наборы данных", exact=True).wait_for()
    assert page.get_by_test_id("stSidebarNav").get_by_text("Datasets", exact=True).count() == 0
