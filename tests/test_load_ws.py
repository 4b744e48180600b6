"""The load bench's protocol-level driver (bench/ws_session.py, bench/load_ws.py) against the real Streamlit server:
one session signs in through the form and opens pages, so the driver does not rot when the app or Streamlit
changes."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from tests.browser import serve, stop
from tests.helpers_login import ensure_user, password_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from load_ws import CHECKS, EN, session  # noqa: E402
from ws_session import RunFailed, WsSession  # noqa: E402


def test_one_ws_session_signs_in_and_walks_the_pages(demo_workspace):
    ws, dataset = demo_workspace
    ensure_user(ws, "ws-mark", "marketer")
    url, proc = serve(ws.home)
    try:
        async def walk() -> None:
            s = await WsSession.open(url)
            try:
                form = await s.run()
                assert form.has("heading", EN["login.title"]) and not form.exceptions
                s.set_text(s.find("text_input", EN["login.name"]), "ws-mark")
                s.set_text(s.find("text_input", EN["login.password"]), "not the password")
                refused = await s.click(s.find("button", EN["login.submit"]))
                assert refused.has("alert") and not CHECKS["Datasets"](refused)  # still the form, with the reason
                s.set_text(s.find("text_input", EN["login.password"]), password_of("ws-mark"))
                signed = await s.click(s.find("button", EN["login.submit"]))
                assert CHECKS["Datasets"](signed) and signed.has("heading", dataset), signed.exceptions
                assert EN["nav.users"] not in s.pages  # a marketer's navigation: no admin page
                explore = await s.goto(EN["nav.explore"])
                assert CHECKS["Explore"](explore) and not explore.exceptions
                try:
                    await s.goto(EN["nav.users"])
                    raise AssertionError("a page outside the navigation opened")
                except RunFailed as exc:
                    assert "no page" in str(exc)
            finally:
                await s.close()

        asyncio.run(asyncio.wait_for(walk(), 60))

        # the bench's own session loop: sign-in and the whole walk (the Lab's test included) without an error
        times: dict[str, list[float]] = {}
        errors: list[str] = []
        asyncio.run(session(url, "ws-mark", password_of("ws-mark"), until=time.monotonic() + 60, think=(0.0, 0.0),
                            times=times, errors=errors, seed=1, rounds=1))
        assert errors == [] and len(times["sign-in click"]) == 1
        assert all(len(times[action]) == 1 for action in CHECKS), times
    finally:
        stop(proc)
