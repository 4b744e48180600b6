"""Load (issue 18.5): app sessions in a real browser and notebook readers at once, while the command line
synthesizes, evaluates and publishes.

The demo CRM goes through the real pipeline into a fresh workspace; the app is served by Streamlit's own server;
``--sessions`` marketers sign in from headless Chromium (one browser, one context each, asyncio) and walk
Datasets -> Explore -> Hypothesis Lab -> Gate report in a loop; ``--readers`` data scientists read every published
dataset through the Python API in their own processes, checking each table's row count against the one
governance recorded (a half-written dataset would show here); the command line, signed in as a steward, runs
synthesize -> evaluate -> publish cycles. Printed: per page p50 / p95 / max seconds to a settled page, errors
(timeouts, exceptions shown on a page, failed reads), notebook read times, CLI cycles.

    python bench/load.py [--sessions 20] [--readers 4] [--customers 5000] [--seconds 180] [--no-cli]
    python bench/load.py --sessions 1 --readers 0 --no-cli --customers 20000 --seconds 60   # page speed alone
    python bench/load.py --driver ws --home COPY_OF_A_WORKSPACE --sessions 20 --readers 4 --seconds 180

``--driver browser`` (the default) drives one headless Chromium context per session; ``--driver ws`` speaks the
app's websocket protocol itself (bench/load_ws.py: sign-in, the walk with the Lab's test, think time 3-8 s), so
on a small machine the sessions measure the server rather than the browsers. Both print the server's CPU
seconds per action (load-independent) and the driver's own CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, _wait_healthy, free_port  # noqa: E402

# (sidebar link, the page's own title, an element that shows only once the page has drawn its data)
PAGES = [("Datasets", "Synthetic datasets", None), ("Explore", "Explore", ".js-plotly-plot"),
         ("Hypothesis Lab", "Hypothesis Lab", None), ("Gate report", "Release gate report", None)]
SETTLED = """(title) => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stMain"] h1')].some(h => h.textContent.includes(title))"""
PASSWORD = "load-bench-password-1"


def _workspace(home: Path, customers: int) -> str:
    from generators.demo_crm import write_demo_crm
    from sandbox.governance.access import User
    from sandbox.governance.users import add_user
    from sandbox.release.datasets import publish
    from sandbox.release.gate import evaluate
    from sandbox.release.synthesize import synthesize
    from sandbox.vault.ingest import ingest
    from sandbox.workspace import Workspace

    export = home.parent / "export"
    write_demo_crm(export, customers=customers, seed=3)
    (home).mkdir(parents=True)
    (home / "settings.yaml").write_text("gate:\n  min_quality: 0.6\n  min_sign_agreement: 0.5\n  max_dcr_share: 0.6\n"
                                        "access:\n  argon2_profile: CHEAPEST\n")
    ws = Workspace(home)
    admin = User(name="ada", role="admin")
    add_user(ws, admin, "ada", "admin", password=PASSWORD)
    add_user(ws, admin, "stella", "steward", password=PASSWORD)
    steward = User(name="stella", role="steward")
    ingest(ws, steward, [export], "demo_crm", accept_proposed=True, target="deals.stage=won")
    info = synthesize(ws, steward, "demo_crm", seed=1)
    evaluate(ws, steward, info.id)
    publish(ws, steward, info.id)
    return info.id


def _users(home: Path, sessions: int, readers: int) -> None:
    from sandbox.governance.access import User
    from sandbox.governance.users import add_user
    from sandbox.workspace import Workspace

    ws, admin = Workspace(home), User(name="ada", role="admin")
    for i in range(sessions):
        add_user(ws, admin, f"mark{i:02d}", "marketer", password=PASSWORD)
    for i in range(readers):
        add_user(ws, admin, f"dana{i:02d}", "data_scientist", password=PASSWORD)


async def _session(browser, url: str, name: str, until: float, times: dict, errors: list) -> None:
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(60_000)
    try:
        started = time.perf_counter()
        await page.goto(url)
        await page.get_by_label("User name").fill(name)
        times.setdefault("sign-in form", []).append(time.perf_counter() - started)  # the app loaded in the browser
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        clicked = time.perf_counter()
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await page.wait_for_function(SETTLED, arg=PAGES[0][1])
        times.setdefault("sign-in click", []).append(time.perf_counter() - clicked)
        times.setdefault("sign-in", []).append(time.perf_counter() - started)
        while time.monotonic() < until:
            for title, heading, marker in PAGES:
                started = time.perf_counter()
                try:
                    await page.get_by_role("link", name=title).first.click()
                    await page.wait_for_function(SETTLED, arg=heading)
                    if marker:
                        await page.locator(marker).first.wait_for()
                    times.setdefault(title, []).append(time.perf_counter() - started)
                    if await page.locator('[data-testid="stException"]').count():
                        errors.append(f"{name} {title}: exception shown")
                except Exception as exc:  # noqa: BLE001  (a timeout or a crash is what the bench counts)
                    errors.append(f"{name} {title}: {type(exc).__name__}")
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{name} sign-in: {type(exc).__name__}")
    finally:
        await context.close()


