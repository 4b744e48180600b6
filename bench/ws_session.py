"""One app session spoken at the protocol level: a websocket to Streamlit's own server (``/_stcore/stream``), as the
browser's frontend speaks it, without a browser (issue 18.5: the load generator must not be the load).

The frontend sends ``BackMsg.rerun_script`` (a ``ClientState``: the widget values it holds, the page's script hash,
the tab's context) and draws the ``ForwardMsg`` deltas the run sends back until ``script_finished``. This client
does the same and keeps what a user would look at: the run's elements (kind, label, widget id, text), the app's
pages from the ``navigation`` message, and any exception element. A widget is found by its label or its key (a
keyed widget's id ends with ``-<key>``), its value set the way the frontend sets it (a ``WidgetState`` per id; a
button or a form's submit button as a one-shot trigger).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


class RunFailed(Exception):
    """A run that did not finish in time, closed the connection, or finished with a compile error."""


@dataclass
class Element:
    """One element a run drew: its kind (``heading``, ``button``, ``plotly_chart``, ...) and its proto."""

    kind: str
    proto: Any

    @property
    def id(self) -> str:
        return getattr(self.proto, "id", "")

    @property
    def label(self) -> str:
        return getattr(self.proto, "label", "")

    @property
    def text(self) -> str:
        """What the element says: a heading's or markdown's body, an alert's message, a widget's label."""
        for name in ("body", "label"):
            if isinstance(value := getattr(self.proto, name, None), str):
                return value
        return ""


@dataclass
class Run:
    """What one action cost and showed: seconds from the BackMsg to ``script_finished``, the elements drawn (of
    the last run when the script asked for a rerun) and the exceptions shown."""

    seconds: float
    elements: list[Element]
    exceptions: list[str] = field(default_factory=list)

    def has(self, kind: str, text: str | None = None) -> bool:
        return any(e.kind == kind and (text is None or text in e.text) for e in self.elements)


class WsSession:
    """A browser tab without the browser: ``await WsSession.open(url)``, then ``run``, ``goto``, ``click``."""

    def __init__(self, url: str, ws: Any) -> None:
        self.url, self.ws = url, ws
        self.pages: dict[str, str] = {}  # page name -> script hash, from the last navigation message
        self.page_hash = ""
        self.elements: list[Element] = []
        self.exceptions: list[str] = []
        self.values: dict[str, WidgetState] = {}  # widget values this user set (the rest keep the server's own)
        self._finished: asyncio.Queue[int] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, timeout: float = 60.0) -> WsSession:
        """Connect as a same-origin browser tab would (``streamlit`` subprotocol, the page's Origin header)."""
        host = url.split("://", 1)[1]
        ws = await asyncio.wait_for(websockets.connect(
            f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], origin=url, max_size=None,
            compression=None, ping_interval=None), timeout)
        return cls(url, ws)

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except websockets.ConnectionClosed:
            pass
        finally:
            self._finished.put_nowait(-1)

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":  # sent as each run starts: what the last run drew is replaced
            self.elements, self.exceptions = [], []
        elif kind == "navigation":
            self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            name = element.WhichOneof("type") or ""
            proto = getattr(element, name) if name else element
            self.elements.append(Element(name, proto))
            if name == "exception":
                self.exceptions.append(f"{proto.type}: {proto.message}"[:200])
        elif kind == "script_finished":
            self._finished.put_nowait(msg.script_finished)

    async def run(self, widgets: dict[str, WidgetState] | None = None, page_hash: str | None = None,
                  timeout: float = 60.0) -> Run:
        """Send one rerun (the held widget values, plus ``widgets`` for this run only) and wait for the script to
        finish; a run that asks for a rerun (``st.rerun``) is followed to the end of the next one."""
        while not self._finished.empty():
            self._finished.get_nowait()
        active = {e.id for e in self.elements if e.id}
        states = {i: s for i, s in self.values.items() if i in active or not self.elements}
        states.update(widgets or {})
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.widget_states.widgets.extend(states.values())
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale, info.url = "UTC", 0, "en-US", self.url + "/"
        info.color_scheme = "light"
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        deadline = started + timeout
        while True:
            try:
                status = await asyncio.wait_for(self._finished.get(), max(0.0, deadline - time.perf_counter()))
            except TimeoutError:
                raise RunFailed(f"no script_finished within {timeout:.0f} s") from None
            if status == RERUN:
                continue
            if status != FINISHED:
                raise RunFailed("connection closed" if status < 0 else f"script finished with status {status}")
            return Run(time.perf_counter() - started, list(self.elements), list(self.exceptions))

    async def goto(self, page: str, timeout: float = 60.0) -> Run:
        """Open a page of the sidebar's navigation by its name, as a click on its link does."""
        if page not in self.pages:
            raise RunFailed(f"no page {page!r} in the navigation ({', '.join(self.pages)})")
        return await self.run(page_hash=self.pages[page], timeout=timeout)

    def find(self, kind: str, label: str | None = None, key: str | None = None) -> Element:
        """The widget of the last run with this label (exactly) or this key."""
        for e in self.elements:
            if e.kind == kind and (label is None or e.label == label) and (key is None or e.id.endswith(f"-{key}")):
                return e
        raise RunFailed(f"no {kind} {label or key!r} on the page")

    def set_text(self, element: Element, value: str) -> None:
        """Type into a text input (held until the next run, as the frontend holds it)."""
        self.values[element.id] = WidgetState(id=element.id, string_value=value)

    async def click(self, element: Element, timeout: float = 60.0) -> Run:
        """Click a button (a form's submit button sends the form's values with it)."""
        return await self.run({element.id: WidgetState(id=element.id, trigger_value=True)}, timeout=timeout)
