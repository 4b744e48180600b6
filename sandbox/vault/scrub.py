"""Scrub identifiers out of free text that a steward keeps (``keep_text: true`` in the catalog).

The patterns and checksums are detection's own (``sandbox.vault.detect``), so what detection reports inside a
free-text column is exactly what is replaced here: e-mail addresses, phone numbers (Russian and other
national formats), Luhn-valid card numbers, SNILS, INN and passport numbers become placeholders such as
``[email]``. Any other run of nine or more digits (an INN without its label, an unknown phone format) is
replaced by ``[number]``; dates are left alone. People's names become ``[name]``: Russian ones found by
natasha's NER model, English ones by known first names and titles (``detect_text_names``). Neither finds
every name, which is why kept text stays in the vault and is never given to a generator.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

# detection's embedded-identifier patterns and its date shape, reused rather than copied
from sandbox.db import text_udf
from sandbox.vault.detect_text_names import replace_names
from sandbox.vault.detect_values import _DATE_LIKE, _EMBEDDED

__all__ = ["PLACEHOLDERS", "register_scrub_udf", "scrub"]

PLACEHOLDERS = {
    "e-mail address": "[email]",
    "card number": "[card]",
    "SNILS": "[snils]",
    "INN": "[inn]",
    "passport number": "[passport]",
    "phone number": "[phone]",
    "IBAN": "[iban]",
    "SSN": "[ssn]",
}
_ORDER = ("e-mail address", "IBAN", "card number", "SNILS", "SSN", "INN", "passport number", "phone number")
_LABELLED = {"INN", "passport number"}  # matches start with a word ("ИНН", "паспорт") that is kept
_LONG_NUMBER = re.compile(r"(?<![\w\[])\+?\d(?:[ \-().]{0,2}\d){8,}(?!\w)")


def _rules() -> list[tuple[re.Pattern[str], Callable[[str], bool], str, bool]]:
    by_label = {label: (rx, ok) for label, rx, ok in _EMBEDDED}
    missing = [label for label in _ORDER if label not in by_label]
    if missing:  # detection renamed a pattern: fail loudly rather than stop scrubbing it
        raise RuntimeError(f"sandbox.vault.detect no longer provides the patterns {missing}")
    return [(*by_label[label], PLACEHOLDERS[label], label in _LABELLED) for label in _ORDER]


_RULES = _rules()


def _replacer(ok: Callable[[str], bool], placeholder: str, keep_label: bool) -> Callable[[re.Match[str]], str]:
    def replace(m: re.Match[str]) -> str:
        found = m.group(0)
        if not ok(found):
            return found
        label = re.sub(r"\d.*", "", found, flags=re.S) if keep_label else ""  # what precedes the first digit
        return label + placeholder

    return replace


def _long_number(m: re.Match[str]) -> str:
    found = m.group(0)
    return found if _DATE_LIKE.match(found) else "[number]"


def scrub(text: str | None) -> str | None:
    """``text`` with every detected identifier replaced by its placeholder (None stays None)."""
    if text is None:
        return None
    for rx, ok, placeholder, keep_label in _RULES:
        text = rx.sub(_replacer(ok, placeholder, keep_label), text)
    return replace_names(_LONG_NUMBER.sub(_long_number, text))


def register_scrub_udf(con: duckdb.DuckDBPyConnection, name: str = "scrub_text") -> None:
    """Make ``scrub_text(VARCHAR) -> VARCHAR`` callable from SQL on ``con`` (vectorised over Arrow)."""
    text_udf(con, name, scrub)
