"""The notebooks in ``notebooks/`` are stored without outputs and run top to bottom (nbclient, a real kernel) against
a fresh copy of the published demo workspace; what each one leaves behind in the workspace is checked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from sandbox.council import list_proposals
from sandbox.governance.access import User
from sandbox.release.datasets import list_datasets
from sandbox.workspace import Workspace
from tests.api_support import demo_copy, events_since, last_seq
from tests.conftest import REPO, SHARED, shared_file

pytestmark = pytest.mark.xdist_group("notebooks")

NOTEBOOKS = REPO / "notebooks"
NAMES = ("01_quick_start", "02_hypothesis_to_proposal", "03_steward_evaluation")
MARKETER = User(name="mark", role="marketer")
COUNCIL = User(name="mia", role="council", seat="marketing")
CELL_TIMEOUT_S = 600


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def run(name: str, ws: Workspace, user: str) -> nbformat.NotebookNode:
    """Execute a notebook in a fresh kernel started in notebooks/, on ``ws``, with ``user`` signed in by
    ``sandbox login`` beforehand (as ``make notebooks`` does for the demo); a failing cell raises."""
    from nbclient import NotebookClient

    from sandbox.governance.identity import login
    from tests.helpers_login import password_of

    login(ws, user, password_of(user))

    env = {k: v for k, v in os.environ.items() if k not in ("SANDBOX_USER", "SANDBOX_ROLE")}
    env |= {"SANDBOX_HOME": str(ws.home), "SANDBOX_SHARED": str(SHARED.parent)}
    nb = read(name)
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute(env=env)
    return nb


def printed(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook printed (streams and plain-text results)."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", "") if o.output_type == "stream" else (o.get("data") or {}).get("text/plain", ""))
    return "\n".join(out)


@pytest.fixture(scope="module")
def fresh(demo_workspace, tmp_path_factory) -> tuple[Workspace, str]:
    """One copy of the published demo workspace for the three notebooks (as make demo leaves it: its people
    registered)."""
    return demo_copy(demo_workspace, tmp_path_factory.mktemp("notebooks") / "ws")


@pytest.mark.parametrize("name", NAMES)
def test_a_notebook_is_stored_without_outputs_and_says_how_to_start_jupyter(name: str):
    nb = read(name)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "make notebooks" in first.source
    assert "jupyter lab notebooks/" in first.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_quick_start_runs_and_its_calls_are_in_the_audit_log(fresh):
    ws, dataset = fresh
    before = last_seq(ws)
    nb = run("01_quick_start", ws, "dana")
    html = "".join((o.get("data") or {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert dataset in html and "Release gate" in html
    assert "deals" in printed(nb) and "on average" in printed(nb)
    found = {(e[0], e[1], e[2]) for e in events_since(ws, before)}
    for expected in [("dana", "notebook.connect", str(ws.home)), ("dana", "datasets.list", ""),
                     ("dana", "report.view", dataset), ("dana", "dataset.read", dataset),
                     ("dana", "dataset.query", dataset)]:
        assert expected in found, expected
    queries = [json.loads(e[4])["query"] for e in events_since(ws, before) if e[1] == "dataset.query"]
    assert any("GROUP BY channel" in q for q in queries) and any("JOIN customers" in q for q in queries)


def test_hypothesis_to_proposal_files_a_draft_with_the_model_as_evidence(fresh):
    ws, dataset = fresh
    before = last_seq(ws)
    run("02_hypothesis_to_proposal", ws, "dana")
    drafts = [p for p in list_proposals(ws, COUNCIL) if p.proposer == "dana"
              and p.title == "Call silver-tier leads instead of e-mailing them"]
    assert len(drafts) == 1
    (draft,) = drafts
    assert draft.state == "draft" and draft.dataset == dataset and draft.channel == "phone"
    assert draft.fields_used == ["customers.loyalty_tier", "deals.channel", "deals.stage"]
    assert [f.ref for f in draft.segment.filters] == ["customers.loyalty_tier"]
    notes = draft.evidence["notebook"]
    assert 0.0 <= notes["auc"] <= 1.0 and set(notes["uplift_by_tier"]) <= {"bronze", "silver", "gold", "platinum"}
    assert draft.evidence["spec"]["split"]["b"] == ["phone"]
    actions = [(e[0], e[1]) for e in events_since(ws, before)]
    assert ("dana", "lab.query") in actions and ("dana", "proposal.create") in actions


def test_stewards_evaluation_compares_generators_and_publishes_only_the_better_passing_one(fresh):
    shared_file("telco-churn", "Telco-Customer-Churn.csv")
    from generators import registry

    ws, demo_dataset = fresh
    nb = run("03_steward_evaluation", ws, "stella")
    with ws.governance() as g:
        made = g.execute("SELECT id, generator, gate, status, report FROM datasets WHERE source = 'telco' "
                         "ORDER BY created_at").fetchall()
    others = [n for n in registry.names() if n != "gaussian_copula"]
    challenger = registry.DEFAULT if registry.DEFAULT != "gaussian_copula" else (others[0] if others else None)
    assert [m[1] for m in made] == ["gaussian_copula"] + ([challenger] if challenger else [])
    assert all(m[2] in ("pass", "fail") for m in made)  # every candidate went through the gate
    passed = [m for m in made if m[2] == "pass"]
    published = [m[0] for m in made if m[3] == "published"]
    visible = [d.id for d in list_datasets(ws, MARKETER)]
    if passed:
        fidelity = {m[0]: json.loads(m[4])["fidelity"]["sign_agreement"] or 0.0 for m in passed}
        quality = {m[0]: json.loads(m[4])["quality"]["overall"] or 0.0 for m in passed}
        best = max(fidelity, key=lambda i: (fidelity[i], quality[i]))
        assert published == [best] and best in visible and f"published {best}" in printed(nb)
    else:
        assert published == [] and "No candidate passed the release gate" in printed(nb)
    assert demo_dataset in visible


def test_the_notebooks_folder_holds_exactly_the_tested_notebooks():
    assert sorted(p.stem for p in Path(NOTEBOOKS).glob("*.ipynb")) == sorted(NAMES)
