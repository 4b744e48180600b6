"""Errors a marketer, council member, steward or admin can meet in the app, said in the page's language (issue 19):
every case the library names (``code=``) has words in English and Russian with the same values; raised for real
(a real workspace, real DuckDB) each is said in Russian without an English word; and through the pages themselves
(Streamlit's AppTest, the interface in Russian) sign-in, session, export, users, council and catalog errors reach
the page in Russian."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sandbox.errors import SandboxError
from sandbox.governance.access import User
from sandbox.ui.i18n import UI
from tests.access_support import SOURCE, STEWARD, World, copy_world, write_settings
from tests.helpers_login import ensure_user, login_as, password_of
from tests.ui_words import data_words, foreign_words

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "sandbox" / "ui" / "pages"
MARKETER = User(name="mark", role="marketer")
ADMIN = User(name="ada", role="admin")
COUNCIL = User(name="selma", role="council", seat="security")
# codes built in an f-string at the raise site, with every value they take
FAMILIES = {r"override\.\{": ["override.published", "override.passed"],
            r"session\.\{": ["session.disabled", "session.expired", "session.idle"]}


def _codes() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "sandbox").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"""code=["']([a-z_]+(?:\.[a-z_]+)*)["']""", text))
        found |= set(re.findall(r"""["']code["']: ["']([a-z_]+(?:\.[a-z_]+)+)["']""", text))  # not gate reasons
        for pattern, codes in FAMILIES.items():
            if re.search(r"code=f[\"']" + pattern, text):
                found |= set(codes)
    return found


def test_every_error_the_library_names_has_words_in_both_languages():
    codes = _codes()
    assert len(codes) >= 50, sorted(codes)  # the cases found in the sources, not a list kept by hand
    for code in sorted(codes):
        en, ru = UI["en"].get(f"error.{code}"), UI["ru"].get(f"error.{code}")
        assert en and ru, f"error.{code} has no words in {'English' if not en else 'Russian'}"
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", ru)), code
        assert not foreign_words(re.sub(r"\{\w+\}", "", ru), "ru", {"utc"}), (code, ru)


def _said(exc: SandboxError, lang: str) -> str:
    from sandbox.ui.error_words import said

    st.session_state["lang"] = lang  # outside a script run Streamlit keeps a plain session state
    try:
        return said(exc)
    finally:
        del st.session_state["lang"]


@pytest.fixture(scope="module")
def ru_world(access_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, set[str]]]:
    """A private copy of the access world with a marketer, an admin, a council member and a submitted proposal;
    and the words that are its data (names, tables, columns, values, ids)."""
    from sandbox.council import acknowledge, check, submit
    from sandbox.lab.hypothesis import HypothesisSpec, run_hypothesis
    from sandbox.lab.proposals import ProposalForm, save_proposal
    from sandbox.lab.query import Filter, Metric, Population, Split

    world = copy_world(access_world, tmp_path_factory.mktemp("errors") / "ws")
    ws = world.ws
    for user in (MARKETER, ADMIN, COUNCIL, STEWARD):
        ensure_user(ws, user.name, user.role, user.seat)
    spec = HypothesisSpec(dataset=world.dataset, population=Population(unit="deals"),
                          split=Split(table="deals", column="channel", b=["phone"], a=["email"]),
                          metric=Metric(kind="rate", table="deals",
                                        where=[Filter(table="deals", column="stage", value="won")]))
    result = run_hypothesis(ws, MARKETER, spec)
    form = ProposalForm(title="Звонить первыми", change="звонок", segment="сделки", outcome="больше сделок",
                        reason="звонки продают", channel="phone", audience_size=300, lang="ru")
    p = save_proposal(ws, MARKETER, result, form)
    for flag in check(ws, MARKETER, p.id).unacknowledged:
        acknowledge(ws, MARKETER, p.id, flag.rule, "обоснование записано")
    submit(ws, MARKETER, p.id)
    typed = ["lots", "no_such_dataset", "nothing", "olga", "smith"]  # what the tests type in
    yield world, data_words(ws, STEWARD, ["utc", p.id, "ada", "mark", "selma", "stella", *typed])


