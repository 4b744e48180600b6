"""Named errors of the product. The CLI and the app translate these into one-line messages."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class SandboxError(Exception):
    """Base of every error the product raises on purpose; its message tells the user what to do.

    ``code`` names the case (``"export.quota"``) and ``values`` (empty unless an error sets them) are what the
    message says, so an interface in another language can say it again in its own words (``error.<code>``, else
    ``error.<ClassName>`` in the app's texts). Values are names, counts, limits and dates, never a data value.
    """

    values: dict[str, Any] = {}  # noqa: RUF012  (read-only default; an error that fills it sets its own)
    code: str | None = None

    def __init__(self, message: str = "", *, code: str | None = None, **values: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        if values:
            self.values = values


class InputError(SandboxError):
    """An input file or argument cannot be used."""


class CatalogError(SandboxError):
    """The column inventory is missing, invalid or incomplete."""


class UnknownObject(SandboxError):
    """A dataset, source, model or proposal with that name does not exist."""


class AccessDenied(SandboxError):
    """The acting user's role does not allow this action."""


class WorkspaceBusy(SandboxError):
    """Another process holds the workspace for longer than we were willing to wait."""


class GateFailed(SandboxError):
    """A dataset did not pass its release gate."""

    def __init__(self, message: str, dataset: str | None = None, reasons: list | None = None) -> None:
        if dataset is None:
            super().__init__(message)
        else:  # the gate's reasons as records, said again in the reader's language by the app
            super().__init__(message, code="gate_failed", dataset=dataset, reasons=list(reasons or []))


class IntegrityError(SandboxError):
    """A signature, checksum or hash chain does not match: something was tampered with."""


class IllegalTransition(SandboxError):
    """A proposal cannot go from its current state to the one asked for."""


class PolicyBlocked(SandboxError):
    """A proposal breaks a hard rule of the council's policy, or has soft flags nobody acknowledged."""


class DuplicateProposal(InputError):
    """The same proposal is open already (its id is in the message)."""

    def __init__(self, existing: str, state: str, version: int) -> None:
        self.values = {"id": existing, "state": state, "version": version}
        super().__init__(f"this proposal repeats {existing} ({state.replace('_', ' ')}, version {version}); change "
                         f"or submit {existing} instead, or withdraw it first")


class NotAuthenticated(AccessDenied):
    """No valid sign-in: wrong password, locked or disabled account, or an expired session; sign in again."""


def parse_as(model: type[M], value: M | Any, what: str) -> M:
    """``value`` as ``model`` (an instance passes through); every problem reported at once as an InputError."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or what}: {e['msg']}" for e in exc.errors())
        raise InputError(f"the {what} is not valid: {problems}") from None
