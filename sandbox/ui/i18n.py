"""UI words in English and Russian, the language switch, and number/date formatting per language.

Every page calls :func:`language_switch` first; the choice lives in ``st.session_state["lang"]`` and so
survives page changes. Widgets have keys, so switching the language keeps what the user entered.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import streamlit as st

from sandbox.lab import i18n
from sandbox.lab.stats import WEAK_FIDELITY
from sandbox.ui.texts_admin import ADMIN
from sandbox.ui.texts_base import BASE
from sandbox.ui.texts_catalog import CATALOG
from sandbox.ui.texts_codes import CODES
from sandbox.ui.texts_council import COUNCIL
from sandbox.ui.texts_errors import ERRORS
from sandbox.ui.texts_pages import GATE, PAGES
from sandbox.ui.texts_proposals import PROPOSALS

if TYPE_CHECKING:  # pandas loads with the first page that shows a table, not with the sign-in form
    import pandas as pd

UI: dict[str, dict[str, str]] = {
    code: {**BASE[code], **COUNCIL[code], **GATE[code], **PAGES[code], **CATALOG[code], **ADMIN[code],
           **PROPOSALS[code], **CODES[code], **ERRORS[code]}
    for code in ("en", "ru")
}


LANG_COOKIE = "crm_sandbox_lang"


def lang() -> str:
    """The chosen language: this tab's choice, else the one the browser remembers from the last switch (a
    cookie, so a reload or a new tab keeps it), else ``SANDBOX_LANG``, else English."""
    if st.session_state.get("lang") not in i18n.LANGS:
        start = _remembered() or os.environ.get("SANDBOX_LANG", "en")
        st.session_state["lang"] = start if start in i18n.LANGS else "en"
    return st.session_state["lang"]


def _remembered() -> str | None:
    try:
        value = st.context.cookies.get(LANG_COOKIE)
    except Exception:  # noqa: BLE001  (no browser context, e.g. a bare run)
        return None
    return value if isinstance(value, str) and value in i18n.LANGS else None


def _switched() -> None:
    """Change the language, keeping every widget's choice.

    Streamlit stores a select box's, radio's or multiselect's value as the *label* its ``format_func``
    gave the option; once the labels change language the stored label matches no option and the widget
    falls back to its default (phone vs "chosen values" email silently became phone vs everyone else).
    Writing each widget's current value back into the session state before the rerun makes Streamlit
    store the value itself, which the next run labels in the new language.
    """
    keep = {key: value for key in list(st.session_state.keys())
            if key not in ("lang", "_lang_switch") and _is_choice(value := st.session_state[key])}
    st.session_state["lang"] = st.session_state["_lang_switch"]
    for key, value in keep.items():
        st.session_state[key] = value


_SCALARS = (str, int, float, date)


def _is_choice(value: Any) -> bool:
    """Whether ``value`` is what a picker holds: a scalar or a list of scalars, never a flag.

    Flags (``bool``) are skipped: buttons hold them and refuse to be set, and check boxes have no labels
    to translate; so are uploads, editors' edits and chart selections, which are neither.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, _SCALARS) and not isinstance(v, bool) for v in value)
    return isinstance(value, _SCALARS)


def language_switch() -> str:
    """The sidebar switch (English / Русский); returns the language in effect."""
    import contextlib

    from streamlit.errors import StreamlitDuplicateElementKey

    current = lang()
    # already drawn in this run (a page's switch, then the sign-in form's): one is enough
    with contextlib.suppress(StreamlitDuplicateElementKey):
        st.sidebar.radio(UI[current]["lang.label"], i18n.LANGS, index=i18n.LANGS.index(current), key="_lang_switch",
                         format_func=lambda code: {"en": "English", "ru": "Русский"}[code], horizontal=True,
                         on_change=_switched)
    # remembered by the browser for a year; drawn on every run at the same place in the sidebar, so no element
    # of the page moves when the language changes
    st.sidebar.html(f"<script>document.cookie = '{LANG_COOKIE}={lang()}; Path=/; Max-Age=31536000; "
                    "SameSite=Strict';</script>", unsafe_allow_javascript=True)
    return lang()


def t(key: str, **values: Any) -> str:
    """The UI text ``key`` in the current language."""
    text = UI[lang()][key]
    return text.format(**values) if values else text


def words(prefix: str = "") -> Callable[[Any], str]:
    """A ``format_func`` naming option ``v`` by the text ``prefix + v`` in the current language.

    The language is read now, not when the function is called: Streamlit (and AppTest) may call a
    ``format_func`` outside the script run, where the session's language is not at hand.
    """
    table = UI[lang()]
    return lambda v: table[f"{prefix}{v}"]