async def _browsers(url: str, sessions: int, seconds: float) -> tuple[dict, list]:
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {}
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        until = time.monotonic() + seconds
        await asyncio.gather(*(_session(browser, url, f"mark{i:02d}", until, times, errors) for i in range(sessions)))
        await browser.close()
    return times, errors


def _reader(home: str, name: str, seconds: float, out: mp.Queue, think: tuple[float, float] = (0.0, 0.0)) -> None:
    import random

    import sandbox
    from sandbox.errors import SandboxError

    times: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    rnd = random.Random(name)
    with sandbox.connect(name, home=home, password=PASSWORD) as s:
        while time.monotonic() < until:
            for handle in s.datasets():
                time.sleep(rnd.uniform(*think))  # a person reading the last answer (0: back to back, a stress)
                info = handle.info
                started = time.perf_counter()
                try:
                    for table, rows in info.rows.items():
                        got = s.sql(f'SELECT count(*) AS n FROM "{table}"', dataset=info.id).df()["n"][0]
                        if got != rows:
                            errors.append(f"{name}: {info.id}.{table} has {got} rows, governance says {rows}")
                    s.table("customers", dataset=info.id).df()
                    times.append(time.perf_counter() - started)
                except SandboxError as exc:
                    errors.append(f"{name}: {exc}")
    out.put((times, errors))


def _cli(home: Path, config: Path, seconds: float) -> tuple[list[float], list[str]]:
    env = {**os.environ, "SANDBOX_HOME": str(home), "SANDBOX_CONFIG_DIR": str(config)}
    sandbox = [sys.executable, "-m", "sandbox.cli"]
    subprocess.run([*sandbox, "login", "stella"], input=PASSWORD + "\n", env=env, check=True, capture_output=True,
                   text=True)
    cycles, errors = [], []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        started = time.perf_counter()
        made = subprocess.run([*sandbox, "synthesize", "demo_crm", "--json"], env=env, capture_output=True,
                              text=True)
        if made.returncode:
            errors.append(f"synthesize: {made.stderr.strip()[-200:]}")
            break
        dataset = json.loads(made.stdout)["id"]
        for verb in ("evaluate", "publish"):
            done = subprocess.run([*sandbox, verb, dataset, "--json"], env=env, capture_output=True, text=True)
            if done.returncode:
                errors.append(f"{verb}: {done.stderr.strip()[-200:]}")
        cycles.append(time.perf_counter() - started)
    return cycles, errors


class CpuMeter:
    """CPU seconds spent by the app's server, by the browser (Chromium and its driver) and by the readers and
    the command line, sampled every second from the process tree (a process that ends keeps its last reading):
    what bounds the bench on this machine, the one Streamlit process (one GIL: at most one core) or the rest."""

    def __init__(self, server_pid: int) -> None:
        import threading

        self.server_pid, self.seen, self.started = server_pid, {}, time.perf_counter()
        self.load_start = os.getloadavg()[0]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        for proc in [me, *me.children(recursive=True)]:
            try:
                with proc.oneshot():
                    cpu = proc.cpu_times()
                    line = " ".join(proc.cmdline()[:3])
            except psutil.Error:
                continue
            kind = ("server" if proc.pid == self.server_pid else "browser" if "chrom" in line or "playwright" in line
                    else "bench" if proc.pid == me.pid else "readers+cli")
            self.seen[proc.pid] = (kind, cpu.user + cpu.system)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def stop(self) -> str:
        self._stop.set()
        self._thread.join()
        self._sample()
        wall = time.perf_counter() - self.started
        spent: dict[str, float] = {}
        for kind, seconds in self.seen.values():
            spent[kind] = spent.get(kind, 0.0) + seconds
        parts = ", ".join(f"{k} {v:.0f} s ({v / wall:.0%} of a core)" for k, v in sorted(spent.items()))
        return (f"CPU over {wall:.0f} s on {os.cpu_count()} cores: {parts}; load average {self.load_start:.1f} at "
                f"start, {os.getloadavg()[0]:.1f} at end (other engineers' jobs included)")


