"""The `sandbox` command: parses options, calls one library function, turns named errors into messages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sandbox.cli.access import register as _register_access
from sandbox.cli.base import JSON_OPT, _ctx, app, audit_app, emit, handled, out, progress_bar
from sandbox.cli.council import policy_app, proposals_app

app.add_typer(proposals_app, name="proposals")
app.add_typer(policy_app, name="policy")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="CSV, Parquet or DuckDB files, or folders of them."),
    source: str = typer.Option(..., "--source", help="Name of the source in the vault."),
    catalog: Path | None = typer.Option(None, "--catalog", help="Steward-edited catalog YAML to apply."),
    accept_proposed: bool = typer.Option(False, "--accept-proposed", help="Accept detected column classes."),
    holdout: float | None = typer.Option(None, "--holdout", help="Share of root entities kept for the gate."),
    as_json: bool = JSON_OPT,
) -> None:
    """Classify, pseudonymize and store a CRM export in the vault (steward)."""
    from sandbox.vault.ingest import ingest as run

    with handled(), progress_bar(not as_json) as bar:
        ws, user = _ctx()
        result = run(ws, user, list(paths), source, catalog_file=catalog, accept_proposed=accept_proposed,
                     holdout_share=holdout, progress=bar)
    emit(result, as_json, lambda r: _print_ingest(r))


def _print_ingest(r: Any) -> None:
    out.print(f"ingested [bold]{r.source}[/bold] as snapshot {r.snapshot} (catalog v{r.catalog_version})")
    for t, n in r.tables.items():
        dropped = ", ".join(r.dropped_columns[t]) or "none"
        out.print(f"  {t}: {n} rows ({r.holdout_rows[t]} held out); dropped: {dropped}")
    from sandbox.catalog.inventory import k_anonymity_lines

    for line in k_anonymity_lines(r.k_anonymity):
        out.print(f"  k-anonymity of {line}")
    for w in r.warnings:
        out.print(f"  [yellow]warning:[/yellow] {w}")


@app.command()
def synthesize(
    source: str = typer.Argument(..., help="Source to learn from."),
    generator: str | None = typer.Option(None, "--generator", help="Generator backend (default: the best)."),
    seed: int = typer.Option(0, "--seed"),
    rows: int | None = typer.Option(None, "--rows", help="Number of root rows to generate."),
    scale: float | None = typer.Option(None, "--scale", help="Size relative to the training data."),
    focus: bool = typer.Option(False, "--focus/--no-focus", help="Model the catalog's fidelity target first "
                               "(cart): steadier segment conclusions, slightly closer to training rows."),
    engine: str = typer.Option("local", "--engine", help="local (one DuckDB file) or ray (shards into Iceberg)."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address (default: Ray on this "
                                       "machine with 2 CPUs)."),
    shards: int = typer.Option(2, "--shards", help="Ray tasks sampling whole families (engine ray)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Fit a generator and stage a synthetic dataset (steward)."""
    from sandbox.release.synthesize import synthesize as run

    with handled(), progress_bar(not as_json) as bar:
        ws, user = _ctx()
        info = run(ws, user, source, generator=generator, seed=seed, rows=rows, scale=scale, focus=focus,
                   progress=bar, engine=engine, address=address, shards=shards)
    emit({"dataset": info.id, **info.model_dump(mode="json")}, as_json,
         lambda d: out.print(f"staged dataset [bold]{d['dataset']}[/bold] ({d['generator']}): {d['rows']}"))


@app.command()
def evaluate(
    dataset: str = typer.Argument(...),
    target: str | None = typer.Option(None, "--target", help="TABLE.COLUMN[=POSITIVE] for hypothesis fidelity."),
    as_json: bool = JSON_OPT,
) -> None:
    """Run the release gate: quality, privacy and hypothesis fidelity (steward)."""
    from sandbox.release.gate import evaluate as run

    with handled(), progress_bar(not as_json) as bar:
        ws, user = _ctx()
        result = run(ws, user, dataset, target=target, progress=bar)
    emit(result, as_json, _print_gate)


