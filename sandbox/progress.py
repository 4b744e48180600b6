"""Progress reporting from library functions: a plain callback the CLI and app render as they like."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, step: str, done: float, total: float | None = None) -> None: ...


def silent(step: str, done: float, total: float | None = None) -> None:
    """The default: report nothing."""
