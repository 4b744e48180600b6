"""Gate reports: the `sandbox evaluate --json` contract, who sees what, k-anonymous charts, the HTML export."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from generators import registry
from sandbox.errors import UnknownObject
from sandbox.governance.access import User
from sandbox.release.gate_charts import distributions
from sandbox.release.report import gate_report_view, render_html, summary_view
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.vault.snapshots import latest_snapshot, open_snapshot, read_split
from sandbox.workspace import Workspace
from tests.conftest import MARKETER, STEWARD
from tests.test_gate import CopyingGenerator

REPO = Path(__file__).resolve().parent.parent
K_MIN = 40  # high enough that a 1,500-row Telco sample has bars and segments to suppress
COUNCIL = User(name="cora", role="council", seat="security")
SCIENTIST = User(name="dana", role="data_scientist")


def cli(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "SANDBOX_HOME": str(home), **env}, timeout=300)


@pytest.fixture(scope="module")
def telco(tmp_path_factory: pytest.TempPathFactory, telco_sample: Path) -> dict[str, Any]:
    """Real Telco rows with k_min = 40: a copula dataset and a copied one, both evaluated by the real CLI."""
    home = tmp_path_factory.mktemp("telco-report")
    (home / "settings.yaml").write_text(f"k_min: {K_MIN}\n")
    ws = Workspace(home)
    ingest(ws, STEWARD, [telco_sample], "telco", accept_proposed=True, target="telco.Churn=Yes")
    datasets = [synthesize(ws, STEWARD, "telco", generator="gaussian_copula", seed=0).id]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
        registry.register(CopyingGenerator.name, f"{CopyingGenerator.__module__}:CopyingGenerator")
        datasets.append(synthesize(ws, STEWARD, "telco", generator=CopyingGenerator.name, seed=1).id)
    try:
        gate_report_view(ws, STEWARD, datasets[0])
        pending = ""
    except UnknownObject as exc:
        pending = str(exc)
    outputs = []
    for dataset in datasets:
        done = cli(["evaluate", dataset, "--json"], home)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    return {"ws": ws, "datasets": datasets, "json": outputs, "pending": pending}


def test_evaluate_json_has_the_documented_keys_with_values_in_range(telco):
    for dataset, out in zip(telco["datasets"], telco["json"], strict=True):
        assert out["dataset"] == dataset
        assert 0 < out["quality"]["overall"] <= 1
        assert set(out["quality"]["tables"]) == {"telco"}
        privacy = out["privacy"]
        assert 0 <= privacy["dcr_share"] <= 1
        assert 0 <= privacy["identical_match_share_train"] <= 1
        assert 0 <= privacy["identical_match_share_holdout"] <= 1
        assert isinstance(privacy["leaked_values"], int) and privacy["leaked_values"] >= 0
        fidelity = out["fidelity"]
        assert fidelity["target"] == "Churn"
        assert fidelity["segments"] > 10 and 0 < fidelity["significant"] <= fidelity["segments"]
        assert 0 <= fidelity["sign_agreement"] <= 1
        assert -1 <= fidelity["rank_correlation"] <= 1
        assert 0 < fidelity["mae"] < 1
        assert 0 <= fidelity["coverage"] <= 1
        assert out["gate"] in {"pass", "fail"}
        assert isinstance(out["reasons"], list) and (out["gate"] == "fail") == bool(out["reasons"])
        assert all(isinstance(r, dict) and r["code"] for r in out["reasons"])  # records, said by the reader


def test_evaluate_json_numbers_are_computed_per_dataset(telco):
    copula, copied = telco["json"]
    assert copula["quality"]["overall"] != copied["quality"]["overall"]
    assert copula["privacy"]["dcr_share"] != copied["privacy"]["dcr_share"]
    identical = [out["privacy"]["identical_match_share_train"] for out in (copula, copied)]
    table = copied["privacy"]["tables"]["telco"]
    sampled = table["rows_reference"] / copied["lineage"]["rows"]["telco"]  # the copier wrote every training row
    assert identical[0] < 0.01 and identical[1] == pytest.approx(sampled, abs=0.04)  # every sampled row copied
    assert copula["fidelity"]["mae"] > copied["fidelity"]["mae"] > 0  # a copy of train still differs from holdout
    assert copula["privacy"]["median_dcr_train"] > copied["privacy"]["median_dcr_train"]
    # what the CLI printed is what the gate stored
    for dataset, printed in zip(telco["datasets"], telco["json"], strict=True):
        stored = gate_report_view(telco["ws"], STEWARD, dataset)
        assert stored["privacy"]["dcr_share"] == printed["privacy"]["dcr_share"]
        assert stored["quality"]["overall"] == printed["quality"]["overall"]
        assert stored["reasons"] == printed["reasons"]


def test_a_dataset_without_a_gate_report_says_how_to_get_one(telco):
    assert f"sandbox evaluate {telco['datasets'][0]}" in telco["pending"]


def _holdout(ws: Workspace) -> pd.DataFrame:
    snapshot = latest_snapshot(ws, STEWARD, "telco")
    with open_snapshot(ws, STEWARD, snapshot.id) as con:
        return read_split(con, "telco", holdout=True)


def test_every_bar_shows_at_least_k_real_rows_or_no_real_count(telco):
    ws = telco["ws"]
    holdout = _holdout(ws)
    report = gate_report_view(ws, STEWARD, telco["datasets"][0])
    charts = report["charts"]
    assert charts["k_min"] == K_MIN
    bars = [b for h in charts["distributions"]["telco"] for b in h["bins"]]
    assert len(charts["distributions"]["telco"]) >= 15
    assert all(b["real_count"] is None or b["real_count"] >= K_MIN for b in bars)
    assert any(b["real_count"] is None for b in bars), "k_min = 40 should suppress some bar of 300 holdout rows"
    assert all((b["real_share"] is None) == (b["real_count"] is None) for b in bars)
    checked = 0
    for histogram in charts["distributions"]["telco"]:  # shown category counts are the real holdout counts
        if histogram["kind"] != "categorical":
            continue
        counts = holdout[histogram["column"]].dropna().astype(str).value_counts()
        for b in histogram["bins"]:
            if b["real_count"] is not None and b["label"] in counts.index:
                assert b["real_count"] == counts[b["label"]]
                checked += 1
    assert checked >= 20


def test_fidelity_points_and_the_summary_only_show_segments_of_k_real_rows(telco):
    report = gate_report_view(telco["ws"], STEWARD, telco["datasets"][0])
    points = report["charts"]["fidelity"]
    assert points["points"] and all(p["n_real"] >= K_MIN for p in points["points"])
    small = [s for s in report["fidelity"]["per_segment"] if s["n_real"] < K_MIN]
    assert small and points["suppressed"] == len(small)
    summary = summary_view(report, K_MIN)
    assert "per_segment" not in summary["fidelity"]
    assert summary["charts"]["fidelity"] == points


def test_correlation_difference_matrix_is_small_square_and_bounded(telco):
    matrix = gate_report_view(telco["ws"], STEWARD, telco["datasets"][0])["charts"]["correlations"]["telco"]
    columns = matrix["columns"]
    assert 5 <= len(columns) <= 25
    assert "Churn" in matrix["label_encoded"] and "tenure" in columns
    assert len(matrix["difference"]) == len(columns) and all(len(row) == len(columns) for row in matrix["difference"])
    values = [v for row in matrix["difference"] for v in row if v is not None]
    assert all(-2 <= v <= 2 for v in values) and any(abs(v) > 0.01 for v in values)
    assert all(matrix["difference"][i][i] in (0, None) for i in range(len(columns)))


SUMMARY_KEYS = {"view", "dataset", "gate", "reasons", "quality", "fidelity", "charts", "thresholds"}


@pytest.mark.parametrize("user", [STEWARD, COUNCIL], ids=lambda u: u.role)
def test_stewards_and_council_see_the_whole_report(demo_workspace, user: User):
    ws, dataset = demo_workspace
    view = gate_report_view(ws, user, dataset)
    assert view["view"] == "full"
    assert {"privacy", "lineage", "charts", "quality", "fidelity"} <= set(view)
    assert set(view["charts"]) >= {"distributions", "correlations", "dcr", "fidelity"}
    assert set(view["charts"]["distributions"]) == {"customers", "deals", "interactions", "support_tickets"}


@pytest.mark.parametrize("user", [MARKETER, SCIENTIST], ids=lambda u: u.role)
def test_other_roles_see_verdict_quality_overall_and_fidelity_only(demo_workspace, user: User):
    ws, dataset = demo_workspace
    view = gate_report_view(ws, user, dataset)
    assert set(view) == SUMMARY_KEYS and view["view"] == "summary"
    assert set(view["quality"]) == {"overall"}
    assert set(view["charts"]) == {"fidelity"}
    assert "per_segment" not in view["fidelity"] and view["fidelity"]["sign_agreement"] is not None
    assert all(p["n_real"] >= ws.settings.k_min for p in view["charts"]["fidelity"]["points"])
    assert "privacy" not in view and "lineage" not in view


def test_a_marketer_cannot_read_a_staged_report(telco):
    with pytest.raises(UnknownObject):
        gate_report_view(telco["ws"], MARKETER, telco["datasets"][0])


def test_a_bar_of_many_rows_of_one_person_is_merged_or_hidden(telco_sample: Path):
    real = pd.read_csv(telco_sample).reset_index(drop=True)
    real["note"] = "asked about the price"
    people = pd.Series(range(len(real)), index=real.index)
    one = real.index[:8]  # eight rows of one customer, with a note only this customer has
    real.loc[one, "note"], people[one] = "Talked to Jane, email jane.doe1990@example.com", -1
    real.loc[one, "tenure"] = 500  # and a tenure far above everybody else's
    synthetic = real.sample(frac=1.0, random_state=1)
    by_rows = {h["column"]: h for h in distributions(real, synthetic, ["note", "tenure"], 5)}
    assert "jane.doe1990" in json.dumps(by_rows["note"]), "counted by rows, eight notes of one person show"
    by_people = {h["column"]: h for h in distributions(real, synthetic, ["note", "tenure"], 5, people)}
    assert "jane.doe1990" not in json.dumps(by_people["note"])
    assert by_people["note"]["merged_levels"] == 1
    assert by_rows["tenure"]["bins"][-1]["real_count"] == 8
    top = by_people["tenure"]["bins"][-1]
    assert top["left"] is not None and top["right"] is None and top["real_count"] is None
    assert sum(b["synthetic_count"] for b in by_people["note"]["bins"]) == len(synthetic)


def _identifiers(demo_export: Path) -> list[str]:
    customers = pd.read_csv(demo_export / "customers.csv", dtype=str)
    return sorted({v for c in ("customer_id", "full_name", "email", "phone") for v in customers[c].dropna()})


def _without_plotly_js(page: str) -> str:
    """The HTML without the inlined plotly.js library (which is not data)."""
    start = page.index("<script>/**\n* plotly.js v")
    return page[:start] + page[page.index("</script>", start):]


def test_report_json_and_html_hold_no_real_identifier(demo_workspace, demo_export):
    ws, dataset = demo_workspace
    values = [v.casefold() for v in _identifiers(demo_export)]
    assert len(values) > 4000
    view = gate_report_view(ws, STEWARD, dataset)
    for text in (json.dumps(view, ensure_ascii=False), _without_plotly_js(render_html(view))):
        folded = text.casefold()
        found = [v for v in values if v in folded]
        assert not found, f"real identifiers are in the report: {found[:3]}"


def test_html_export_is_self_contained_with_the_verdict_first(demo_workspace):
    ws, dataset = demo_workspace
    view = gate_report_view(ws, STEWARD, dataset)
    page = render_html(view)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("plotly.js v") == 1, "plotly.js must be inlined exactly once"
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", page), "nothing may be fetched"
    order = [page.index(h) for h in ("Verdict: PASS", "<h2>Quality", "<h2>Privacy", "<h2>Hypothesis fidelity",
                                     "<h2>Distributions", "<h2>Correlation differences")]
    assert order == sorted(order)
    figures = page.count('class="plotly-graph-div"')
    histograms = sum(len(h) for h in view["charts"]["distributions"].values())
    assert figures >= histograms + len(view["charts"]["correlations"]) + len(view["charts"]["dcr"]) + 1
    summary = render_html(gate_report_view(ws, MARKETER, dataset))
    assert "Verdict: PASS" in summary and "<h2>Hypothesis fidelity" in summary
    assert "<h2>Privacy" not in summary and "<h2>Distributions" not in summary


def test_cli_report_writes_html_and_shows_a_marketer_the_summary(demo_workspace, tmp_path):
    from tests.helpers_login import cli_login

    ws, dataset = demo_workspace
    target = tmp_path / "report.html"
    cli_login(ws, "stella", "steward")  # a workspace with users: the command line signs in
    done = cli(["report", dataset, "--html", str(target)], ws.home, SANDBOX_USER="stella")
    assert done.returncode == 0, done.stderr
    assert "gate pass" in done.stdout and "privacy:" in done.stdout
    assert target.read_text(encoding="utf-8").count('class="plotly-graph-div"') > 10
    cli_login(ws, "mark", "marketer")
    seen = cli(["report", dataset, "--json"], ws.home, SANDBOX_ROLE="steward", SANDBOX_USER="mark")
    assert seen.returncode == 0, seen.stderr
    view = json.loads(seen.stdout)
    assert view["view"] == "summary" and "privacy" not in view
    cli_login(ws, "stella", "steward")
    missing = cli(["report", dataset, "--html", str(tmp_path / "no" / "such" / "dir.html")], ws.home)
    assert missing.returncode == 1 and "cannot write" in missing.stderr and "Traceback" not in missing.stderr