def _print_gate(r: dict) -> None:
    colour = "green" if r["gate"] == "pass" else "red"
    out.print(f"dataset {r['dataset']}: gate [{colour}]{r['gate']}[/{colour}]")
    out.print(f"  quality {r['quality']['overall']:.3f}; DCR share {r['privacy']['dcr_share']:.3f}; "
              f"leaked values {r['privacy']['leaked_values']}")
    fid = r.get("fidelity") or {}
    if fid.get("sign_agreement") is not None:
        out.print(f"  fidelity on {fid['target']}: sign agreement {fid['sign_agreement']:.3f}, "
                  f"rank correlation {fid['rank_correlation'] or 0:.3f}")
    from sandbox.release.gate_reasons import reasons_words

    for reason in reasons_words(r["reasons"]):
        out.print(f"  [red]-[/red] {reason}", highlight=False)


@app.command()
def publish(dataset: str = typer.Argument(...), as_json: bool = JSON_OPT) -> None:
    """Publish a dataset whose gate passed (steward)."""
    from sandbox.release.datasets import publish as run

    with handled():
        ws, user = _ctx()
        info = run(ws, user, dataset)
    emit(info, as_json, lambda i: out.print(f"published [bold]{i.id}[/bold]"))


@app.command("report")
def report_cmd(
    dataset: str = typer.Argument(...),
    html_file: Path | None = typer.Option(None, "--html", help="Also write it as one self-contained HTML file."),
    as_json: bool = JSON_OPT,
) -> None:
    """Show a dataset's gate report (in full for stewards and council, verdict and fidelity for others)."""
    from sandbox.errors import InputError
    from sandbox.release.report import gate_report_view, render_html

    with handled():
        ws, user = _ctx()
        view = gate_report_view(ws, user, dataset)
        if html_file is not None:
            try:
                html_file.write_text(render_html(view), encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot write {html_file}: {exc.strerror}") from None
    emit(view, as_json, _print_report)


def _print_report(view: dict) -> None:
    from sandbox.release.gate_reasons import reasons_words
    from sandbox.release.report import report_words

    words = report_words(view)
    colour = "green" if view["gate"] == "pass" else "red"
    out.print(f"dataset {view['dataset']}: gate [{colour}]{view['gate']}[/{colour}]. {words['verdict'][0]}")
    for reason in reasons_words(view["reasons"]):
        out.print(f"  [red]-[/red] {reason}", highlight=False)
    for measure in ("quality", "relationships", "privacy", "fidelity"):
        for line in words.get(measure, []):
            out.print(f"  {measure}: {line}", highlight=False)


@app.command()
def datasets(all_: bool = typer.Option(False, "--all", help="Include staged and failed datasets (steward)."),
             as_json: bool = JSON_OPT) -> None:
    """List synthetic datasets."""
    from sandbox.release.datasets import list_datasets

    with handled():
        ws, user = _ctx()
        found = list_datasets(ws, user, include_unpublished=all_)
    emit({"datasets": found}, as_json, lambda d: _print_datasets(d["datasets"]))


def _print_datasets(found: list) -> None:
    table = Table("dataset", "source", "generator", "rows", "status", "gate", "quality")
    for d in found:
        quality = f"{d.quality:.3f}" if d.quality is not None else "-"
        table.add_row(d.id, d.source, d.generator, str(sum(d.rows.values())), d.status, d.gate or "-", quality)
    out.print(table)


@app.command()
def catalog(
    source: str = typer.Argument(...),
    export: Path | None = typer.Option(None, "--export", help="Write the catalog as YAML to this file."),
    report: Path | None = typer.Option(None, "--report", help="Write a record of processing (.md or .html)."),
    wide: bool = typer.Option(False, "--wide", help="Also show each column's kind and full justification."),
    as_json: bool = JSON_OPT,
) -> None:
    """Show a source's column inventory (steward, admin, council)."""
    from sandbox.catalog.inventory import k_anonymity, show

    with handled():
        ws, user = _ctx()
        cat = show(ws, user, source, export=export, report=report)
        kanon = {} if as_json else k_anonymity(ws, source)
    emit(cat, as_json, lambda c: _print_catalog(c, kanon, wide))


def _print_catalog(cat: Any, kanon: dict, wide: bool) -> None:
    from sandbox.catalog.inventory import catalog_table, k_anonymity_lines

    out.print(catalog_table(cat, wide=wide))
    for line in k_anonymity_lines(kanon):
        out.print(f"k-anonymity of {line}")


@app.command()
def demo(
    no_app: bool = typer.Option(False, "--no-app", help="Run the pipeline but do not start the app."),
    customers: int = typer.Option(20_000, "--customers", help="Size of the demo CRM (below ~20,000 the support "
                                  "tickets table sits at the gate's DCR limit)."),
    locale: str = typer.Option("en_US", "--locale", help="en_US or ru_RU."),
    port: int = typer.Option(8501, "--port"),
) -> None:
    """Make the demo CRM, run the whole pipeline, and open the app."""
    from sandbox.release.demo import run_demo

    with handled(), progress_bar(True) as bar:
        ws, user = _ctx()
        summary = run_demo(ws, user, customers=customers, locale=locale, progress=bar)
    out.print(summary)
    if not no_app:
        import subprocess

        app_py = Path(__file__).resolve().parents[2] / "app.py"
        out.print(f"opening the app on http://localhost:{port} (Ctrl+C to stop)")
        raise typer.Exit(subprocess.call([sys.executable, "-m", "streamlit", "run", str(app_py),
                                          "--server.port", str(port), "--server.headless", "true",
                                          "--browser.gatherUsageStats", "false"]))


key_app = typer.Typer(help="The pseudonymization key.", no_args_is_help=True)
app.add_typer(key_app, name="key")


@key_app.command("rotate")
def key_rotate(
    exports: list[str] = typer.Option([], "--from", help="SOURCE=PATH (or SNAPSHOT=PATH): the original export "
                                      "of each active snapshot; repeat for several sources or files."),
    resume: bool = typer.Option(False, "--resume", help="Only finish or roll back an interrupted rotation."),
    as_json: bool = JSON_OPT,
) -> None:
    """Re-pseudonymize the vault with a new key, then destroy the old key (steward)."""
    from sandbox.vault.keyrotation import rotate_key

    with handled(), progress_bar(not as_json) as bar:
        named: dict[str, list[str]] = {}
        for item in exports:
            name, sep, path = item.partition("=")
            if not sep or not name or not path:
                raise typer.BadParameter(f"--from {item!r}: write SOURCE=PATH")
            named.setdefault(name, []).append(path)
        ws, user = _ctx()
        report = rotate_key(ws, user, named, resume=resume, progress=bar)
    emit(report, as_json, _print_rotation)


def _print_rotation(r: Any) -> None:
    idle = {"nothing_to_resume": "no interrupted rotation found",
            "rolled_back": "an interrupted rotation was rolled back"}
    if r.outcome in idle:
        out.print(f"{idle[r.outcome]}; the key is still {r.old_key_id}")
        return
    done = "interrupted rotation finished" if r.resumed else f"{len(r.snapshots)} snapshot(s) re-pseudonymized"
    out.print(f"key {r.old_key_id} replaced by {r.new_key_id}; {done}; old key destroyed")
    if r.stale_models:
        out.print(f"  models holding old pseudonyms, now stale: {', '.join(r.stale_models)}")


@audit_app.command("verify")
def audit_verify(as_json: bool = JSON_OPT) -> None:
    """Check the audit log's hash chain; says where it was tampered with."""
    from sandbox.governance.audit import verify

    with handled():
        ws, _ = _ctx()
        with ws.governance() as g:
            result = verify(g)
    emit(result, as_json, lambda r: out.print("audit log intact" if r.ok else f"[red]TAMPERED[/red]: {r.problem}"))
    if not result.ok:
        raise typer.Exit(2)


_register_access(app, audit_app)


if __name__ == "__main__":
    app()