def _cpu_seconds(pid: int) -> float:
    import psutil

    cpu = psutil.Process(pid).cpu_times()
    return cpu.user + cpu.system


def _row(label: str, values: list[float]) -> str:
    if not values:
        return f"{label:<22} {'-':>6}"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (f"{label:<22} {len(values):>6} {statistics.median(values):>7.2f} {p95:>7.2f} {max(values):>7.2f}"
            f" {sum(v <= 2.0 for v in values) / len(values):>9.0%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--driver", choices=["browser", "ws"], default="browser",
                        help="Sessions as headless Chromium contexts, or as websocket clients of the protocol.")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"),
                        help="ws driver: seconds a user thinks between two actions, uniformly random.")
    parser.add_argument("--reader-think", type=float, nargs=2, default=(0.0, 0.0), metavar=("MIN", "MAX"),
                        help="Seconds a notebook reader pauses before each dataset's read (default: none).")
    parser.add_argument("--home", type=Path, help="Reuse a workspace this bench built before (kept, not rebuilt).")
    parser.add_argument("--no-cli", action="store_true", help="No synthesize/publish cycles: page speed alone "
                        "(with --sessions 1 --readers 0, the page-speed bench of issue 19.6).")
    args = parser.parse_args()
    if args.driver == "browser" and CHROMIUM is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "ws"
        if args.home is None:
            started = time.perf_counter()
            first = _workspace(home, args.customers)
            _users(home, args.sessions, args.readers)
            print(f"workspace: {args.customers:,} demo customers, dataset {first} published in "
                  f"{time.perf_counter() - started:.0f} s")
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO, env={**os.environ, "SANDBOX_HOME": str(home)}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, server)
            meter = CpuMeter(server.pid)
            queue: mp.Queue = mp.get_context("spawn").Queue()
            spawn = mp.get_context("spawn")
            readers = [spawn.Process(target=_reader, args=(str(home), f"dana{i:02d}", args.seconds, queue,
                                                           tuple(args.reader_think))) for i in range(args.readers)]
            for r in readers:
                r.start()
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(1) as pool:
                cli = pool.submit(_cli, home, Path(tmp) / "config", 0 if args.no_cli else args.seconds)
                server_cpu = _cpu_seconds(server.pid)
                driver_cpu, wall = time.process_time(), time.perf_counter()
                if args.driver == "ws":
                    from load_ws import sessions

                    names = [f"mark{i:02d}" for i in range(args.sessions)]
                    times, errors, driver_cpu = asyncio.run(sessions(url, names, PASSWORD, args.seconds,
                                                                     tuple(args.think)))
                else:
                    times, errors = asyncio.run(_browsers(url, args.sessions, args.seconds))
                    driver_cpu = time.process_time() - driver_cpu  # the bench process (Chromium is apart)
                wall = time.perf_counter() - wall
                server_cpu = _cpu_seconds(server.pid) - server_cpu
                cycles, cli_errors = cli.result()
            reads: list[float] = []
            for _ in readers:
                got, errs = queue.get(timeout=600)
                reads += got
                errors += errs
            for r in readers:
                r.join(timeout=60)
            cpu = meter.stop()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{args.sessions} {args.driver} sessions, {args.readers} notebook readers (pause "
          f"{args.reader_think[0]:g}-{args.reader_think[1]:g} s), "
          f"{'no CLI' if args.no_cli else 'CLI synthesize+evaluate+publish'}, {args.seconds:.0f} s, "
          f"{os.cpu_count()} cores")
    print(f"{'what':<22} {'n':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'<= 2 s':>9}")
    actions = [p[0] for p in PAGES] if args.driver == "browser" else ["Datasets", "Explore", "Hypothesis Lab",
                                                                      "Lab test", "Gate report"]
    for label in ["sign-in form", "sign-in click", "sign-in", *actions]:
        print(_row(label, times.get(label, [])))
    done = sum(len(v) for k, v in times.items() if k != "sign-in")
    print(f"server CPU while the sessions ran: {server_cpu:.1f} s over {wall:.0f} s ({server_cpu / wall:.0%} of a "
          f"core), {server_cpu / max(done, 1):.3f} s per action ({done} actions, sign-ins included); "
          f"{args.driver} driver's own CPU {driver_cpu:.1f} s ({driver_cpu / wall:.1%} of a core)")
    print(_row("notebook read", reads))
    print(_row("CLI cycle", cycles))
    print(cpu)
    print(f"errors: {len(errors) + len(cli_errors)}")
    for line in (errors + cli_errors)[:20]:
        print("  " + line)


if __name__ == "__main__":
    main()
