"""The access pages through Streamlit's AppTest: sign-in, the rule for sessions, and role-gated pages that
refuse (through the library) when reached by a role that may not see them."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sandbox.governance import audit, notify
from sandbox.governance.access import User
from sandbox.governance.users import disable_user
from tests.access_support import World
from tests.helpers_login import ensure_user, login_as, password_of

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "sandbox" / "ui" / "pages"
ADMIN = User(name="ada", role="admin")


@pytest.fixture()
def app_world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("SANDBOX_HOME", str(world.ws.home))
    return world


def _page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / name) if name != "app.py" else str(REPO / name), default_timeout=60)


def test_a_user_put_in_the_session_without_a_valid_token_gets_the_sign_in_form(app_world: World):
    at = _page("datasets.py")
    at.session_state["user"] = User(name="stella", role="steward")
    at.session_state["session_token"] = "made-up"
    at.run()
    assert not at.exception
    assert "Sign in to CRM Sandbox" in [t.value for t in at.title]
    assert app_world.dataset not in [s.value for s in at.subheader]


def test_signing_in_with_the_form(app_world: World):
    ensure_user(app_world.ws, "mark", "marketer")
    at = _page("app.py").run()
    assert at.title[0].value == "Sign in to CRM Sandbox"
    at.text_input[0].input("mark")
    at.text_input[1].input("not the password")
    at.button[0].click().run()
    assert "wrong name or password" in at.error[0].value.lower()
    at.text_input[0].input("mark")
    at.text_input[1].input(password_of("mark"))
    at.button[0].click().run()
    assert not at.exception
    assert app_world.dataset in [s.value for s in at.subheader]
    assert at.session_state["user"] == User(name="mark", role="marketer")


def test_a_disabled_user_is_out_on_the_next_rerun(app_world: World):
    at = _page("datasets.py")
    login_as(at, app_world.ws, "mark", "marketer")
    at.run()
    assert app_world.dataset in [s.value for s in at.subheader]
    ensure_user(app_world.ws, "ada", "admin")
    disable_user(app_world.ws, ADMIN, "mark")
    at.run()
    assert "Sign in to CRM Sandbox" in [t.value for t in at.title]
    assert "disabled" in at.warning[0].value
    assert app_world.dataset not in [s.value for s in at.subheader]


@pytest.mark.parametrize(
    ("page", "allowed", "denied"),
    [
        ("vault.py", ("stella", "steward", None), ("mark", "marketer", None)),
        ("vault.py", ("stella", "steward", None), ("ada", "admin", None)),
        ("users.py", ("ada", "admin", None), ("stella", "steward", None)),
        ("audit_log.py", ("ada", "admin", None), ("mark", "marketer", None)),
        ("audit_log.py", ("selma", "council", "security"), ("mia", "council", "marketing")),
        ("exports.py", ("mark", "marketer", None), ("ada", "admin", None)),
    ],
)
def test_a_page_works_for_its_roles_and_refuses_the_others(app_world: World, page: str, allowed: tuple,
                                                           denied: tuple):
    at = _page(page)
    login_as(at, app_world.ws, *allowed)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at = _page(page)
    login_as(at, app_world.ws, *denied)
    at.run()
    assert not at.exception
    assert "not allowed" in at.error[0].value


def test_the_export_page_exports_with_a_justification_and_tells_the_manager(app_world: World):
    ensure_user(app_world.ws, "mia", "council", "marketing")
    ensure_user(app_world.ws, "mark", "marketer", manager="mia")
    at = _page("exports.py")
    login_as(at, app_world.ws, "mark", "marketer")
    at.run()
    at.number_input[0].set_value(7)
    at.text_area[0].input("Lookalike audience for the spring campaign")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "7 rows" in at.success[0].value
    assert notify.pending(app_world.ws, "mia")[0]["kind"] == "export"


def test_the_audit_log_page_filters_and_prepares_an_export(app_world: World):
    at = _page("audit_log.py")
    login_as(at, app_world.ws, "ada", "admin")
    at.run()
    at.text_input[1].input("publish")
    at.button[0].click().run()
    assert list(at.dataframe[0].value["Action"]) == ["publish"]
    next(b for b in at.button if b.label == "Prepare CSV export").click().run()
    assert not at.exception
    assert [e.type for e in at.get("download_button")] == ["download_button"]
    exported = audit.events(app_world.ws, ADMIN, audit.AuditFilter(action="audit.export"))
    assert exported[-1]["actor"] == "ada"


def test_show_more_asks_for_a_reason_and_logs_it(app_world: World):
    at = _page("datasets.py")
    login_as(at, app_world.ws, "mark", "marketer")
    at.run()
    assert at.button(key=f"more-{app_world.dataset}").disabled
    at.selectbox(key=f"why-{app_world.dataset}").select("investigation").run()
    at.button(key=f"more-{app_world.dataset}").click().run()
    assert not at.exception
    assert "tables" in at.json[-1].value
    [event] = audit.events(app_world.ws, ADMIN, audit.AuditFilter(action="reveal"))
    assert (event["actor"], event["reason"]) == ("mark", "investigation")
