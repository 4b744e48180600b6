"""The CLI as a user runs it: one JSON object with --json, one clear error line, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run(args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANDBOX_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "sandbox.cli", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "/nonexistent/customers.csv", "--source", "x"], "no such file or folder"),
        (["evaluate", "nope-123"], "no dataset 'nope-123'"),
        (["publish", "nope-123"], "no dataset 'nope-123'"),
        (["synthesize", "never_ingested"], "no vault snapshot for source 'never_ingested'"),
        (["catalog", "never_ingested"], "no catalog for source 'never_ingested'"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path: Path, args: list[str], message: str):
    result = run(args, tmp_path / "ws")
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_empty_csv_is_refused_by_name(tmp_path: Path):
    empty = tmp_path / "contacts.csv"
    empty.write_text("")
    result = run(["ingest", str(empty), "--source", "crm", "--accept-proposed"], tmp_path / "ws")
    assert result.returncode == 1
    assert "contacts.csv: the file is empty" in result.stderr
    header_only = tmp_path / "deals.csv"
    header_only.write_text("deal_id,amount\n")
    result = run(["ingest", str(header_only), "--source", "crm", "--accept-proposed"], tmp_path / "ws")
    assert result.returncode == 1 and "has a header but no rows" in result.stderr
    assert not list((tmp_path / "ws" / "vault").iterdir()), "a failed ingest left files in the vault"


def test_json_pipeline_over_the_cli(tmp_path: Path, telco_sample: Path):
    home = tmp_path / "ws"
    ingested = run(["ingest", str(telco_sample), "--source", "telco", "--accept-proposed", "--json"], home)
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["tables"] == {"telco": 1500}
    made = run(["synthesize", "telco", "--generator", "gaussian_copula", "--rows", "500", "--json"], home)
    assert made.returncode == 0, made.stderr
    dataset = json.loads(made.stdout)["dataset"]
    assert json.loads(made.stdout)["rows"] == {"telco": 500}
    listed = json.loads(run(["datasets", "--all", "--json"], home).stdout)
    assert [d["id"] for d in listed["datasets"]] == [dataset]
    verified = run(["audit", "verify", "--json"], home)
    assert json.loads(verified.stdout)["ok"] is True
    assert json.loads(verified.stdout)["events"] >= 2


def test_every_command_has_help_text():
    from typer.main import get_command

    from sandbox.cli import app

    group = get_command(app)
    for name, command in group.commands.items():
        assert command.help, f"command {name} has no help text"
