"""How often one page run opens the governance store (issue 18.5/19.6): each opening costs 17-40 ms on this
machine (more when it is busy) and writers hold everyone else out meanwhile, so this count is what a page pays
whatever the machine's load.

Streamlit's test client runs each page of the app for a user who has just signed in (cold: the first look at the
page, as every new session pays it) and again (warm: a rerun, e.g. after a click), counting read-only and
read-write openings by the line that asked. Runs against the code of the folder it sits in (copy it into an older
checkout to compare).

    python bench/governance_opens.py --home WORKSPACE --user mark05 --password load-bench-password-1
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import inspect
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PAGES = ["datasets", "explore", "lab", "gate_report"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--user", required=True, action="append", help="Twice or more: the next users run in the "
                        "same process after the first (what a new session pays once the server is warm).")
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    os.environ["SANDBOX_HOME"] = str(args.home)
    import logging

    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import sandbox.workspace as w
    from sandbox.governance.users import authenticate

    opened: collections.Counter[str] = collections.Counter()
    original = w.Workspace.governance
    takes_mode = "read_only" in inspect.signature(original).parameters

    @contextlib.contextmanager
    def counted(self: w.Workspace, **kwargs: bool) -> Iterator:
        caller = traceback.extract_stack(limit=4)[0]
        opened[f"{'RO' if kwargs.get('read_only') else 'RW'} {Path(caller.filename).name}:{caller.name}"] += 1
        with (original(self, **kwargs) if takes_mode else original(self)) as g:
            yield g

    w.Workspace.governance = counted  # type: ignore[method-assign]
    for user in args.user:
        _pages(AppTest, authenticate(w.Workspace(args.home), user, args.password), opened)


def _pages(app_test: Any, session: Any, opened: collections.Counter[str]) -> None:
    print(f"governance openings per page run, user {session.user.name} just signed in ({REPO.name})")
    print(f"{'page':<12} {'run':<5} {'RO':>3} {'RW':>3}  by")
    for page in PAGES:
        at = app_test.from_file(str(REPO / "sandbox" / "ui" / "pages" / f"{page}.py"), default_timeout=300)
        at.session_state["session_token"] = session.token
        at.session_state["user"] = session.user
        for run in ("cold", "warm"):
            opened.clear()
            at.run()
            ro = sum(n for k, n in opened.items() if k.startswith("RO"))
            by = ", ".join(f"{k} x{n}" for k, n in opened.most_common(4))
            print(f"{page:<12} {run:<5} {ro:>3} {sum(opened.values()) - ro:>3}  {by}"
                  + ("  EXCEPTION" if at.exception else ""))


if __name__ == "__main__":
    main()
