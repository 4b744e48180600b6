"""Access commands of `sandbox`: users, retention, forget, exports and the audit export.

Registered on the main app by :func:`register`. Each command parses options, calls one library function
and prints its result; named errors become one line on stderr (``sandbox.cli.handled``).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from sandbox.cli import base as cli

users_app = typer.Typer(help="Users, roles and passwords (admins; the first admin bootstraps an empty workspace).",
                        no_args_is_help=True)
retention_app = typer.Typer(help="Delete what the catalog's retention says has expired.", no_args_is_help=True)
export_app = typer.Typer(help="Export synthetic rows or aggregates, with a justification (logged, manager told).",
                         no_args_is_help=True)

JSON_OPT = typer.Option(False, "--json", help="Print one JSON object on stdout.")
STDIN_OPT = typer.Option(False, "--password-stdin", help="Read the password from standard input.")
JUSTIFY_OPT = typer.Option(..., "--justification", "-j",
                           help="Why this export is needed (logged; your manager is told).")



def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password from stdin, or a generated one (then printed once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    from sandbox.governance.users import generate_password

    return generate_password(), True


def _show_user(record: Any, password: str | None = None) -> None:
    seat = f" ({record.seat})" if record.seat else ""
    state = "disabled" if record.disabled else "enabled"
    cli.out.print(f"{record.name}: {record.role}{seat}, {state}, manager {record.manager or '-'}")
    if password:
        cli.out.print(f"  password (shown once, hand it over safely): {password}")


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name (lowercase; an e-mail address is fine)."),
    role: str = typer.Option(..., "--role", help="marketer, data_scientist, council, steward or admin."),
    seat: str | None = typer.Option(None, "--seat", help="Council seat: marketing, sales, support, security, product."),
    manager: str | None = typer.Option(None, "--manager", help="Who is told about this user's exports."),
    email: str | None = typer.Option(None, "--email", help="E-mail of the single sign-on identity (OIDC)."),
    password_stdin: bool = STDIN_OPT,
    sso_only: bool = typer.Option(False, "--sso-only", help="No password: sign-in only by single sign-on."),
    as_json: bool = JSON_OPT,
) -> None:
    """Add a user (admins). On a workspace without users, the operator may add the first admin."""
    from sandbox.governance.users import add_user

    with cli.handled():
        ws, actor = cli._ctx()
        password, generated = (None, False) if sso_only else _password(password_stdin)
        record = add_user(ws, actor, name, role, seat=seat, password=password, manager=manager, email=email)
    shown = password if generated else None
    cli.emit({"user": record, "password": shown}, as_json, lambda _: _show_user(record, shown))


@users_app.command("list")
def users_list(as_json: bool = JSON_OPT) -> None:
    """List users with role, seat, state and manager (admins)."""
    from sandbox.governance.users import list_users

    with cli.handled():
        ws, actor = cli._ctx()
        found = list_users(ws, actor)
    cli.emit({"users": found}, as_json, lambda _: cli.each(_show_user, found))


@users_app.command("disable")
def users_disable(name: str = typer.Argument(...), as_json: bool = JSON_OPT) -> None:
    """Disable a user; their open sessions stop working on the next request (admins)."""
    from sandbox.governance.users import disable_user

    with cli.handled():
        ws, actor = cli._ctx()
        record = disable_user(ws, actor, name)
    cli.emit(record, as_json, _show_user)


@users_app.command("enable")
def users_enable(name: str = typer.Argument(...), as_json: bool = JSON_OPT) -> None:
    """Enable a user again and clear a lockout (admins)."""
    from sandbox.governance.users import enable_user

    with cli.handled():
        ws, actor = cli._ctx()
        record = enable_user(ws, actor, name)
    cli.emit(record, as_json, _show_user)


@users_app.command("role")
def users_role(
    name: str = typer.Argument(...),
    role: str = typer.Argument(..., help="marketer, data_scientist, council, steward or admin."),
    seat: str | None = typer.Option(None, "--seat", help="Council seat (council members only)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Change a user's role; it applies on their next request (admins)."""
    from sandbox.governance.users import set_role

    with cli.handled():
        ws, actor = cli._ctx()
        record = set_role(ws, actor, name, role, seat)
    cli.emit(record, as_json, _show_user)


