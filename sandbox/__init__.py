"""CRM Sandbox: synthetic CRM data to test ideas about customers without touching customers.

The Python API for notebooks (see :mod:`sandbox.api` for the rules it keeps)::

    import sandbox
    s = sandbox.connect("dana")            # a registered user of SANDBOX_HOME (SANDBOX_USER when omitted)
    s.datasets()                           # published synthetic datasets
    s.table("deals").sql("SELECT channel, count(*) FROM t GROUP BY 1").df()
    s.hypothesis(...), s.propose(...)      # the Hypothesis Lab and the ethics council's drafts

Names are imported on first use, so ``import sandbox`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.api import Dataset, DatasetList, GateReport, Session, Table, Vault, connect
    from sandbox.errors import AccessDenied, GateFailed, InputError, NotAuthenticated, SandboxError, UnknownObject

__all__ = [
    "AccessDenied", "Dataset", "DatasetList", "GateFailed", "GateReport", "InputError", "NotAuthenticated",
    "SandboxError", "Session", "Table", "UnknownObject", "Vault", "connect",
]

_HOME = {name: "sandbox.api" for name in ("Dataset", "DatasetList", "GateReport", "Session", "Table", "Vault",
                                          "connect")}
_HOME |= {name: "sandbox.errors" for name in ("AccessDenied", "GateFailed", "InputError", "NotAuthenticated",
                                              "SandboxError", "UnknownObject")}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _HOME:
        raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
