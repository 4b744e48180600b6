"""What every `sandbox` command shares: the Typer app, the consoles, JSON output, one-line errors, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sandbox.errors import SandboxError
from sandbox.progress import Progress as Reporter
from sandbox.progress import silent

app = typer.Typer(help="CRM Sandbox: test ideas about customers on synthetic data.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
err = Console(stderr=True)
out = Console()

JSON_OPT = typer.Option(False, "--json", help="Print one JSON object on stdout.")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out.print(f"crm-sandbox {version('crm-sandbox')}", highlight=False)
        except PackageNotFoundError:
            out.print("crm-sandbox (not installed)", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """CRM Sandbox: test ideas about customers on synthetic data."""


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def each(show: Callable[[Any], None], items: Iterable[Any]) -> None:
    """Show every item, one call each (the human rendering of a list)."""
    for item in items:
        show(item)


def emit(value: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    """One JSON object for scripts, or a human rendering."""
    if as_json:
        sys.stdout.write(json.dumps(_dump(value), ensure_ascii=False, default=str) + "\n")
    else:
        human(value)


@contextmanager
def handled() -> Iterator[None]:
    """Named errors become one line and exit code 1; no traceback."""
    try:
        yield
    except SandboxError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted; nothing was published")
        raise typer.Exit(130) from None


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Reporter]:
    """A rich progress bar on stderr (silent under --json so stdout stays one JSON object)."""
    if not enabled or not err.is_terminal:
        yield silent
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("starting", total=1)

        def update(step: str, done: float, total: float | None = None) -> None:
            bar.update(task, description=step, completed=done, total=total or 1)

        yield update


def _ctx():
    """The workspace (after its retention check on start) and the acting user (a registered user's stored role)."""
    from sandbox.duties.retention import check_on_start
    from sandbox.governance.identity import cli_user
    from sandbox.workspace import Workspace

    ws = Workspace()
    check_on_start(ws)
    return ws, cli_user(ws)
