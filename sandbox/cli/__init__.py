"""The `sandbox` command line: one Typer app whose verbs parse options, call one library function and print.

`base` holds what every verb shares (consoles, JSON output, one-line errors, progress, the acting user);
`commands` the pipeline verbs; `access` users, retention, forget and exports; `council` proposals and the policy.
"""

from sandbox.cli.commands import app

__all__ = ["app"]