def _raised(call: Callable[[], object]) -> SandboxError:
    with pytest.raises(SandboxError) as caught:
        call()
    return caught.value


def _library_errors(world: World) -> dict[str, Callable[[], object]]:
    """Calls a page makes, with what a user can get wrong, raising for real."""
    from sandbox.catalog.edit import ColumnChange, change
    from sandbox.council import (
        acknowledge,
        export_packet,
        list_proposals,
        request_gate_override,
        submit,
        vote,
        withdraw,
    )
    from sandbox.duties.exports import export_rows
    from sandbox.governance.users import add_user, authenticate, set_role, validate_session
    from sandbox.lab.hypothesis import HypothesisSpec, run_hypothesis
    from sandbox.lab.query import Filter, Metric, Population, Split

    ws, ds = world.ws, world.dataset
    pid = list_proposals(ws, COUNCIL)[0].id
    deals = Population(unit="deals", filters=[Filter(table="deals", column="amount", op=">", value="lots")])
    won = Metric(kind="rate", table="deals", where=[Filter(table="deals", column="stage", value="won")])
    split = Split(table="deals", column="channel", b=["phone"])
    return {
        "lab.bad_values": lambda: run_hypothesis(ws, MARKETER, HypothesisSpec(dataset=ds, population=deals,
                                                                               split=split, metric=won)),
        "lab.not_numbers": lambda: run_hypothesis(ws, MARKETER, HypothesisSpec(
            dataset=ds, population=Population(unit="deals"), split=split,
            metric=Metric(kind="mean", table="deals", column="channel"))),
        "proposal.illegal": lambda: submit(ws, MARKETER, pid),
        "dataset.unknown": lambda: run_hypothesis(ws, MARKETER, HypothesisSpec(
            dataset="no_such_dataset", population=Population(unit="deals"), split=split, metric=won)),
        "export.justify": lambda: export_rows(ws, MARKETER, ds, "deals", "want", limit=5),
        "vote.no_reason": lambda: vote(ws, COUNCIL, pid, "approve", "  "),
        "vote.no_seat": lambda: vote(ws, User(name="mark", role="council", seat="marketing"), pid, "approve", "да"),
        "packet.not_approved": lambda: export_packet(ws, COUNCIL, pid, "md"),
        "proposal.unknown": lambda: vote(ws, COUNCIL, "P-9999", "approve", "нет такого"),
        "access.denied": lambda: export_rows(ws, ADMIN, ds, "deals", "a long enough reason", limit=5),
        "ack.reason": lambda: acknowledge(ws, MARKETER, pid, "any", "ok"),
        "proposal.not_yours": lambda: withdraw(ws, User(name="mia", role="marketer"), pid),
        "override.reason": lambda: request_gate_override(ws, STEWARD, ds, "hm"),
        "override.published": lambda: request_gate_override(ws, STEWARD, ds, "нужно для весенней кампании"),
        "catalog.reason": lambda: change(ws, STEWARD, SOURCE, [], "ok"),
        "catalog.no_column": lambda: change(ws, STEWARD, SOURCE, [ColumnChange(table="deals", column="nothing",
                                                                               purpose="useful")], "уточнение"),
        "catalog.retention": lambda: change(ws, STEWARD, SOURCE, [], "срок хранения", retention_days=0),
        "user.seat_needed": lambda: add_user(ws, ADMIN, "olga", "council", password="a-long-password"),
        "user.seat_only_council": lambda: add_user(ws, ADMIN, "olga", "marketer", seat="sales",
                                                   password="a-long-password"),
        "user.bad_name": lambda: add_user(ws, ADMIN, "Olga Smith", "marketer", password="a-long-password"),
        "user.last_admin": lambda: set_role(ws, ADMIN, "ada", "marketer"),
        "login.wrong": lambda: authenticate(ws, "nobody", "whatever-password"),
        "session.none": lambda: validate_session(ws, "no-such-token"),
    }


@pytest.mark.parametrize("code", ["lab.bad_values", "lab.not_numbers", "proposal.illegal", "dataset.unknown",
                                  "export.justify", "vote.no_reason", "vote.no_seat", "packet.not_approved",
                                  "proposal.unknown", "access.denied", "ack.reason", "proposal.not_yours",
                                  "override.reason", "override.published", "catalog.reason", "catalog.no_column",
                                  "catalog.retention", "user.seat_needed", "user.seat_only_council",
                                  "user.bad_name", "user.last_admin", "login.wrong", "session.none"])
