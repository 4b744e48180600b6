"""Product errors said in the UI's language: ``error.<code>`` (else ``error.<ClassName>``) texts, their values
(names, counts, limits, dates, proposal states, roles, the gate's reasons) formatted for the language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sandbox.errors import SandboxError
from sandbox.release.gate_reasons import reasons_words
from sandbox.ui.i18n import UI, day, lang, num


def said(exc: SandboxError) -> str:
    """``exc`` in the current language (see the module's docstring)."""
    table = UI[lang()]
    text = table.get(f"error.{exc.code}") if exc.code else None
    if text is None:
        text = table.get(f"error.{type(exc).__name__}")
        if text is not None and not exc.values and "{" in text:
            text = None  # a class's words that need values the error did not give
    if text is None:
        generic = next((table[f"error.kind.{cls.__name__}"] for cls in type(exc).__mro__
                        if f"error.kind.{cls.__name__}" in table), None)
        return str(exc) if generic is None else generic.format(detail=str(exc))
    try:
        return text.format(**{k: _value(k, v) for k, v in exc.values.items()})
    except (KeyError, IndexError):  # a text naming a value this error did not carry
        return str(exc)


def _value(key: str, v: Any) -> str:
    table = UI[lang()]
    if key == "reasons":
        return "; ".join(r[:1].lower() + r[1:].rstrip(".") for r in reasons_words(v, lang()))
    if key == "state":
        return table.get(f"state.{v}", str(v)).lower()
    if key in ("role", "seat", "flag", "kind") and isinstance(v, str):
        return table.get(f"{key}.{v}", v)
    if key == "action" and isinstance(v, str):
        return table.get(f"error.verb.{v}", v.replace("_", " "))
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return num(v)
    if isinstance(v, float):
        return num(v, 0 if v.is_integer() else 2)
    if isinstance(v, datetime | date):
        return day(v)
    if isinstance(v, list | tuple | set):
        return ", ".join(_value(key.rstrip("s"), x) for x in v)
    return "" if v is None else str(v)
