"""The Python API for notebooks: synthetic datasets, the Lab's statistics and the proposal flow, under the app's rules.

In a notebook (``make notebooks`` starts Jupyter on the workspace)::

    import sandbox
    s = sandbox.connect("dana")                    # a registered user; SANDBOX_USER when omitted
    s.datasets()                                   # the published synthetic datasets
    deals = s.table("deals")                       # a DuckDB relation on a read-only connection
    deals.sql("SELECT channel, avg(amount) FROM t GROUP BY 1").df()
    result = s.hypothesis(unit="deals", split={...}, metric={...})   # the Lab's HypothesisResult
    s.propose(result, title="...", change="...", ...)                # a draft for the ethics council

**Who you are.** ``connect`` needs a registered, enabled user; the role and seat come from the users table
(``SANDBOX_ROLE`` is ignored). With ``password=`` the sign-in is the app's: failures are counted and lock the
account, and the session expires and times out like an app session. Without a password the session trusts
what this machine proves, as the command line does: the user's own ``sandbox login NAME`` (its short-lived
token; several users may be signed in at once, the command line acts as the newest) or the operating-system
account named like a registered user (PostgreSQL's peer authentication). A name that is merely claimed
(``connect("stella")``, ``SANDBOX_USER=stella``) proves nothing and is refused. The user is re-read on every
call: disabling or demoting someone stops their notebook at its next call.

**What is checked and logged.** Every call checks the acting user's permission in the library and leaves an
audit event. Library functions audit what they do themselves (``lab.query``, ``proposal.create``,
``synthesize`` ...); the calls that only read (listing, gate reports, tables, SQL, vault rows) are audited here,
with ``"via": "notebook"`` in their details. A refused call is audited as ``denied``.

**What SQL can reach.** Tables are read through a DuckDB connection that attaches one synthetic dataset's own
file read-only, then turns external access off and locks the configuration: a query cannot ATTACH another file
(the vault), read or write files, or load extensions (only scratch tables in memory). The vault is reachable
only through :meth:`Session.vault`, for stewards. (The Python process itself can open any file its
operating-system account can read: keep the vault where data scientists' kernels cannot read it.)

``signin`` makes the session (``connect``); ``session`` holds it and what it hands out; ``report`` the gate report;
``notebook`` whole tables as pandas frames; ``html`` how the objects look in Jupyter.
"""

from sandbox.api.report import GateReport
from sandbox.api.session import Dataset, DatasetList, Session, Table
from sandbox.api.signin import connect
from sandbox.api.vault import Vault

__all__ = ["Dataset", "DatasetList", "GateReport", "Session", "Table", "Vault", "connect"]