def test_an_error_raised_for_real_is_said_in_russian(ru_world, code):
    world, data = ru_world
    exc = _raised(_library_errors(world)[code])
    assert exc.code == code, (exc.code, str(exc))
    ru, en = _said(exc, "ru"), _said(exc, "en")
    assert ru != str(exc) and not foreign_words(ru, "ru", data), ru
    assert not foreign_words(en, "en", data), en


def test_an_unknown_error_keeps_its_message_after_russian_words():
    exc = SandboxError("something new went wrong")
    assert _said(exc, "en") == "something new went wrong"
    assert _said(exc, "ru") == "Действие не выполнено (подробности на английском: something new went wrong)."


# ---------------------------------------------------------------- through the pages, in Russian


@pytest.fixture()
def ru_pages(ru_world, monkeypatch: pytest.MonkeyPatch) -> tuple[World, set[str]]:
    world, _ = ru_world
    monkeypatch.setenv("SANDBOX_HOME", str(world.ws.home))
    monkeypatch.setenv("SANDBOX_LANG", "ru")
    return ru_world


def _page(name: str, user: User | None = None, world: World | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGES / name) if name != "app.py" else str(REPO / name), default_timeout=90)
    if user is not None and world is not None:
        login_as(at, world.ws, user.name, user.role, user.seat)
    return at.run()


def _russian(messages: list[str], data: set[str]) -> str:
    assert messages, "no message on the page"
    text = "\n".join(messages)
    assert not foreign_words(text, "ru", data), text
    return text


def test_sign_in_errors_in_russian(ru_pages):
    world, data = ru_pages
    ensure_user(world.ws, "rita", "marketer")
    at = _page("app.py")
    for attempt in range(world.ws.settings.access.max_failed_logins):
        at.text_input(key="login-name").input("rita")
        at.text_input(key="login-password").input(f"not the password {attempt}")
        at.button[0].click().run()
    said = _russian([e.value for e in at.error], data | {"rita"})
    assert said == UI["ru"]["error.login.wrong_locked"].format(minutes="15")
    at.text_input(key="login-name").input("rita")
    at.text_input(key="login-password").input(password_of("rita"))
    at.button[0].click().run()
    assert re.fullmatch(r"Слишком много неудачных входов: учётная запись заблокирована до \d\d:\d\d UTC\.",
                        _russian([e.value for e in at.error], data))


def test_an_expired_session_says_so_in_russian(ru_pages):
    world, data = ru_pages
    at = _page("datasets.py", MARKETER, world)
    assert not at.exception and not at.error
    with duckdb.connect(str(world.ws.home / "governance.duckdb")) as g:
        g.execute("UPDATE sessions SET expires_at = expires_at - INTERVAL 30 DAY WHERE name = 'mark'")
    at.run()
    assert _russian([w.value for w in at.warning], data) == "Сеанс истёк; войдите снова."


def test_export_errors_in_russian(ru_pages, tmp_path, monkeypatch):
    world, data = ru_pages
    at = _page("exports.py", MARKETER, world)
    at.number_input[0].set_value(7)
    at.text_area[0].input("нужно")
    at.button[0].click().run()
    assert "не меньше 10 символов" in _russian([e.value for e in at.error], data)
    quota = copy_world(world, tmp_path / "ws")
    write_settings(quota.ws, access={"export_rows_per_day": 5})
    monkeypatch.setenv("SANDBOX_HOME", str(quota.ws.home))
    at = _page("exports.py", MARKETER, quota)
    at.number_input[0].set_value(7)
    at.text_area[0].input("похожая аудитория для весенней кампании")
    at.button[0].click().run()
    said = _russian([e.value for e in at.error], data)
    assert said.startswith("Маркетолог может выгрузить не больше 5 строк в день; сегодня вы выгрузили 0 и "
                           "просите ещё 7.")


