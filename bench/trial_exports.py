"""A new customer's first day at full size: the two trial exports of ``tests/trial_exports.py`` (a 1C/Bitrix24
folder in cp1251/UTF-8-BOM, a Salesforce-style folder in Parquet and CSV) through the command line as README.md
documents it (ingest -> catalog -> synthesize -> evaluate -> publish), in a fresh workspace each.

Prints per export and step: seconds, and what was found or missed: identifier columns (from the catalog),
links, number and date columns, planted identifiers found in any file of the workspace or any command output.

    python bench/trial_exports.py [--contacts 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.release.gate_reasons import reasons_words  # noqa: E402
from tests.test_trial_exports import EN_IDENTIFIERS, RU_IDENTIFIERS  # noqa: E402
from tests.trial_exports import leaks, write_en_export, write_ru_export  # noqa: E402

LINKS = {
    "ru": {("sdelki", "Контакт", "kontakty"), ("sdelki", "Компания", "kompanii"),
           ("kontakty", "Компания", "kompanii"), ("dela", "Поле2", "sdelki")},
    "en": {("contact", "AccountId", "account"), ("opportunity", "WhoId", "contact"),
           ("opportunity", "AccountId", "account")},
}


def _cli(home: Path, *args: str) -> tuple[int, dict, str, float]:
    env = dict(os.environ, SANDBOX_HOME=str(home))
    started = time.perf_counter()
    done = subprocess.run([str(REPO / ".venv" / "bin" / "sandbox"), *args, "--json"], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    try:
        out = json.loads(done.stdout) if done.stdout.strip() else {}
    except json.JSONDecodeError:
        out = {}
    return done.returncode, out, done.stdout + done.stderr, seconds


def run(which: str, folder: Path, contacts: int) -> list[tuple[str, str, str]]:
    writer = write_ru_export if which == "ru" else write_en_export
    started = time.perf_counter()
    export = writer(folder / "export", contacts=contacts, seed=11)
    size = sum(path.stat().st_size for path in export.files.values())
    lines = [("write export", f"{time.perf_counter() - started:.1f}",
              f"{len(export.files)} files, {size / 1e6:.1f} MB")]
    home = folder / "ws"
    source = f"{which}_trial"
    outputs: list[str] = []
    code, out, text, secs = _cli(home, "ingest", str(export.folder), "--source", source, "--accept-proposed")
    outputs.append(text)
    if code:
        return [*lines, ("ingest", f"{secs:.1f}", "FAILED: " + text.strip().splitlines()[-1])]
    lines.append(("ingest", f"{secs:.1f}", f"tables {out['tables']}"))
    code, cat, text, secs = _cli(home, "catalog", source)
    outputs.append(text)
    columns = {(t, c): e for t, entry in cat["tables"].items() for c, e in entry["columns"].items()}
    wanted = RU_IDENTIFIERS if which == "ru" else EN_IDENTIFIERS
    found = {k for k, e in columns.items() if e["cls"] == "direct_identifier"}
    links = {(t, fk["column"], fk["parent"]) for t, entry in cat["tables"].items() for fk in entry["foreign_keys"]}
    numbers = [c for cols in export.numbers.values() for c in cols]
    dates = [c for cols in export.dates.values() for c in cols]
    num_ok = sum(all(e["kind"] == "numerical" for (t, c), e in columns.items() if c == n) for n in numbers)
    date_ok = sum(all(e["kind"] == "datetime" for (t, c), e in columns.items() if c == d) for d in dates)
    lines += [
        ("catalog: identifiers", f"{secs:.1f}", f"found {len(wanted & found)}/{len(wanted)}, missed "
         f"{sorted(wanted - found) or '-'}, also {sorted(found - wanted) or '-'}"),
        ("catalog: links", "", f"found {len(LINKS[which] & links)}/{len(LINKS[which])}, missed "
         f"{sorted(LINKS[which] - links) or '-'}, extra {sorted(links - LINKS[which]) or '-'}"),
        ("catalog: numbers, dates", "", f"numbers {num_ok}/{len(numbers)}, dates {date_ok}/{len(dates)}"),
    ]
    code, out, text, secs = _cli(home, "synthesize", source, "--seed", "1")
    outputs.append(text)
    if code:
        return [*lines, ("synthesize", f"{secs:.1f}", "FAILED: " + text.strip().splitlines()[-1])]
    dataset = out["id"]
    lines.append(("synthesize", f"{secs:.1f}", dataset))
    code, report, text, secs = _cli(home, "evaluate", dataset)
    outputs.append(text)
    q = report.get("quality", {})
    said = "; ".join(reasons_words(report.get("reasons"))) or "-"
    lines.append(("evaluate", f"{secs:.1f}", f"gate {report.get('gate')}: quality {q.get('overall', 0):.3f}, "
                  f"DCR share {report.get('privacy', {}).get('dcr_share', 0):.3f}; {said}"))
    code, out, text, secs = _cli(home, "publish", dataset)
    outputs.append(text)
    lines.append(("publish", f"{secs:.1f}", "published" if code == 0 else text.strip().splitlines()[-1]))
    started = time.perf_counter()
    leaked = leaks(home, export.planted, outputs)
    planted = sum(len(v) for v in export.planted.values())
    lines.append(("scan for planted values", f"{time.perf_counter() - started:.1f}",
                  f"{planted:,} planted, found {sum(len(v) for v in leaked.values())}: "
                  f"{ {k: sorted(v)[:2] for k, v in leaked.items()} or '-'}"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the exports and workspaces here")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="trial-exports-"))
    print(f"trial exports, {args.contacts:,} contacts each, in {base}")
    for which in ("ru", "en"):
        print(f"\n{which}: {'1C/Bitrix24 (cp1251, ;, decimal comma)' if which == 'ru' else 'Salesforce-style'}")
        for step, secs, what in run(which, base / which, args.contacts):
            print(f"  {step:<26} {secs:>6}  {what}")


if __name__ == "__main__":
    main()