@users_app.command("passwd")
def users_passwd(name: str = typer.Argument(...), password_stdin: bool = STDIN_OPT, as_json: bool = JSON_OPT) -> None:
    """Set a user's password (admins, or a user for themself); a generated one is printed once."""
    from sandbox.governance.users import set_password

    with cli.handled():
        ws, actor = cli._ctx()
        password, generated = _password(password_stdin)
        record = set_password(ws, actor, name, password)
    shown = password if generated else None
    cli.emit({"user": record, "password": shown}, as_json, lambda _: _show_user(record, shown))


@retention_app.command("run")
def retention_run(
    now: datetime | None = typer.Option(None, "--now", help="Judge expiry at this ISO time (tests, dry planning)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Delete expired vault snapshots, models and synthetic datasets, and log what was deleted (steward, admin)."""
    from sandbox.duties.retention import run

    with cli.handled():
        ws, actor = cli._ctx()
        report = run(ws, actor, now)

    def human(r: Any) -> None:
        cli.out.print(f"retention at {r.now:%Y-%m-%d %H:%M} UTC: {len(r.deleted)} deleted")
        for d in r.deleted:
            cli.out.print(f"  {d.kind} {d.id} (expired {d.expires_at:%Y-%m-%d}): {', '.join(d.files) or 'no file'}")

    cli.emit(report, as_json, human)


def forget(
    source: str = typer.Option(..., "--source", help="Source the person's record came from."),
    id_value: str = typer.Option(..., "--id", help="The person's identifier as in the source export."),
    column: str | None = typer.Option(None, "--column", help="TABLE.COLUMN of the identifier (default: every "
                                                             "primary key)."),
    regenerate: bool = typer.Option(False, "--regenerate", help="Regenerate stale datasets from the new snapshot."),
    as_json: bool = JSON_OPT,
) -> None:
    """Remove a data subject from the vault; withdraw or regenerate every model and dataset learned from them."""
    from sandbox.duties.forget import forget as run

    with cli.handled(), cli.progress_bar(not as_json) as bar:
        ws, actor = cli._ctx()
        report = run(ws, actor, source, id_value, column, regenerate=regenerate, progress=bar)

    def human(r: Any) -> None:
        if not r.found:
            cli.out.print(f"no record with that identifier in any active snapshot of {r.source}; nothing touched")
            return
        for s in r.snapshots:
            removed = ", ".join(f"{t} {n}" for t, n in s.rows_removed.items() if n)
            cli.out.print(f"snapshot {s.old} replaced by {s.new} (rows removed: {removed})")
        cli.out.print(f"stale models: {', '.join(r.stale_models) or 'none'}")
        cli.out.print(f"stale datasets: {', '.join(r.stale_datasets) or 'none'}")
        for old, new in r.regenerated.items():
            cli.out.print(f"regenerated {old} as {new}")
        cli.out.print(f"deleted files: {', '.join(r.deleted_files) or 'none'}")

    cli.emit(report, as_json, human)


def audit_export(
    fmt: str = typer.Option("json", "--format", help="csv or json."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
    actor: str | None = typer.Option(None, "--actor", help="Only events of this user."),
    action: str | None = typer.Option(None, "--action", help="Only this action (or a prefix ending in '.')."),
    obj: str | None = typer.Option(None, "--object", help="Only objects whose name contains this."),
    outcome: str | None = typer.Option(None, "--outcome", help="Only this outcome (ok, denied, failed, ...)."),
    since: datetime | None = typer.Option(None, "--since", help="From this ISO time (UTC)."),
    until: datetime | None = typer.Option(None, "--until", help="Up to this ISO time (UTC)."),
) -> None:
    """Export the audit log as CSV or JSON with its hashes (admins, the council's security seat)."""
    from sandbox.governance.audit import AuditFilter, export

    with cli.handled():
        ws, user = cli._ctx()
        flt = AuditFilter(actor=actor, action=action, object=obj, outcome=outcome, since=since, until=until,
                          limit=1_000_000)
        text = export(ws, user, fmt, flt)  # type: ignore[arg-type]
    if output:
        output.write_text(text, encoding="utf-8")
        cli.err.print(f"wrote {output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _show_export(r: Any) -> None:
    cli.out.print(f"export {r.id}: {r.rows} rows of {r.dataset}{' / ' + r.object if r.object else ''} -> {r.path}")
    cli.out.print(f"  logged; notified: {', '.join(r.notified)}")


@export_app.command("rows")
def export_rows(
    dataset: str = typer.Argument(...),
    table: str = typer.Argument(...),
    justification: str = JUSTIFY_OPT,
    limit: int | None = typer.Option(None, "--limit", help="At most this many rows (default: the whole table)."),
    offset: int = typer.Option(0, "--offset"),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
    as_json: bool = JSON_OPT,
) -> None:
    """Export rows of one synthetic table (marketers within a daily row limit, data scientists, stewards)."""
    from sandbox.duties.exports import export_rows as run

    with cli.handled():
        ws, user = cli._ctx()
        result = run(ws, user, dataset, table, justification, limit=limit, offset=offset, fmt=fmt)  # type: ignore
    cli.emit(result, as_json, _show_export)


@export_app.command("distribution")
def export_distribution(
    dataset: str = typer.Argument(...),
    table: str = typer.Argument(...),
    column: str = typer.Argument(...),
    justification: str = JUSTIFY_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Export an aggregate: the distribution of one column of a synthetic table."""
    from sandbox.duties.exports import export_distribution as run

    with cli.handled():
        ws, user = cli._ctx()
        result = run(ws, user, dataset, table, column, justification)
    cli.emit(result, as_json, _show_export)


@export_app.command("dataset")
def export_dataset(dataset: str = typer.Argument(...), justification: str = JUSTIFY_OPT,
                   as_json: bool = JSON_OPT) -> None:
    """Export a whole synthetic dataset as a zip of CSV files (bulk export: stewards)."""
    from sandbox.duties.exports import export_dataset as run

    with cli.handled():
        ws, user = cli._ctx()
        result = run(ws, user, dataset, justification)
    cli.emit(result, as_json, _show_export)


def login(
    name: str = typer.Argument(..., help="Your registered user name."),
    password_stdin: bool = STDIN_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Sign the command line in as NAME: the session token is kept in your home (0600) until it expires."""
    import getpass

    from sandbox.governance.identity import login as sign_in
    from sandbox.workspace import Workspace

    with cli.handled():
        ws = Workspace()
        password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass(f"password of {name}: ")
        user = sign_in(ws, name, password)
    cli.emit({"user": user}, as_json, lambda _: cli.out.print(f"signed in as {user.name} ({user.role})"))


def logout(as_json: bool = JSON_OPT) -> None:
    """End the command line's session on this workspace."""
    from sandbox.governance.identity import logout as sign_out
    from sandbox.workspace import Workspace

    with cli.handled():
        ended = sign_out(Workspace())
    cli.emit({"signed_out": ended}, as_json,
             lambda _: cli.out.print("signed out" if ended else "not signed in on this workspace"))


def whoami(as_json: bool = JSON_OPT) -> None:
    """Who the command line acts as on this workspace, and with which role."""
    with cli.handled():
        _, actor = cli._ctx()
    seat = f", seat {actor.seat}" if actor.seat else ""
    cli.emit({"user": actor}, as_json, lambda _: cli.out.print(f"{actor.name} ({actor.role}{seat})"))


def register(app: typer.Typer, audit_app: typer.Typer) -> None:
    """Add the access commands to the main ``sandbox`` app and its ``audit`` group."""
    app.add_typer(users_app, name="users")
    app.add_typer(retention_app, name="retention")
    app.add_typer(export_app, name="export")
    app.command("forget")(forget)
    audit_app.command("export")(audit_export)
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
