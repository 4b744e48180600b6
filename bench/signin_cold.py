"""Sign-in on a freshly started app server (issue 19.6): the form's first run and the click after it.

Each trial is a new Python process (as after a server restart) that runs the real app through Streamlit's
AppTest on a copy of a demo workspace: the sign-in form's run, a pause while the user types, then the click
that lands on the first page. Two modes in the same run: ``warm`` (the app as it is: retention check and the
pages' imports in a background thread from the first run) and ``before`` (the check in the first run and each
import when a page needs it, as before 2026-12-07).

    python bench/signin_cold.py --home WORKSPACE --user NAME --password PW [--trials 3] [--pause 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

TRIAL = r"""
import json, sys, time
from streamlit.testing.v1 import AppTest
mode, user, password, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
if mode == "before":  # the retention check in the first run, imports on demand
    from sandbox.duties.retention import check_on_start
    from sandbox.ui import warm
    warm.start_once = lambda ws: check_on_start(ws)
at = AppTest.from_file(sys.argv[5], default_timeout=120)
a = time.perf_counter(); at.run(); b = time.perf_counter()
time.sleep(pause)
at.text_input(key="login-name").input(user)
at.text_input(key="login-password").input(password)
at.get("form_submit_button")[0].click()
c = time.perf_counter(); at.run(); d = time.perf_counter()
assert not at.exception and at.title, "the sign-in did not land on a page"
print(json.dumps({"form": b - a, "click": d - c}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds the user takes to type")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"before": [], "warm": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.trials):
            for mode in results:  # interleaved, so a noisy moment hurts both modes alike
                home = Path(tmp) / f"{mode}{i}"
                shutil.copytree(args.home, home)
                out = subprocess.run([sys.executable, "-c", TRIAL, mode, args.user, args.password, str(args.pause),
                                      str(REPO / "app.py")], capture_output=True, text=True, check=True,
                                     env={**os.environ, "SANDBOX_HOME": str(home)}, cwd=REPO)
                results[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'mode':8} {'trials':>6} {'form p50 s':>11} {'form max s':>11} {'click p50 s':>12} {'click max s':>12}")
    for mode, runs in results.items():
        form, click = [r["form"] for r in runs], [r["click"] for r in runs]
        print(f"{mode:8} {len(runs):>6} {statistics.median(form):>11.2f} {max(form):>11.2f} "
              f"{statistics.median(click):>12.2f} {max(click):>12.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
