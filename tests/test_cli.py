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


def test_version_names_the_installed_package(tmp_path: Path):
    from importlib.metadata import version

    result = run(["--version"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"crm-sandbox {version('crm-sandbox')}"


def test_package_dependencies_are_ranges_and_the_tested_versions_are_constraints():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    exact = [d for d in project["dependencies"] if "==" in d]
    assert exact == [], f"exact pins in [project.dependencies] stop installs beside other stacks: {exact}"
    pins = dict(line.split("==", 1) for line in (REPO / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert pins["torch"] == "2.13.0", "the CPU wheel of torch on this machine's disk is 2.13.0"
    for dep in project["dependencies"]:
        name = dep.split(">")[0].split("<")[0].split("=")[0].strip().lower()
        assert any(k.lower().replace("_", "-") == name for k in pins), f"{name} has no tested version in constraints"
    assert (REPO / "sandbox" / "py.typed").exists() and (REPO / "generators" / "py.typed").exists()
