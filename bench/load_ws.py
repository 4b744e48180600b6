"""``bench/load.py --driver ws``: app sessions as protocol-level websocket clients (bench/ws_session.py), all in one
asyncio loop, so twenty sessions cost the bench a few percent of a core instead of the cores twenty Chromium
contexts take on this machine.

Each session is one marketer in one tab: it opens the app, signs in through the real form (name and password
typed into the form's text inputs, the form's submit button clicked), then walks Datasets -> Explore ->
Hypothesis Lab -> runs one test with the builder's defaults (the "Run the test" click) -> Gate report, in a loop.
Between two actions the user thinks for ``think`` seconds, uniformly random (3-8 s by default: reading a page
before the next click); sessions also arrive spread over the first ``think`` interval, not all in one instant.
Each action is timed from the BackMsg sent to the ``script_finished`` of its last run. Errors: an exception
element on the page, a run that never finishes (60 s), a page missing what it exists to show (Explore's chart,
the Lab's verdict and effect chart, the gate's verdict), a failed sign-in.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

from ws_session import Run, RunFailed, WsSession

from sandbox.ui.i18n import UI

EN = UI["en"]  # the texts the pages draw (the sessions keep the app's default language)
# (action, the check that the page showed what it exists to show)
CHECKS: dict[str, Callable[[Run], bool]] = {
    "Datasets": lambda r: r.has("heading", EN["datasets.title"]) and r.has("metric"),
    "Explore": lambda r: r.has("heading", EN["explore.title"]) and r.has("plotly_chart"),
    "Hypothesis Lab": lambda r: r.has("heading", EN["lab.title"]) and r.has("button", EN["lab.run"]),
    "Lab test": lambda r: r.has("heading", EN["lab.result"]) and r.has("alert") and r.has("plotly_chart"),
    "Gate report": lambda r: r.has("heading", EN["gate.title"]) and r.has("alert"),
}
ACTIONS = ["Datasets", "Explore", "Hypothesis Lab", "Lab test", "Gate report"]
NAV = {"Datasets": "nav.datasets", "Explore": "nav.explore", "Hypothesis Lab": "nav.lab", "Gate report": "nav.gate"}


async def _action(s: WsSession, action: str) -> Run:
    if action == "Lab test":
        return await s.click(s.find("button", key="lab_run"))
    return await s.goto(EN[NAV[action]])


async def session(url: str, name: str, password: str, until: float, think: tuple[float, float],
                  times: dict[str, list[float]], errors: list[str], seed: int, rounds: int | None = None) -> None:
    """One user's tab until ``until`` (monotonic) or ``rounds`` walks: sign in, then the walk; times and errors
    are appended."""
    rnd = random.Random(seed)
    await asyncio.sleep(rnd.uniform(0, think[1]))
    s: WsSession | None = None
    try:
        started = time.perf_counter()
        s = await WsSession.open(url)
        form = await s.run()
        times.setdefault("sign-in form", []).append(time.perf_counter() - started)
        await asyncio.sleep(rnd.uniform(*think))
        s.set_text(s.find("text_input", EN["login.name"]), name)
        s.set_text(s.find("text_input", EN["login.password"]), password)
        signed = await s.click(s.find("button", EN["login.submit"]))
        if signed.exceptions or not CHECKS["Datasets"](signed):
            raise RunFailed(f"not signed in ({'; '.join(signed.exceptions) or 'no Datasets page'})")
        times.setdefault("sign-in click", []).append(signed.seconds)
        times.setdefault("sign-in", []).append(form.seconds + signed.seconds)
        walked = 0
        while time.monotonic() < until and (rounds is None or walked < rounds):
            walked += 1
            for action in ACTIONS:
                await asyncio.sleep(rnd.uniform(*think))
                if time.monotonic() >= until:
                    break
                try:
                    run = await _action(s, action)
                except RunFailed as exc:
                    errors.append(f"{name} {action}: {exc}")
                    if "connection closed" in str(exc):
                        return
                    continue
                times.setdefault(action, []).append(run.seconds)
                if run.exceptions:
                    errors.append(f"{name} {action}: exception shown: {run.exceptions[0]}")
                elif not CHECKS[action](run):
                    errors.append(f"{name} {action}: the page misses what it shows "
                                  f"({', '.join(sorted({e.kind for e in run.elements}))})")
    except (RunFailed, OSError, TimeoutError) as exc:
        errors.append(f"{name} sign-in: {type(exc).__name__}: {exc}")
    finally:
        if s is not None:
            await s.close()


async def sessions(url: str, names: list[str], password: str, seconds: float,
                   think: tuple[float, float] = (3.0, 8.0)) -> tuple[dict[str, list[float]], list[str], float]:
    """Every user's tab at once; returns the times per action, the errors, and the CPU seconds this driver spent
    (its own thread: the asyncio loop that speaks for all the sessions)."""
    times: dict[str, list[float]] = {}
    errors: list[str] = []
    cpu = time.thread_time()
    until = time.monotonic() + seconds
    await asyncio.gather(*(session(url, n, password, until, think, times, errors, seed=i)
                           for i, n in enumerate(names)))
    return times, errors, time.thread_time() - cpu
