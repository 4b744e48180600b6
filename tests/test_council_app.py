"""The council pages through Streamlit's AppTest: each page alone, then the whole flow
propose -> flag -> acknowledge -> two council members vote -> approved -> rollout packet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sandbox.council import acknowledge, create_draft, submit
from sandbox.governance.access import User
from sandbox.workspace import Workspace
from tests import council_support
from tests.council_support import MARKETER, MARKETING, SECURITY, draft
from tests.helpers_login import login_as

PAGES = Path(__file__).resolve().parent.parent / "sandbox" / "ui" / "pages"
council_ws = council_support.council_ws


_SESSIONS: dict[tuple[str, str], tuple[str, User]] = {}  # (workspace, name) -> a signed-in session


def _page(name: str, user: User, **query: str) -> AppTest:
    """Run one page signed in as ``user`` (a real session in the workspace of ``SANDBOX_HOME``, opened once
    per user and workspace: signing in hashes a password, which is slow on purpose)."""
    at = AppTest.from_file(str(PAGES / name), default_timeout=60)
    ws = Workspace()
    key = (str(ws.home), user.name)
    if key not in _SESSIONS:
        login_as(at, ws, user.name, user.role, user.seat)
        _SESSIONS[key] = (at.session_state["session_token"], at.session_state["user"])
    at.session_state["session_token"], at.session_state["user"] = _SESSIONS[key]
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture()
def home(council_ws, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SANDBOX_HOME", str(council_ws.home))
    return council_ws


def test_pages_show_a_message_not_a_traceback_on_an_empty_workspace(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "settings.yaml").write_text("access: {argon2_profile: CHEAPEST}\n")
    monkeypatch.setenv("SANDBOX_HOME", str(tmp_path / "empty"))
    for page, user in (("council_queue.py", SECURITY), ("proposal.py", MARKETER), ("my_proposals.py", MARKETER)):
        at = _page(page, user)
        assert not at.exception, page
        assert at.info, page


def test_the_queue_is_for_council_members_and_shows_flagged_proposals_first(home):
    clean = submit(home, MARKETER, create_draft(home, MARKETER, draft(title="Clean idea")).id)
    flagged = create_draft(home, MARKETER, draft(title="Big idea", audience_size=90_000))
    acknowledge(home, MARKETER, flagged.id, "large_audience", "the whole base is the point of it")
    flagged = submit(home, MARKETER, flagged.id)
    at = _page("council_queue.py", MARKETER)
    assert not at.exception and "Only council members" in at.info[0].value
    at = _page("council_queue.py", SECURITY)
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert text.index(f"{flagged.id}: Big idea") < text.index(f"{clean.id}: Clean idea")
    assert any("Large audience" in w.value and "the whole base" in w.value for w in at.warning)


def test_my_proposals_lists_mine_with_the_next_step(home):
    mine = create_draft(home, MARKETER, draft(title="Mine"))
    other = create_draft(home, council_support.OTHER_MARKETER, draft(title="Not mine"))
    at = _page("my_proposals.py", MARKETER)
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert f"{mine.id}: Mine" in text and other.id not in text
    assert "Next: acknowledge any soft flags and submit it." in text


def test_a_hard_flag_shows_on_the_proposal_page_and_submission_is_refused(home):
    p = create_draft(home, MARKETER, draft(fields_used=["support_tickets.category"]))
    at = _page("proposal.py", MARKETER, id=p.id)
    assert not at.exception
    assert any(e.value.startswith("**Special-category data outside the core service** (blocks submission)")
               for e in at.error)
    assert at.button(key=f"submit-{p.id}").disabled  # and it says why, naming the flag in words
    assert any(c.value.startswith("Submission is blocked while a hard red flag stands: “Special-category data")
               for c in at.caption)


def test_flow_propose_flag_acknowledge_vote_approve_packet(home):
    # propose: saved from a tested hypothesis (the Lab's form, tests/test_lab_app.py); "My proposals" offers no
    # hand-written YAML, only the way to the Lab, and lists the new draft with its next step
    pid = create_draft(home, MARKETER, draft(title="Flow idea", audience_size=25_000,
                                             fields_used=["customers.birth_date", "customers.city", "deals.stage"])).id
    at = _page("my_proposals.py", MARKETER)
    assert not at.exception and not at.text_area and not at.code
    assert any(f"{pid}: Flow idea" in m.value for m in at.markdown)
    assert "A proposal starts from a tested hypothesis" in at.caption[0].value

    # flag: both soft flags show, unacknowledged; submitting is refused
    at = _page("proposal.py", MARKETER, id=pid)
    assert {w.value.split("**")[1] for w in at.warning} == {"Quasi-identifiers combined", "Large audience"}
    assert at.button(key=f"submit-{pid}").disabled
    assert any("give a written reason for each soft flag" in c.value for c in at.caption)

    # acknowledge both with reasons, then submit
    for rule, reason in (("quasi_identifier_combination", "age band and city only pick the region's stores"),
                         ("large_audience", "the region has 25,000 customers; a pilot is half of it")):
        at = _page("proposal.py", MARKETER, id=pid)
        at.text_input(key=f"ack-{pid}-{rule}").input(reason).run()
        at.button(key=f"ackb-{pid}-{rule}").click().run()
        assert not at.exception and not at.error
    at = _page("proposal.py", MARKETER, id=pid)
    at.button(key=f"submit-{pid}").click().run()
    assert not at.error and "submitted" in at.success[0].value

    # two council members vote
    for member, reason in ((SECURITY, "bands and cities are coarse enough"), (MARKETING, "a fair pilot")):
        at = _page("proposal.py", member, id=pid)
        assert any("acknowledged" in w.value.lower() for w in at.warning)
        at.radio(key=f"choice-{pid}").set_value("approve")
        at.text_area(key=f"reason-{pid}").input(reason).run()
        at.button(key=f"vote-{pid}").click().run()
        assert not at.exception and not at.error
    assert "approved" in at.success[0].value

    # approved: the proposer prepares and downloads the rollout packet
    at = _page("proposal.py", MARKETER, id=pid)
    at.radio(key=f"fmt-{pid}").set_value("json").run()
    at.button(key=f"prep-{pid}").click().run()
    assert not at.exception
    assert len(at.get("download_button")) == 1
    packet = json.loads(at.code[0].value)
    assert packet["proposal"] == pid and {v["voter"] for v in packet["votes"]} == {"selma", "mia"}
    with home.governance() as g:
        logged = g.execute("SELECT actor FROM audit WHERE action = 'proposal.packet' AND object = ?", [pid]).fetchall()
    assert logged == [("mark",)]


def test_the_proposer_edits_after_a_change_request_and_resubmits(home):
    from sandbox.council import vote

    p = submit(home, MARKETER, create_draft(home, MARKETER, draft(title="Needs work")).id)
    vote(home, SECURITY, p.id, "request_changes", "add a guardrail on complaints")
    at = _page("proposal.py", MARKETER, id=p.id)
    assert "Changes requested" in at.caption[0].value
    assert not at.text_area(key=f"edit-{p.id}-v1-hypothesis").value.startswith("title:")  # a form, not YAML
    guards = at.text_area(key=f"edit-{p.id}-v1-guards")
    assert guards.value == "support tickets per customer\nunsubscribe rate"
    guards.input("complaints per 1,000 customers")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception and "saved as version 2" in at.success[0].value
    at = _page("proposal.py", MARKETER, id=p.id)
    at.button(key=f"submit-{p.id}").click().run()
    assert "submitted" in at.success[0].value
    from sandbox.council import get

    after = get(home, MARKETER, p.id)
    assert after.state == "submitted" and after.round == 2 and after.guardrail_metrics == [
        "complaints per 1,000 customers"]
