"""The kinds of red-flag rules a policy can use. Each kind reads its parameters (a pydantic model) and
looks at one proposal in its context; it returns why it fired and which fields, or None.

A policy names rules by id and picks a kind, a severity and parameters for each, so a company can
tighten a threshold, add a keyword, or run two rules of one kind with different settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from sandbox.catalog.model import Catalog, ColumnEntry
from sandbox.council.model import ProposalDraft

Hit = tuple[str, list[str]]


@dataclass
class Context:
    """A proposal with what the rules need to know about its data."""

    draft: ProposalDraft
    catalog: Catalog | None
    expires_at: datetime | None
    now: datetime

    def entries(self) -> list[tuple[str, ColumnEntry]]:
        """Every catalogued field the proposal uses (fields and filters), in order."""
        found = []
        for ref in self.draft.all_fields():
            table, _, column = ref.partition(".")
            if self.catalog and table in self.catalog.tables and column in self.catalog.tables[table].columns:
                found.append((ref, self.catalog.tables[table].columns[column]))
        return found


def mentions(text: str, words: Iterable[str]) -> list[str]:
    """The ``words`` (whole words or phrases, any case) that occur in ``text``."""
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, flags=re.IGNORECASE)]


def _numbers(value: Any) -> list[float]:
    """Numbers in a filter value: a number, a list of them, or bands written ``lo-hi`` / ``lo+``."""
    items = value if isinstance(value, list | tuple) else [value]
    out: list[float] = []
    for item in items:
        if isinstance(item, int | float) and not isinstance(item, bool):
            out.append(float(item))
        elif isinstance(item, str) and re.fullmatch(r"\s*\d{1,3}\s*(-\s*\d{1,3}|\+)?\s*", item):
            out.extend(float(n) for n in re.findall(r"\d+", item))
    return out


def _age_bounds(draft: ProposalDraft, age_pattern: str) -> list[tuple[str, float | None, float | None]]:
    """(field, lowest, highest) age a filter on an age-like column allows (None: unbounded)."""
    bounds: list[tuple[str, float | None, float | None]] = []
    for f in draft.segment.filters:
        if not re.fullmatch(age_pattern, f.column, flags=re.IGNORECASE):
            continue
        nums = _numbers(f.value)
        if not nums:
            continue
        if f.op in ("<", "<="):
            bounds.append((f.ref, None, max(nums)))
        elif f.op in (">", ">="):
            bounds.append((f.ref, min(nums), None))
        elif f.op in ("=", "in", "between"):
            bounds.append((f.ref, min(nums), max(nums)))
    return bounds


def _texts(draft: ProposalDraft) -> str:
    values = [str(f.value) for f in draft.segment.filters if f.value is not None]
    return " | ".join([draft.audience, *values])


# ---- hard rules

class SensitiveParams(BaseModel):
    categories: list[str] = Field(description="Special categories of data this rule guards.")
    covered_by: dict[str, list[str]] = Field(
        default_factory=dict, description="Category -> words in the catalog's core_service that make it core.")


def sensitive_category(p: SensitiveParams, ctx: Context) -> Hit | None:
    core = ctx.catalog.core_service if ctx.catalog else ""
    fields, cats = [], []
    for ref, e in ctx.entries():
        if e.category in p.categories and not mentions(core, p.covered_by.get(e.category, [])):
            fields.append(ref)
            cats.append(e.category)
    if not fields:
        return None
    service = f"the declared core service ({core!r})" if core else "no declared core service"
    return (f"uses {', '.join(sorted(set(cats)))} data ({', '.join(fields)}) and {service} does not cover it", fields)


class NoParams(BaseModel):
    pass


def third_party_consent(_: NoParams, ctx: Context) -> Hit | None:
    d = ctx.draft
    problems = []
    for t in d.third_parties:
        if not t.consent_recorded:
            problems.append(f"{t.name}: no recorded consent")
        elif t.purpose.strip().lower() != d.purpose.strip().lower():
            problems.append(f"{t.name}: consent recorded for {t.purpose!r}, not for {d.purpose!r}")
    if not problems:
        return None
    return "data would go to a third party without consent for this purpose: " + "; ".join(problems), d.all_fields()


class ChildrenParams(BaseModel):
    keywords: list[str] = Field(default_factory=list, description="Words in the audience that mean children.")
    adult_age: int = 18
    age_columns: str = Field("age|age_.*|.*_age|birth_date|date_of_birth|dob",
                             description="Regex of column names holding an age (or age bands).")
    categories: list[str] = Field(default_factory=lambda: ["children"])


def children(p: ChildrenParams, ctx: Context) -> Hit | None:
    d, reasons, fields = ctx.draft, [], []
    if d.targets_children:
        reasons.append("the proposal says it targets children")
    if words := mentions(_texts(d), p.keywords):
        reasons.append(f"the audience mentions {', '.join(words)}")
    for ref, low, high in _age_bounds(d, p.age_columns):
        if high is not None and high < p.adult_age or low is not None and low < p.adult_age and high is not None:
            reasons.append(f"{ref} selects ages under {p.adult_age}")
            fields.append(ref)
    for ref, e in ctx.entries():
        if e.category in p.categories:
            reasons.append(f"{ref} holds data about children")
            fields.append(ref)
    return ("; ".join(reasons), fields) if reasons else None


class PurposeParams(BaseModel):
    purposes: list[str] = Field(default_factory=lambda: ["habit"])


def field_purpose(p: PurposeParams, ctx: Context) -> Hit | None:
    fields = [ref for ref, e in ctx.entries() if e.purpose in p.purposes]
    if not fields:
        return None
    return f"{', '.join(fields)} kept only out of habit (catalog purpose {'/'.join(p.purposes)})", fields


# ---- soft rules

class QuasiParams(BaseModel):
    min_fields: int = Field(2, ge=2, description="This many quasi-identifiers together can single people out.")


def quasi_identifiers(p: QuasiParams, ctx: Context) -> Hit | None:
    fields = [ref for ref, e in ctx.entries() if e.cls == "quasi_identifier"]
    if len(fields) < p.min_fields:
        return None
    return f"{len(fields)} quasi-identifiers combined ({', '.join(fields)}) can single out people", fields


class VulnerableParams(BaseModel):
    groups: dict[str, list[str]] = Field(description="Group -> words that select it (audience, values, fields).")
    elderly_age: int = 65
    age_columns: str = "age|age_.*|.*_age|birth_date|date_of_birth|dob"


def vulnerable_group(p: VulnerableParams, ctx: Context) -> Hit | None:
    d, reasons, fields = ctx.draft, [], []
    text = _texts(d)
    for group, words in p.groups.items():
        hit = mentions(text, words)
        named = [ref for ref in d.all_fields() if mentions(ref.replace("_", " ").replace(".", " "), words)]
        if hit or named:
            reasons.append(f"{group} ({', '.join(hit + named)})")
            fields += named
    for ref, low, _high in _age_bounds(d, p.age_columns):
        if low is not None and low >= p.elderly_age:
            reasons.append(f"elderly ({ref} from {low:g})")
            fields.append(ref)
    return ("targets a vulnerable group: " + "; ".join(reasons), fields) if reasons else None


class TriggerParams(BaseModel):
    phrases: list[str] = Field(description="Pressure, fear or scarcity phrases.")


def emotional_trigger(p: TriggerParams, ctx: Context) -> Hit | None:
    found = mentions(f"{ctx.draft.channel} | {ctx.draft.message}", p.phrases)
    return (f"the channel or message uses emotional triggers: {', '.join(found)}", []) if found else None


class AudienceParams(BaseModel):
    max_audience: int = Field(10_000, ge=1)


def audience_size(p: AudienceParams, ctx: Context) -> Hit | None:
    n = ctx.draft.audience_size
    return (f"planned audience of {n:,} real customers exceeds {p.max_audience:,}", []) if n > p.max_audience else None


class RetentionParams(BaseModel):
    days: int = Field(30, ge=0, description="Flag data that expires within this many days.")


def retention(p: RetentionParams, ctx: Context) -> Hit | None:
    if ctx.expires_at is None:
        return None
    left = (ctx.expires_at - ctx.now).days
    if left > p.days:
        return None
    when = "expired" if left < 0 else f"expires in {left} days"
    what = f"dataset {ctx.draft.dataset}" if ctx.draft.dataset else f"source {ctx.draft.source}"
    return f"the data behind {what} {when} ({ctx.expires_at:%Y-%m-%d})", ctx.draft.all_fields()


KINDS: dict[str, tuple[type[BaseModel], Callable[[Any, Context], Hit | None]]] = {
    "sensitive_category": (SensitiveParams, sensitive_category),
    "third_party_consent": (NoParams, third_party_consent),
    "children": (ChildrenParams, children),
    "field_purpose": (PurposeParams, field_purpose),
    "quasi_identifiers": (QuasiParams, quasi_identifiers),
    "vulnerable_group": (VulnerableParams, vulnerable_group),
    "emotional_trigger": (TriggerParams, emotional_trigger),
    "audience_size": (AudienceParams, audience_size),
    "retention": (RetentionParams, retention),
}
"""Rule kind -> (parameter model, check)."""