def test_users_page_errors_in_russian(ru_pages):
    world, data = ru_pages
    at = _page("users.py", ADMIN, world)
    at.text_input(key="users-name").input("olga")
    at.text_input(key="users-password").input("short")
    at.button[0].click().run()
    assert _russian([e.value for e in at.error], data) == "Пароль должен быть не короче 10 символов."
    at = _page("users.py", ADMIN, world)
    at.text_input(key="users-name").input("mark")
    at.button[0].click().run()
    assert _russian([e.value for e in at.error], data).startswith("Пользователь mark уже есть")
    at = _page("users.py", ADMIN, world)
    at.selectbox(key="users-who").select("ada")
    at.radio(key="users-action").set_value("role")
    at.selectbox(key="users-new-role").select("marketer")
    at.button[1].click().run()
    assert _russian([e.value for e in at.error], data) == ("ada — последний включённый администратор; сначала "
                                                          "добавьте другого.")


def test_a_vote_without_a_reason_is_refused_in_russian(ru_pages):
    world, data = ru_pages
    at = _page("proposal.py", COUNCIL, world)
    assert not at.exception
    pid = at.selectbox(key="proposal_pick").value
    at.button(key=f"vote-{pid}").click().run()
    assert _russian([e.value for e in at.error], data) == "Каждый голос требует письменного обоснования."


def test_a_catalog_change_without_a_reason_is_refused_in_russian(ru_pages):
    world, data = ru_pages
    at = _page("catalog.py", STEWARD, world)
    assert not at.exception
    next(b for b in at.button if b.label == UI["ru"]["catalog.save"]).click().run()
    assert _russian([e.value for e in at.error], data).startswith("Объясните, почему меняется каталог")


def test_a_dataset_changed_after_publishing_is_withdrawn_in_russian(ru_pages, tmp_path, monkeypatch):
    world, data = ru_pages
    broken = copy_world(world, tmp_path / "ws")
    monkeypatch.setenv("SANDBOX_HOME", str(broken.ws.home))
    path = broken.ws.dataset_path(broken.dataset)
    path.chmod(0o644)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE deals SET amount = amount + 1 WHERE rowid = 0")
    at = _page("explore.py", MARKETER, broken)
    said = _russian([e.value for e in at.error], data)
    assert "изменили после публикации" in said, said


def test_a_busy_workspace_is_said_in_russian_not_a_traceback(ru_pages, tmp_path, monkeypatch):
    import fcntl

    from sandbox.workspace import Workspace

    world, data = ru_pages
    busy = copy_world(world, tmp_path / "ws")
    settings = busy.ws.home / "settings.yaml"
    settings.write_text(settings.read_text() + "lock_timeout_s: 0.3\n")
    assert Workspace(busy.ws.home).settings.lock_timeout_s == 0.3
    monkeypatch.setenv("SANDBOX_HOME", str(busy.ws.home))
    at = AppTest.from_file(str(PAGES / "datasets.py"), default_timeout=90)
    login_as(at, busy.ws, MARKETER.name, MARKETER.role)
    with open(busy.ws.home / "locks" / "governance.intent", "a+b") as gate, \
            open(busy.ws.home / "locks" / "governance.lock", "a+b") as held:
        fcntl.flock(gate, fcntl.LOCK_EX)  # another process writing to the governance store, for longer than 0.3 s
        fcntl.flock(held, fcntl.LOCK_EX)
        at.run()
    assert not at.exception
    assert _russian([e.value for e in at.error], data) == UI["ru"]["error.WorkspaceBusy"]


def test_an_impossible_effect_in_the_lab_is_said_in_russian(demo_workspace, monkeypatch):
    from tests.test_lab_app import open_page, phone_vs_email

    ws, _ = demo_workspace
    monkeypatch.setenv("SANDBOX_HOME", str(ws.home))
    at = phone_vs_email(open_page(ws, "lab.py", lang="ru"))
    effect = next(n for n in at.number_input if n.key.startswith("lab_effect_"))
    effect.set_value(150.0).run()  # 150 percentage points: a rate beyond 100%
    assert not at.exception
    reason = UI["ru"]["error.size.rate_bounds"]
    said = UI["ru"]["lab.power_none"].format(reason=reason[:1].lower() + reason[1:])
    assert said in [i.value for i in at.info], [i.value for i in at.info]