def code_words() -> Callable[[Any], str]:
    """A ``format_func`` naming a catalog or vault code in the current language ("generalized (age_band)" becomes
    "обобщено (возрастные группы)"); anything else, a company's own code included, stays as it is."""
    table = UI[lang()]

    def name(v: Any) -> str:
        if isinstance(v, bool):
            return table[f"code.{v}"]
        if not isinstance(v, str):
            return "" if v is None else str(v)
        head, _, inner = v.partition(" (")
        if inner.endswith(")") and f"code.{inner[:-1]}" in table:  # "table.column (code)", "code (code)"
            return f"{table.get(f'code.{head}', head)} ({name(inner[:-1])})"
        return table.get(f"code.{v}", v)

    return name


def or_none() -> Callable[[Any], str]:
    """A ``format_func`` showing an empty choice as "(none)" in the current language."""
    none = t("common.none")
    return lambda v: str(v) if v else none


def percent_words(decimals: int = 0) -> Callable[[float], str]:
    """A ``format_func`` writing a share as a percentage in the current language."""
    code = lang()
    return lambda v: i18n.percent(v, code, decimals)


def count_words(key: str, n: int) -> str:
    """``key.<plural form>`` for ``n`` in the UI language (Babel's plural rules: 1 / 2-4 / 5+ in Russian)."""
    from babel import Locale

    form = Locale(lang()).plural_form(n)
    return t(f"{key}.{form}" if f"{key}.{form}" in UI[lang()] else f"{key}.other", n=num(n))


def num(x: float | int | None, decimals: int = 0, *, sign: bool = False) -> str:
    """A number in the current language's format."""
    return i18n.number(x, lang(), decimals, sign=sign)


def pct(share: float | None, decimals: int = 1, *, sign: bool = False) -> str:
    """A share as a percentage in the current language's format."""
    return i18n.percent(share, lang(), decimals, sign=sign)


def day(value: Any) -> str:
    """A date in the current language's format."""
    return i18n.day(value, lang())


EMPTY = "—"  # what a grid shows in an empty cell, in every language (Streamlit itself draws "None")


def localize(frame: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A copy for display: numbers and dates as text in the current language (English keeps numbers whose column
    has no gap), and an empty cell as a dash."""
    import pandas as pd

    out = frame.copy()
    code = lang()
    for col in out.columns:
        s = out[col]
        if s.dtype == object and s.notna().any() and all(isinstance(v, date) for v in s.dropna()):
            s = out[col] = pd.to_datetime(s)  # timestamps read one by one, shown like a date column
        if pd.api.types.is_datetime64_any_dtype(s):
            fmt = "%d.%m.%Y %H:%M" if code == "ru" else "%Y-%m-%d %H:%M"
            out[col] = s.dt.strftime(fmt).str.replace(" 00:00", "", regex=False)
        elif code == "ru" and pd.api.types.is_bool_dtype(s):
            continue
        elif code == "ru" and pd.api.types.is_integer_dtype(s):
            out[col] = [i18n.number(v, code) if pd.notna(v) else "" for v in s]
        elif code == "ru" and pd.api.types.is_float_dtype(s):
            places = 0 if _whole(s) else decimals
            out[col] = [i18n.number(v, code, places) if pd.notna(v) else "" for v in s]
        elif s.isna().any() and pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            places = 0 if _whole(s) else decimals  # counts with a gap are floats to pandas: 3, not 3.00
            out[col] = [i18n.number(v, code, places) if pd.notna(v) else "" for v in s]
    return _dashed(out)


def _whole(s: pd.Series) -> bool:
    """Whether every value of a numeric column is a whole number (a count with gaps read as floats)."""
    known = s.dropna()
    return pd.api.types.is_integer_dtype(s) or (len(known) > 0 and bool((known == known.round()).all()))


def _dashed(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty cells (None, NaN, NaT, "") as :data:`EMPTY`."""
    for col in frame.columns:
        s = frame[col]
        empty = s.isna() | s.map(lambda v: isinstance(v, str) and v == "")
        if empty.any():
            frame[col] = s.astype(object).where(~empty, EMPTY)
    return frame


def fidelity_words(fidelity: float | None) -> str:
    """The gate's sign agreement in plain words ("conclusions matched real data in 96% of tested segments")."""
    if fidelity is None:
        return t("datasets.fidelity_none")
    share = math.floor(fidelity * 100 + 1e-9) / 100  # never round 99.6% up to "all of them"
    return t("datasets.fidelity" if fidelity >= WEAK_FIDELITY else "datasets.fidelity_weak",
             pct=pct(share, 0))


def date_format() -> str:
    """The order a date picker asks for in the current language (Streamlit's own mask letters)."""
    return "DD.MM.YYYY" if lang() == "ru" else "YYYY-MM-DD"


def plot_separators() -> str:
    """Plotly's ``separators`` (decimal, thousands) for the current language."""
    return ", " if lang() == "ru" else ".,"
