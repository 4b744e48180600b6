"""`sandbox proposals ...` and `sandbox policy ...`: the ethics council from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml

from sandbox.cli import base as cli
from sandbox.errors import InputError

proposals_app = typer.Typer(help="Proposals to the ethics council: create, submit, vote, roll out.",
                            no_args_is_help=True)
policy_app = typer.Typer(help="The council's red-flag policy.", no_args_is_help=True)
JSON_OPT = typer.Option(False, "--json", help="Print one JSON object on stdout.")



def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} must hold a mapping of proposal fields")
    return data


def _line(p: Any) -> None:
    cli.out.print(f"{p.id} [{p.state}] v{p.version} {p.title} ({p.proposer})", highlight=False)


@proposals_app.command("list")
def list_(state: str | None = typer.Option(None, "--state", help="Only proposals in this state."),
          mine: bool = typer.Option(False, "--mine", help="Only my proposals."), as_json: bool = JSON_OPT) -> None:
    """List proposals, newest first."""
    from sandbox.council import list_proposals

    with cli.handled():
        ws, user = cli._ctx()
        found = list_proposals(ws, user, state=state, mine=mine)
    cli.emit({"proposals": found}, as_json, lambda d: cli.each(_line, d["proposals"]))


@proposals_app.command("queue")
def queue(as_json: bool = JSON_OPT) -> None:
    """What needs my vote (council), flagged proposals first."""
    from sandbox.council import council_queue

    with cli.handled():
        ws, user = cli._ctx()
        items = council_queue(ws, user)
    cli.emit({"queue": items}, as_json, lambda d: cli.each(_line, [i.proposal for i in d["queue"]]))


@proposals_app.command("show")
def show(proposal: str = typer.Argument(...), as_json: bool = JSON_OPT) -> None:
    """A proposal with its flags, quorum, votes, versions and history."""
    from sandbox.council import proposal_view

    with cli.handled():
        ws, user = cli._ctx()
        view = proposal_view(ws, user, proposal)
    cli.emit(view, as_json, _print_view)


def _print_view(v: Any) -> None:
    out = cli.out
    _line(v.proposal)
    out.print(v.proposal.hypothesis, highlight=False)
    for f in v.report.flags:
        ack = f" (acknowledged: {f.acknowledged})" if f.acknowledged else ""
        out.print(f"  [{'red' if f.severity == 'hard' else 'yellow'}]{f.severity}[/] {f.rule}: {f.message}{ack}",
                  highlight=False)
    out.print(f"  quorum: {v.tally.summary()}")
    for vote in v.votes:
        out.print(f"  vote r{vote.round} {vote.voter} ({vote.seat}): {vote.choice} - {vote.reason}", highlight=False)


@proposals_app.command("create")
def create(file: Path = typer.Option(..., "--file", help="Proposal YAML (title, hypothesis, dataset, ...)."),
           as_json: bool = JSON_OPT) -> None:
    """Create a draft proposal from a YAML file."""
    from sandbox.council import create_draft

    with cli.handled():
        ws, user = cli._ctx()
        p = create_draft(ws, user, _read(file))
    cli.emit(p, as_json, _line)


@proposals_app.command("edit")
def edit(proposal: str = typer.Argument(...), file: Path = typer.Option(..., "--file", help="Changed fields (YAML)."),
         as_json: bool = JSON_OPT) -> None:
    """Change fields of a proposal (a material change after approval sends it back to the council)."""
    from sandbox.council import update_draft

    with cli.handled():
        ws, user = cli._ctx()
        p = update_draft(ws, user, proposal, _read(file))
    cli.emit(p, as_json, _line)


@proposals_app.command("submit")
def submit(proposal: str = typer.Argument(...), as_json: bool = JSON_OPT) -> None:
    """Send a proposal to the council (refused while a hard flag fires or a soft one is unacknowledged)."""
    from sandbox.council import submit as run

    with cli.handled():
        ws, user = cli._ctx()
        p = run(ws, user, proposal)
    cli.emit(p, as_json, _line)


@proposals_app.command("acknowledge")
def acknowledge(proposal: str = typer.Argument(...), rule: str = typer.Argument(..., help="Soft rule id."),
                reason: str = typer.Option(..., "--reason", help="Why going ahead is justified."),
                as_json: bool = JSON_OPT) -> None:
    """Acknowledge a soft flag with a written reason."""
    from sandbox.council import acknowledge as run

    with cli.handled():
        ws, user = cli._ctx()
        p = run(ws, user, proposal, rule, reason)
    cli.emit(p, as_json, _line)


@proposals_app.command("vote")
def vote(proposal: str = typer.Argument(...),
         choice: str = typer.Argument(..., help="approve, reject or request_changes."),
         reason: str = typer.Option(..., "--reason", help="Every vote has a written reason."),
         as_json: bool = JSON_OPT) -> None:
    """Vote on a submitted proposal (council; SANDBOX_SEAT names your seat)."""
    from sandbox.council import vote as run

    with cli.handled():
        ws, user = cli._ctx()
        p = run(ws, user, proposal, choice.replace("-", "_"), reason)  # type: ignore[arg-type]
    cli.emit(p, as_json, _line)


@proposals_app.command("withdraw")
def withdraw(proposal: str = typer.Argument(...), reason: str = typer.Option("", "--reason"),
             as_json: bool = JSON_OPT) -> None:
    """Withdraw a proposal (final)."""
    from sandbox.council import withdraw as run

    with cli.handled():
        ws, user = cli._ctx()
        p = run(ws, user, proposal, reason)
    cli.emit(p, as_json, _line)


@proposals_app.command("rollout")
def rollout(proposal: str = typer.Argument(...), reason: str = typer.Option("", "--reason"),
            as_json: bool = JSON_OPT) -> None:
    """Record that an approved proposal was rolled out to real customers (final)."""
    from sandbox.council import mark_rolled_out

    with cli.handled():
        ws, user = cli._ctx()
        p = mark_rolled_out(ws, user, proposal, reason)
    cli.emit(p, as_json, _line)


@proposals_app.command("packet")
def packet(proposal: str = typer.Argument(...),
           fmt: str = typer.Option("md", "--format", help="md or json."),
           out_file: Path | None = typer.Option(None, "--out", help="Write the packet to this file.")) -> None:
    """Export the rollout packet of an approved proposal (the export is logged)."""
    from sandbox.council import export_packet

    with cli.handled():
        if fmt not in ("md", "json"):
            raise InputError("--format is md or json")
        ws, user = cli._ctx()
        text = export_packet(ws, user, proposal, fmt, out_file)  # type: ignore[arg-type]
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        cli.err.print(f"wrote {out_file}")


@proposals_app.command("override")
def override(dataset: str = typer.Argument(...), reason: str = typer.Option(..., "--reason"),
             as_json: bool = JSON_OPT) -> None:
    """Ask the council to publish a dataset whose release gate failed (steward)."""
    from sandbox.council import request_gate_override

    with cli.handled():
        ws, user = cli._ctx()
        p = request_gate_override(ws, user, dataset, reason)
    cli.emit(p, as_json, _line)


@policy_app.command("check")
def check(proposal: str = typer.Argument(..., help="A proposal id, or a proposal YAML file not yet created."),
          as_json: bool = JSON_OPT) -> None:
    """Explain every rule that fires on a proposal, and why."""
    from sandbox.council import check as run

    with cli.handled():
        ws, user = cli._ctx()
        target: Any = _read(Path(proposal)) if proposal.endswith((".yaml", ".yml", ".json")) else proposal
        report = run(ws, user, target)
    cli.emit(report, as_json, _print_report)


def _print_report(r: Any) -> None:
    out = cli.out
    out.print(f"{r.proposal}: policy v{r.policy_version}, {len(r.flags)} flag(s)")
    for f in r.flags:
        fields = f" [{', '.join(f.fields)}]" if f.fields else ""
        out.print(f"  {f.severity} {f.rule}{fields}: {f.message}", highlight=False)
    out.print(f"  silent: {', '.join(r.silent) or '-'}")


@policy_app.command("show")
def show_policy(as_json: bool = JSON_OPT) -> None:
    """The policy in force (rules with descriptions, quorum)."""
    from sandbox.council import show_policy as run

    with cli.handled():
        ws, user = cli._ctx()
        policy, text = run(ws, user)
    cli.emit(policy, as_json, lambda _: typer.echo(text, nl=False))


@policy_app.command("set")
def set_policy(file: Path = typer.Argument(..., help="Policy YAML."), as_json: bool = JSON_OPT) -> None:
    """Save a policy YAML as the next version (admin)."""
    from sandbox.council import save_policy

    with cli.handled():
        if not file.is_file():
            raise InputError(f"file not found: {file}")
        ws, user = cli._ctx()
        policy = save_policy(ws, user, file)
    cli.emit(policy, as_json, lambda p: cli.out.print(f"policy v{p.version} saved ({len(p.rules)} rules)"))


@proposals_app.command("notify")
def send_notifications(as_json: bool = JSON_OPT) -> None:
    """Send pending notifications by e-mail (SANDBOX_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM, _TLS;
    user names without '@' get SANDBOX_MAIL_DOMAIN, default localhost)."""
    import os

    from sandbox.governance.notify import SmtpSettings, send_pending

    with cli.handled():
        settings = SmtpSettings.from_env()
        if not settings.host:
            raise InputError("set SANDBOX_SMTP_HOST (and _PORT, _USER, _PASSWORD as needed) to send e-mail")
        ws, _ = cli._ctx()
        sent = send_pending(ws, settings, domain=os.environ.get("SANDBOX_MAIL_DOMAIN", "localhost"))
    cli.emit({"sent": sent}, as_json, lambda d: cli.out.print(f"sent {d['sent']} message(s)"))
