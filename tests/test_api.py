"""The Python API (``import sandbox``) on a copy of the published demo workspace: who may connect, what each role
reaches, that SQL stays inside one synthetic dataset, that results are the Lab's own, and that every call is audited."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import sandbox
from sandbox.api.notebook import read_table
from sandbox.council import get as get_proposal
from sandbox.errors import AccessDenied, DuplicateProposal, InputError, NotAuthenticated, UnknownObject
from sandbox.governance.access import User
from sandbox.governance.users import disable_user, set_role
from sandbox.lab.hypothesis import HypothesisResult, HypothesisSpec, run_hypothesis
from sandbox.workspace import Workspace
from tests.api_support import demo_copy, events_since, last_seq
from tests.helpers_login import TEST_ADMIN, ensure_user, password_of

pytestmark = pytest.mark.xdist_group("api")

WON = {"kind": "rate", "table": "deals", "where": [{"table": "deals", "column": "stage", "value": "won"}]}
BY_CHANNEL = {"table": "deals", "column": "channel", "b": ["phone"], "a": ["email"]}
FORM = dict(title="Call instead of e-mail", change="calling leads", segment="all leads", outcome="more deals are won",
            reason="phone deals convert better on synthetic data", channel="phone", audience_size=1200)


@pytest.fixture(scope="module")
def demo(demo_workspace, tmp_path_factory) -> tuple[Workspace, str]:
    """A private copy of the demo workspace with the demo's people registered."""
    return demo_copy(demo_workspace, tmp_path_factory.mktemp("api") / "ws")


def connect(demo: tuple[Workspace, str], name: str, **kw) -> sandbox.Session:
    """``name``'s notebook session, signed in first with ``sandbox login`` as a data scientist does in a terminal
    (with ``password=``, the notebook signs in itself)."""
    if "password" not in kw:
        import contextlib

        from sandbox.governance.identity import login

        with contextlib.suppress(NotAuthenticated):  # an unknown or disabled name: connect says why
            login(demo[0], name, password_of(name))
    return sandbox.connect(name, home=demo[0].home, **kw)


# ---------------------------------------------------------------- the package surface


