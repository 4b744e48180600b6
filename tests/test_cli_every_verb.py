"""Every verb of the command line, given bad arguments, answers in one line and never with a traceback (issue 18.4).

The verbs are read from the Typer app itself, so a verb added later is covered without touching this test. Each
is run (in process, signed in as a real admin of a real workspace) three ways: with no arguments, with an option
that does not exist, and with objects that do not exist (datasets, proposals, users, files, roles). A test
never lists what to expect per verb; it asserts what holds for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from sandbox.cli import app
from tests.access_support import World
from tests.helpers_login import cli_login


def _verbs() -> Iterator[tuple[tuple[str, ...], object]]:
    def walk(command: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], object]]:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, (*path, name))
        else:
            yield path, command

    yield from walk(typer.main.get_command(app), ())


VERBS = dict(_verbs())


def _bad_values(path: tuple[str, ...], command: object, missing: Path) -> list[str]:
    """Arguments naming objects that do not exist; required options filled the same way."""
    args: list[str] = []
    for param in command.params:  # type: ignore[attr-defined]
        if param.param_type_name == "argument":
            args.append(str(missing) if param.name in ("file", "paths") else f"no-such-{param.name}")
        elif param.required:
            value = str(missing) if param.opts[0] in ("--file",) else f"no-such-{param.name}"
            args += [param.opts[0], value]
    return [*path, *args]


def _check(result, args: list[str]) -> None:
    said = (result.stdout or "") + (result.stderr or "")
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in said, (args, said)
    assert result.exit_code != 0, (args, said)
    if result.exit_code == 1:  # a product error: one line
        lines = [line for line in (result.stderr or "").splitlines()  # password prompts are not answers
                 if line.strip() and not line.rstrip().endswith(":") and not line.startswith("Warning: Password")]
        assert len(lines) == 1, (args, result.stderr)


@pytest.fixture()
def signed_in(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("SANDBOX_HOME", str(world.ws.home))
    return world


def test_the_verbs_are_all_found():
    assert len(VERBS) >= 40 and ("proposals", "vote") in VERBS and ("export", "rows") in VERBS


@pytest.mark.parametrize("role", ["admin", "steward", "marketer"])  # each reaches other checks past the rights
def test_every_verb_with_bad_arguments_answers_in_one_line(signed_in: World, tmp_path: Path, role: str):
    cli_login(signed_in.ws, f"every-{role}", role)
    runner = CliRunner()
    missing = tmp_path / "no-such-file.yaml"
    checked = 0
    needing = 0
    for path, command in VERBS.items():
        runs = [[*path, "--no-such-option"]]
        if any(p.required for p in command.params):  # type: ignore[attr-defined]
            runs += [list(path), _bad_values(path, command, missing)]
            needing += 1
        for args in runs:
            _check(runner.invoke(app, args, input="not-the-password-1\n" * 3), args)
            checked += 1
    assert needing >= 25 and checked == len(VERBS) + 2 * needing
