"""`sandbox demo`: the whole pipeline on the built-in demo CRM, from export to a published dataset."""

from __future__ import annotations

import tempfile
from pathlib import Path

from generators.demo_crm import write_demo_crm
from sandbox.governance.access import User
from sandbox.progress import Progress, silent
from sandbox.release.datasets import publish
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace

DEMO_SOURCE = "demo_crm"
DEMO_TARGET = "deals.stage=won"


def run_demo(ws: Workspace, user: User, *, customers: int = 20_000, locale: str = "en_US", seed: int = 0,
             generator: str | None = None, progress: Progress = silent) -> str:
    """Make the demo export (outside the workspace), ingest, synthesize, evaluate, publish; return a summary."""
    with tempfile.TemporaryDirectory(prefix="crm-demo-export-") as folder:
        write_demo_crm(Path(folder), customers=customers, locale=locale, seed=seed)
        progress("ingesting the demo CRM", 0, 4)
        ingested = ingest(ws, user, [folder], DEMO_SOURCE, accept_proposed=True, target=DEMO_TARGET,
                          locale=locale, seed=seed)
    progress("synthesizing", 1, 4)
    info = synthesize(ws, user, DEMO_SOURCE, generator=generator, seed=seed)
    progress("evaluating", 2, 4)
    report = evaluate(ws, user, info.id)
    lines = [f"ingested {sum(ingested.tables.values())} rows into snapshot {ingested.snapshot}",
             f"synthesized {info.id} with {info.generator}: {info.rows}",
             f"gate: {report['gate']} (quality {report['quality']['overall']:.3f})"]
    if report["gate"] == "pass":
        publish(ws, user, info.id)
        lines.append(f"published {info.id}")
    else:
        from sandbox.release.gate_reasons import reasons_words

        lines += [f"not published: {r}" for r in reasons_words(report["reasons"])]
    lines += demo_users_lines(ws, user)
    progress("done", 4, 4)
    return "\n".join(lines)


def demo_users_lines(ws: Workspace, user: User) -> list[str]:
    """Create the demo users (on a workspace without users) and say how to sign in as each."""
    from sandbox.governance.users import DEMO_USERS, create_demo_users

    created = create_demo_users(ws, user)
    if not created:
        return ["demo users: the workspace already has users (sign in with their passwords)"]
    roles = {name: role + (f"/{seat}" if seat else "") for name, role, seat, _ in DEMO_USERS}
    return ["demo users (name / password / role) for signing in to the app:"] + [
        f"  {name} / {password} / {roles[name]}" for name, password in created.items()]