def test_import_sandbox_is_fast_and_loads_no_heavy_library():
    code = ("import sys, time; t = time.perf_counter(); import sandbox; t = time.perf_counter() - t; "
            "heavy = [m for m in ('sdv', 'streamlit', 'sklearn', 'torch', 'plotly', 'pandas', 'duckdb') "
            "if m in sys.modules]; print(t, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 1)
    assert float(out[0]) < 0.5
    assert out[1].strip() == "[]"


def test_the_public_surface_is_documented_and_lazy():
    assert set(sandbox.__all__) <= set(dir(sandbox))
    for name in sandbox.__all__:
        value = getattr(sandbox, name)
        assert value.__doc__ and value.__doc__.strip(), name
    assert sandbox.Session is sandbox.api.Session and sandbox.AccessDenied is AccessDenied
    with pytest.raises(AttributeError):
        sandbox.no_such_name  # noqa: B018


# ---------------------------------------------------------------- who may connect


def test_an_unknown_a_disabled_or_an_anonymous_user_is_refused(demo, monkeypatch, tmp_path):
    ws, _ = demo
    monkeypatch.setenv("SANDBOX_CONFIG_DIR", str(tmp_path / "nobody-signed-in"))
    ensure_user(ws, "gone", "data_scientist")
    disable_user(ws, TEST_ADMIN, "gone")
    before = last_seq(ws)
    with pytest.raises(NotAuthenticated, match="not a registered user"):
        connect(demo, "stranger")
    with pytest.raises(NotAuthenticated, match="disabled"):
        connect(demo, "gone")
    monkeypatch.delenv("SANDBOX_USER", raising=False)
    with pytest.raises(NotAuthenticated, match="say who you are"):
        sandbox.connect(home=ws.home)
    refused = [(e[0], e[1], e[3]) for e in events_since(ws, before) if e[1] == "notebook.connect"]
    assert refused == [("stranger", "notebook.connect", "failed"), ("gone", "notebook.connect", "disabled")]


def test_a_name_only_claimed_proves_nothing(demo, monkeypatch, tmp_path):
    """Without a password a notebook acts only as a user this machine proves (sandbox login, or the OS account):
    naming the steward, in the call or in SANDBOX_USER, is refused and recorded."""
    from sandbox.governance.identity import login, os_account

    ws, _ = demo
    monkeypatch.setenv("SANDBOX_CONFIG_DIR", str(tmp_path / "config"))
    before = last_seq(ws)
    with pytest.raises(NotAuthenticated, match="'stella' is not signed in"):
        sandbox.connect("stella", home=ws.home)
    login(ws, "dana", password_of("dana"))
    with pytest.raises(NotAuthenticated, match="signed in as dana"):
        sandbox.connect("stella", home=ws.home)
    monkeypatch.setenv("SANDBOX_USER", "stella")
    with pytest.raises(NotAuthenticated, match="signed in as dana"):
        sandbox.connect(home=ws.home)
    monkeypatch.delenv("SANDBOX_USER")
    assert sandbox.connect("dana", home=ws.home).user.role == "data_scientist"
    login(ws, "stella", password_of("stella"))  # two people signed in on one machine: each their own session
    stella, dana = sandbox.connect("stella", home=ws.home), sandbox.connect("dana", home=ws.home)
    assert (stella.user.role, dana.user.role, stella.method) == ("steward", "data_scientist", "login")
    assert sandbox.connect(home=ws.home).user.name == "stella"  # no name: the newest sign-in
    failed = [e[0] for e in events_since(ws, before) if e[1] == "notebook.connect" and e[3] == "failed"]
    assert failed == ["stella", "stella", "stella"]
    ensure_user(ws, os_account(), "data_scientist")  # the OS account named like a user proves it (peer)
    monkeypatch.setenv("SANDBOX_CONFIG_DIR", str(tmp_path / "no-sign-in"))
    peer = sandbox.connect(home=ws.home)
    assert (peer.user.name, peer.method) == (os_account(), "os")
    disable_user(ws, TEST_ADMIN, os_account())  # later tests of this module meet no registered OS account


def test_a_folder_that_is_no_workspace_is_refused_and_left_alone(tmp_path):
    with pytest.raises(UnknownObject, match="no sandbox workspace"):
        sandbox.connect("dana", home=tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()


def test_the_role_comes_from_the_users_table_not_the_environment(demo, monkeypatch):
    from sandbox.governance.identity import login

    login(demo[0], "mark", password_of("mark"))
    monkeypatch.setenv("SANDBOX_USER", "mark")
    monkeypatch.setenv("SANDBOX_ROLE", "steward")
    session = sandbox.connect(home=demo[0].home)
    assert session.user == User(name="mark", role="marketer") and session.method == "login"
    with pytest.raises(AccessDenied):
        session.vault()


def test_a_password_sign_in_is_the_apps_and_ends_with_close(demo):
    ws, dataset = demo
    before = last_seq(ws)
    with pytest.raises(NotAuthenticated, match="wrong name or password"):
        connect(demo, "dana", password="not her password")
    with connect(demo, "dana", password=password_of("dana")) as session:
        assert session.method == "password" and session.user.role == "data_scientist"
        assert session.datasets().ids == [dataset]
    with pytest.raises(NotAuthenticated, match="closed"):
        session.datasets()
    actions = [(e[1], e[3]) for e in events_since(ws, before)]
    assert actions[0] == ("login", "failed")
    assert ("login", "ok") in actions and ("notebook.connect", "ok") in actions and actions[-1] == ("logout", "ok")


def test_a_user_disabled_or_demoted_during_a_session_is_stopped_at_the_next_call(demo):
    ws, _ = demo
    ensure_user(ws, "dora", "data_scientist")
    ensure_user(ws, "dino", "data_scientist")
    dora, dino = connect(demo, "dora"), connect(demo, "dino")
    assert len(dora.table("deals")) > 0 and len(dino.table("deals")) > 0
    disable_user(ws, TEST_ADMIN, "dora")
    set_role(ws, TEST_ADMIN, "dino", "marketer")
    with pytest.raises(NotAuthenticated, match="disabled"):
        dora.table("deals")
    with pytest.raises(AccessDenied):
        dino.table("deals")
    assert dino.user.role == "marketer"


# ---------------------------------------------------------------- what each role reaches


def test_a_marketers_session_cannot_open_the_vault_and_the_attempt_is_audited(demo):
    ws, _ = demo
    mark = connect(demo, "mark")
    before = last_seq(ws)
    with pytest.raises(AccessDenied, match="mark \\(marketer\\) is not allowed to vault open"):
        mark.vault()
    with pytest.raises(AccessDenied):
        mark.table("deals")  # whole tables are for data scientists and stewards (notebook.read)
    with pytest.raises(AccessDenied):
        mark.sql("SELECT count(*) FROM customers")
    assert [(e[0], e[1], e[3]) for e in events_since(ws, before)] == [
        ("mark", "vault.open", "denied"), ("mark", "notebook.read", "denied"), ("mark", "notebook.read", "denied")]


def test_a_marketer_still_lists_reads_the_summary_tests_and_proposes(demo):
    mark = connect(demo, "mark")
    report = mark.report()
    assert report["view"] == "summary" and "privacy" not in report.data
    result = mark.hypothesis(unit="deals", split=BY_CHANNEL, metric=WON)
    assert result.spec.dataset == demo[1]
    proposal = mark.propose(result, **FORM)
    assert proposal.proposer == "mark" and proposal.state == "draft"


def test_a_data_scientist_cannot_open_the_vault_but_a_steward_can(demo):
    ws, _ = demo
    with pytest.raises(AccessDenied):
        connect(demo, "dana").vault()
    stella = connect(demo, "stella")
    before = last_seq(ws)
    vault = stella.vault()
    (snapshot,) = vault.snapshots("demo_crm")
    train = vault.table("demo_crm", "customers")
    holdout = vault.table("demo_crm", "customers", holdout=True)
    assert len(train) + len(holdout) == snapshot.rows["customers"] and len(holdout) > 0
    assert "_holdout" not in train.columns
    with pytest.raises(UnknownObject, match="no table 'nope'"):
        vault.table("demo_crm", "nope")
    reads = [(e[1], e[2], json.loads(e[4])) for e in events_since(ws, before) if e[1] == "vault.read"]
    assert [(a, o, d["table"], d["holdout"], d["rows"]) for a, o, d in reads] == [
        ("vault.read", snapshot.id, "customers", False, len(train)),
        ("vault.read", snapshot.id, "customers", True, len(holdout))]


def test_only_stewards_see_unpublished_datasets_and_run_the_pipeline(demo):
    dana, stella = connect(demo, "dana"), connect(demo, "stella")
    with pytest.raises(AccessDenied):
        dana.datasets(include_unpublished=True)
    with pytest.raises(AccessDenied):
        dana.publish(demo[1])
    with pytest.raises(AccessDenied):
        dana.synthesize("demo_crm")
    assert stella.datasets(include_unpublished=True).ids[0] == demo[1]
    assert stella.publish(demo[1]).info.status == "published"  # publishing a published dataset changes nothing
    assert stella.report()["view"] == "full" and "privacy" in stella.report().data


# ---------------------------------------------------------------- tables through DuckDB


def test_a_table_reads_the_same_rows_as_the_library(demo):
    ws, dataset = demo
    dana = connect(demo, "dana")
    deals = dana.table("deals")
    expected = read_table(ws, User(name="dana", role="data_scientist"), dataset, "deals")
    frame = deals.df()
    assert list(frame.columns) == list(expected.columns) == deals.columns
    pd.testing.assert_frame_equal(frame.sort_values("deal_id").reset_index(drop=True),
                                  expected.sort_values("deal_id").reset_index(drop=True))
    assert len(deals) == len(expected)
    assert isinstance(deals.arrow(), pa.Table) and deals.arrow().num_rows == len(expected)
    assert sum(b.num_rows for b in deals.batches(rows=100)) == len(expected)
    assert max(b.num_rows for b in deals.batches(rows=100)) <= 100
    assert len(deals.limit(7)) == 7 and deals.types["amount"] == "DOUBLE"
    # text levels are stored as ENUMs (cheaper to write); a data scientist sees text, as in the vault
    assert deals.types["channel"] == "VARCHAR" and frame["channel"].dtype == object
    assert deals.relation.shape[0] == len(expected)


def test_sql_names_the_table_t_or_by_name_and_joins_the_datasets_tables(demo):
    dana = connect(demo, "dana")
    deals = dana.table("deals")
    by_t = deals.sql("SELECT channel, count(*) AS n FROM t GROUP BY 1 ORDER BY 1").df()
    by_name = deals.sql("SELECT channel, count(*) AS n FROM deals GROUP BY 1 ORDER BY 1").df()
    pd.testing.assert_frame_equal(by_t, by_name)
    assert by_t["n"].sum() == len(deals)
    joined = dana.sql("SELECT c.loyalty_tier, count(*) AS n FROM deals d JOIN customers c USING (customer_id) "
                      "GROUP BY 1").df()
    assert joined["n"].sum() <= len(deals) and set(joined["loyalty_tier"]) <= {"bronze", "silver", "gold", "platinum"}
    assert len(deals.sql("SELECT * FROM t WHERE stage = 'won'").sql("SELECT * FROM t LIMIT 3")) == 3
    with pytest.raises(UnknownObject, match="tables: customers, deals"):
        dana.table("orders")
    with pytest.raises(InputError, match="could not run"):
        deals.sql("SELEC 1")


@pytest.mark.parametrize("query", [
    "ATTACH '{vault}' AS v (READ_ONLY)",
    "SELECT * FROM '{vault}'",
    "SELECT * FROM read_csv('{home}/secrets/pseudonym.key')",
    "COPY (SELECT * FROM deals) TO '{home}/exports/leak.csv'",
    "INSTALL httpfs",
])
def test_notebook_sql_reaches_no_other_file(demo, query):
    ws, _ = demo
    (vault,) = (ws.home / "vault").glob("*.duckdb")
    dana = connect(demo, "dana")
    before = last_seq(ws)
    with pytest.raises(AccessDenied, match="reads only this synthetic dataset"):
        dana.sql(query.format(vault=vault, home=ws.home))
    assert not (ws.home / "exports" / "leak.csv").exists()
    assert [(e[1], e[3]) for e in events_since(ws, before)] == [("dataset.query", "denied")]


def test_the_lock_on_the_connection_cannot_be_lifted(demo):
    dana = connect(demo, "dana")
    with pytest.raises(InputError, match="locked"):
        dana.sql("SET enable_external_access = true")
    dana.sql("USE memory")  # the scratch database in memory: allowed, and undone by the next call
    assert dana.sql("SELECT count(*) AS n FROM deals").df()["n"][0] == len(dana.table("deals")) > 0


# ---------------------------------------------------------------- the Lab and proposals


def test_hypothesis_returns_the_labs_own_result(demo):
    ws, dataset = demo
    dana = connect(demo, "dana")
    result = dana.hypothesis(unit="deals", split=BY_CHANNEL, metric=WON)
    direct = run_hypothesis(ws, User(name="dana", role="data_scientist"),
                            HypothesisSpec(dataset=dataset, population={"unit": "deals"}, split=BY_CHANNEL,
                                           metric=WON))
    assert isinstance(result, HypothesisResult)
    assert (result.a.n, result.b.n, result.test.p_value) == (direct.a.n, direct.b.n, direct.test.p_value)
    assert result.test.ci_low is not None and result.fidelity == dana.dataset().info.fidelity
    same = dana.dataset(dataset).hypothesis({"population": {"unit": "deals"}, "split": BY_CHANNEL, "metric": WON})
    assert same.test.difference == result.test.difference
    with pytest.raises(InputError, match="split"):
        dana.hypothesis(unit="deals", split={"table": "deals", "column": "channel"}, metric=WON)


def test_a_proposal_is_filed_as_a_draft_with_the_results_evidence_and_notes(demo):
    ws, _ = demo
    dana = connect(demo, "dana")
    result = dana.hypothesis(unit="deals", split=BY_CHANNEL, metric=WON)
    proposal = dana.propose(result, notes={"auc": 0.61}, **FORM)
    stored = get_proposal(ws, User(name="mia", role="council", seat="marketing"), proposal.id)
    assert stored.state == "draft" and stored.proposer == "dana" and stored.dataset == result.spec.dataset
    assert stored.fields_used == ["deals.channel", "deals.stage"] and stored.metric == "deals.stage=won"
    assert stored.evidence["notebook"] == {"auc": 0.61} and stored.evidence["test"]["p_value"] == result.test.p_value
    assert proposal.id in [p.id for p in dana.proposals()]
    with pytest.raises(DuplicateProposal, match=f"repeats {proposal.id} "):  # the same again, other notes or not
        dana.propose(result, notes={"auc": 0.62}, **FORM)
    with pytest.raises(InputError, match="channel"):
        dana.propose(result, **{k: v for k, v in FORM.items() if k != "channel"})
    with pytest.raises(AccessDenied):
        connect(demo, "ada").propose(result, **FORM)  # admins manage people, they do not propose


def test_breakdown_groups_in_duckdb_like_a_query(demo):
    dana = connect(demo, "dana")
    frame = dana.breakdown("deals", "channel", [{"kind": "rate", "column": "stage", "value": "won"}])
    by_sql = dana.table("deals").sql("SELECT channel, avg(CASE WHEN stage = 'won' THEN 1.0 ELSE 0 END) AS r "
                                     "FROM t GROUP BY 1").df().set_index("channel")["r"]
    rates = frame.set_index("group")["rate(stage = won)"]
    assert set(rates.index) == set(by_sql.index)
    for channel, rate in rates.items():
        assert rate == pytest.approx(by_sql[channel])


# ---------------------------------------------------------------- audit


def test_every_call_of_a_notebook_session_is_audited(demo):
    ws, dataset = demo
    before = last_seq(ws)
    dana = connect(demo, "dana")
    dana.datasets()
    dana.report()
    dana.table("deals").sql("SELECT count(*) FROM t").df()
    result = dana.hypothesis(unit="deals", split=BY_CHANNEL, metric=WON)
    proposal = dana.propose(result, **{**FORM, "title": "Audited idea"})
    found = [(e[0], e[1], e[2]) for e in events_since(ws, before)]
    for expected in [("dana", "notebook.connect", str(ws.home)), ("dana", "datasets.list", ""),
                     ("dana", "report.view", dataset), ("dana", "dataset.read", dataset),
                     ("dana", "dataset.query", dataset), ("dana", "lab.query", dataset),
                     ("dana", "proposal.create", proposal.id)]:
        assert expected in found, expected
    read = next(json.loads(e[4]) for e in events_since(ws, before) if e[1] == "dataset.query")
    assert read == {"query": "SELECT count(*) FROM t", "via": "notebook"}


# ---------------------------------------------------------------- how results look in Jupyter


def test_results_render_as_escaped_html(demo):
    dana, stella = connect(demo, "dana"), connect(demo, "stella")
    assert demo[1] in dana.datasets()._repr_html_()
    summary, full = dana.report()._repr_html_(), stella.report()._repr_html_()
    assert "Release gate" in summary and "Quality" in summary and "Privacy" not in summary
    assert "Privacy" in full and "<html" not in full.lower()  # a fragment, never a page with global CSS
    split = {**BY_CHANNEL, "label_b": "<b>phone</b>"}
    shown = dana.hypothesis(unit="deals", split=split, metric=WON)._repr_html_()
    assert "&lt;b&gt;phone&lt;/b&gt;" in shown and "<b>phone</b>" not in shown
    assert "Fidelity caveat" in shown and "interval" in shown
    table = dana.table("deals")._repr_html_()
    assert "deals" in table and "<table" in table
    assert "dana" in dana._repr_html_() and "data_scientist" in repr(dana)


def test_gate_report_figures_and_comparison_row(demo):
    stella = connect(demo, "stella")
    report = stella.report()
    row = report.summary()
    assert row["dataset"] == demo[1] and row["gate"] == "pass" and 0 <= row["dcr_share"] <= 1
    assert {"quality_tables", "quality_columns"} <= set(report.figures())
    assert report.to_html().startswith("<!DOCTYPE html>")


def test_the_readme_and_makefile_say_how_to_start_jupyter():
    repo = Path(__file__).resolve().parent.parent
    assert "make notebooks" in (repo / "README.md").read_text()
    make = (repo / "Makefile").read_text()
    assert "notebooks:" in make and "jupyter lab notebooks/" in make
