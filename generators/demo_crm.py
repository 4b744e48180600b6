"""The built-in demo CRM: four linked tables with real, planted structure (seeded, vectorised).

customers -> deals -> interactions is three levels deep; support_tickets is a second child of
customers. Planted effects that tests and demos can find again:

* conversion (``stage == "won"``) rises with discount (monotonically), is higher for phone and store
  than for email and web, and peaks for customers aged 25-40 at the time of the deal;
* ``amount`` (net of discount, lognormal) depends on the product and rises with loyalty tier;
* deals per customer are negative binomial (many customers have none) and rise with tier;
* interactions per deal are more numerous for won deals and phone deals; gaps are hours to days;
* tickets per customer rise with the number of deals; older tickets are more often resolved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from generators.demo_locales import LOCALES, Locale
from generators.identities import fake_identities

__all__ = [
    "CATEGORIES", "CHANNELS", "DISCOUNTS", "LOYALTY_TIERS", "OUTCOMES", "TABLES", "make_demo_crm",
    "write_demo_crm",
]

TABLES = ("customers", "deals", "interactions", "support_tickets")
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
CHANNELS = ("email", "phone", "web", "partner", "store")
DISCOUNTS = (0.0, 0.05, 0.1, 0.15, 0.2)
OUTCOMES = ("reached", "no_answer", "replied", "meeting", "declined")
CATEGORIES = ("billing", "delivery", "product_defect", "account", "medical_certificate", "disability_access")
_EMAIL, _PHONE, _STORE = (CHANNELS.index(c) for c in ("email", "phone", "store"))
_NO_ANSWER, _REPLIED, _MEETING, _DECLINED = (OUTCOMES.index(o) for o in OUTCOMES[1:])
_HEALTH = np.array([c in ("medical_certificate", "disability_access") for c in CATEGORIES])
_Arrays = dict[str, np.ndarray]  # per-row helper columns handed from a parent table to its children

_DAY = 86_400
_SNAPSHOT = int(np.datetime64("2024-12-31", "s").astype(np.int64))  # midnight of the last day, in s
_FIRST_SIGNUP_DAYS = 6 * 365  # customers signed up during the six years before the snapshot
_ADULT_DAYS = 6576  # a day past 18 years, leap days included

# planted effects (log-odds of a won deal, log-amount lifts, deal counts)
_WIN_BASE = -0.75
_WIN_CHANNEL = np.array([-0.45, 0.55, -0.35, 0.15, 0.7])  # by CHANNELS
_WIN_PER_DISCOUNT = 9.0  # x discount: +1.8 log-odds at 20 %
_WIN_TIER = np.array([0.0, 0.1, 0.2, 0.3])
_WIN_AGE_EDGES = np.array([25, 41, 56])  # bands: 18-24, 25-40, 41-55, 56+
_WIN_AGE = np.array([-0.35, 0.45, 0.0, -0.3])
_AMOUNT_TIER = np.array([0.0, 0.2, 0.4, 0.65])
_DEALS_MEAN_BY_TIER = np.array([1.3, 2.2, 3.3, 4.8])
_DEALS_DISPERSION = 1.5
_CHANNEL_P = np.array([0.25, 0.22, 0.28, 0.10, 0.15])
_DISCOUNT_P = np.array([0.40, 0.22, 0.18, 0.12, 0.08])
_INBOUND_P = np.array([0.45, 0.25, 0.9, 0.3, 0.85])  # by CHANNELS
# outcome probabilities by channel (rows: CHANNELS, columns: OUTCOMES)
_OUTCOME_P = np.array([
    [0.0, 0.35, 0.45, 0.08, 0.12],
    [0.5, 0.3, 0.0, 0.1, 0.1],
    [0.0, 0.35, 0.45, 0.08, 0.12],
    [0.5, 0.3, 0.0, 0.1, 0.1],
    [0.6, 0.0, 0.0, 0.3, 0.1],
])
_MEDIAN_SECONDS = np.array([0, 180, 240, 200, 900])  # call/chat/visit length by CHANNELS; email is 0
_MEDIUM = np.array(["written", "call", "written", "call", "visit"])  # by CHANNELS, picks note templates
_WORK_START, _WORK_DAY = 8 * 3600, 13 * 3600  # interactions happen 08:00-21:00
_CATEGORY_P = np.array([0.24, 0.22, 0.18, 0.20, 0.08, 0.08])




# ---------------------------------------------------------------------------------------------
# helpers


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _timestamps(seconds: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(seconds, unit="s").astype("datetime64[ns]"))


def _categorical(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(len(p), size=n, p=p / p.sum())


def _row_choice(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row of a matrix of probabilities."""
    return (rng.random((p.shape[0], 1)) > np.cumsum(p, axis=1)[:, :-1]).sum(axis=1)


def _group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sums restarting at every group (groups are consecutive runs of ``counts`` rows)."""
    total = np.cumsum(values)
    ends = np.cumsum(counts)
    before = np.concatenate([[0], total[ends[:-1] - 1]]) if counts.size else total[:0]
    return total - np.repeat(before, counts)


def _texts(
    templates: Mapping[str, Sequence[str]], keys: np.ndarray, fields: Mapping[str, np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    """One text per row: a random template of the row's key, filled from that row's fields."""
    missing = set(np.unique(keys).tolist()) - set(templates)
    if missing:
        raise KeyError(f"no text templates for {sorted(missing)}")
    out = np.empty(keys.shape[0], dtype=object)
    u = rng.random(int(keys.shape[0]))
    for key, options in templates.items():
        rows = np.flatnonzero(keys == key)
        pick = (u[rows] * len(options)).astype(int)
        for k, template in enumerate(options):
            chosen = rows[pick == k]
            names = [f for f in fields if "{" + f + "}" in template]
            if not names:
                out[chosen] = template
                continue
            columns = [fields[f][chosen].tolist() for f in names]
            rows_values = zip(*columns, strict=True)
            out[chosen] = [template.format(**dict(zip(names, vals, strict=True))) for vals in rows_values]
    return out


# ---------------------------------------------------------------------------------------------
# tables


def _customers(n: int, loc: Locale, locale: str, rng: np.random.Generator) -> tuple[pd.DataFrame, _Arrays]:
    gender = np.where(rng.random(n) < 0.53, "F", "M")
    kinds = {k: k for k in ("full_name", "first_name", "last_name", "email", "phone")}
    person = fake_identities(kinds, n, locale, rng, genders=gender)
    age_days = (np.clip(rng.normal(41, 13, n), 18.1, 85) * 365.25).astype(np.int64)
    birth = _SNAPSHOT - age_days * _DAY
    tenure_days = (rng.beta(1.2, 2.0, n) * _FIRST_SIGNUP_DAYS).astype(np.int64)
    tenure_days = np.minimum(tenure_days, age_days - _ADULT_DAYS)  # nobody signs up before 18
    signup = _SNAPSHOT - tenure_days * _DAY
    latent = 0.6 * tenure_days / 365.25 + rng.normal(0, 1, n)
    tier = np.searchsorted([1.35, 2.41, 3.42], latent)
    city = _categorical(np.array([c[2] for c in loc.cities]), n, rng)
    consent = rng.random(n) < np.where(age_days < 35 * 365.25, 0.65, 0.45)
    order = np.argsort(signup, kind="stable")  # customer ids follow signup order
    frame = pd.DataFrame({
        "customer_id": _ids("C", n, 6),
        "full_name": person["full_name"][order],
        "email": person["email"][order],
        "phone": person["phone"][order],
        "birth_date": _timestamps(birth[order]),
        "city": np.array([c[0] for c in loc.cities], dtype=object)[city[order]],
        "region": np.array([c[1] for c in loc.cities], dtype=object)[city[order]],
        "gender": gender[order].astype(object),
        "signup_date": _timestamps(signup[order]),
        "marketing_consent": consent[order],
        "loyalty_tier": np.array(LOYALTY_TIERS, dtype=object)[tier[order]],
    })
    extra = {
        "first": person["first_name"][order], "last": person["last_name"][order],
        "tier": tier[order], "birth": birth[order], "signup": signup[order],
    }
    return frame, extra


def _deals(
    cust: pd.DataFrame, c: _Arrays, loc: Locale, rng: np.random.Generator
) -> tuple[pd.DataFrame, _Arrays]:
    mean = _DEALS_MEAN_BY_TIER[c["tier"]]
    counts = rng.negative_binomial(_DEALS_DISPERSION, _DEALS_DISPERSION / (_DEALS_DISPERSION + mean))
    owner = np.repeat(np.arange(len(cust)), counts)
    m = owner.size
    span_days = (_SNAPSHOT - c["signup"][owner]) // _DAY + 1
    day = (rng.random(m) * span_days).astype(np.int64)
    created = c["signup"][owner] + day * _DAY + rng.integers(9 * 3600, 20 * 3600, m)
    product = _categorical(np.array([p[2] for p in loc.products]), m, rng)
    channel = _categorical(_CHANNEL_P, m, rng)
    discount = np.array(DISCOUNTS)[_categorical(_DISCOUNT_P, m, rng)]
    tier = c["tier"][owner]
    age_years = (created - c["birth"][owner]) / (365.25 * _DAY)
    logit = (
        _WIN_BASE + _WIN_CHANNEL[channel] + _WIN_PER_DISCOUNT * discount + _WIN_TIER[tier]
        + _WIN_AGE[np.searchsorted(_WIN_AGE_EDGES, age_years, side="right")]
    )
    won = rng.random(m) < 1 / (1 + np.exp(-logit))
    log_price = np.log(np.array([p[1] for p in loc.products]))[product]
    amount = np.exp(log_price + _AMOUNT_TIER[tier] + rng.normal(0, 0.45, m)) * (1 - discount)
    order = np.argsort(created, kind="stable")  # deal ids follow creation time
    frame = pd.DataFrame({
        "deal_id": _ids("D", m, 6),
        "customer_id": cust["customer_id"].to_numpy()[owner[order]],
        "created_at": _timestamps(created[order]),
        "product": np.array([p[0] for p in loc.products], dtype=object)[product[order]],
        "channel": np.array(CHANNELS, dtype=object)[channel[order]],
        "amount": np.round(amount[order], 2),
        "discount": discount[order],
        "stage": np.where(won[order], "won", "lost").astype(object),
    })
    extra = {"owner": owner[order], "created": created[order], "channel": channel[order],
             "won": won[order], "product": frame["product"].to_numpy()}
    return frame, extra


def _interactions(
    deals: pd.DataFrame, d: _Arrays, c: _Arrays, cust: pd.DataFrame, loc: Locale, rng: np.random.Generator
) -> pd.DataFrame:
    lam = 1.3 * np.exp(0.55 * d["won"] + 0.4 * (d["channel"] == _PHONE) + 0.15 * (d["channel"] == _STORE))
    counts = 1 + rng.poisson(lam)
    deal = np.repeat(np.arange(len(deals)), counts)
    m = deal.size
    first = np.zeros(m, dtype=bool)
    first[np.cumsum(counts) - counts] = True
    last = np.zeros(m, dtype=bool)
    last[np.cumsum(counts) - 1] = True
    # gaps count working seconds only (hours to days), so every touch falls within working hours
    median_gap = np.where(first, 3 * 3600, 10 * 3600)
    gaps = np.maximum(60, np.exp(np.log(median_gap) + rng.normal(0, 1.0, m))).astype(np.int64)
    start = d["created"][deal]
    day, second = start // _DAY, start % _DAY
    work = day * _WORK_DAY + np.clip(second - _WORK_START, 0, _WORK_DAY - 1) + _group_cumsum(gaps, counts)
    occurred = work // _WORK_DAY * _DAY + _WORK_START + work % _WORK_DAY
    channel = np.where(rng.random(m) < 0.7, d["channel"][deal], rng.choice([_EMAIL, _PHONE], size=m))
    outcome = _row_choice(_OUTCOME_P[channel], rng)
    won, switch = d["won"][deal], last & (rng.random(m) < 0.5)
    outcome = np.where(switch & won, _MEETING, np.where(switch & ~won, _DECLINED, outcome))
    talk = np.exp(np.log(np.maximum(_MEDIAN_SECONDS[channel], 1)) + rng.normal(0, 0.7, m))
    talk = np.where(outcome == _MEETING, talk * 2.2, talk)
    silent = (_MEDIAN_SECONDS[channel] == 0) | (outcome == _NO_ANSWER)
    duration = np.where(silent, 0, talk.astype(np.int64) + 5)
    owner = d["owner"][deal]
    fields = {
        "first": c["first"][owner], "last": c["last"][owner], "phone": cust["phone"].to_numpy()[owner],
        "email": cust["email"].to_numpy()[owner], "product": d["product"][deal],
        "a": np.where(cust["gender"].to_numpy()[owner] == "F", "а", ""),
    }
    specific = np.char.add(np.array(OUTCOMES)[outcome], np.char.add("/", _MEDIUM[channel]))
    generic = np.char.add(np.array(OUTCOMES)[outcome], "/any")
    note = _texts(loc.notes, np.where(np.isin(specific, list(loc.notes)), specific, generic), fields, rng)
    inbound = rng.random(m) < _INBOUND_P[channel]
    inbound = (inbound | (outcome == _REPLIED)) & (outcome != _NO_ANSWER)  # replies in, unanswered out
    direction = np.where(inbound, "inbound", "outbound").astype(object)
    order = np.argsort(occurred, kind="stable")  # ids follow time; within a deal times strictly increase
    return pd.DataFrame({
        "interaction_id": _ids("I", m, 7),
        "deal_id": deals["deal_id"].to_numpy()[deal[order]],
        "occurred_at": _timestamps(occurred[order]),
        "channel": np.array(CHANNELS, dtype=object)[channel[order]],
        "direction": direction[order],
        "duration_sec": duration[order].astype(np.int64),
        "outcome": np.array(OUTCOMES, dtype=object)[outcome[order]],
        "note": note[order],
    })


def _tickets(
    cust: pd.DataFrame, c: _Arrays, d: _Arrays, loc: Locale, locale: str, rng: np.random.Generator
) -> pd.DataFrame:
    deals_per_customer = np.bincount(d["owner"], minlength=len(cust))
    counts = rng.poisson(0.15 + 0.12 * deals_per_customer)
    owner = np.repeat(np.arange(len(cust)), counts)
    m = owner.size
    span = _SNAPSHOT + _DAY - c["signup"][owner]
    opened = c["signup"][owner] + (rng.random(m) * span).astype(np.int64)
    category = _categorical(_CATEGORY_P, m, rng)
    age_days = (_SNAPSHOT + _DAY - opened) / _DAY
    p_resolved = np.where(age_days > 14, 0.93, 0.45) * np.where(_HEALTH[category], 0.85, 1.0)
    resolved = rng.random(m) < p_resolved
    doc_kinds = {"card": "card_number", "passport": "passport", "snils": "snils", "address": "address"}
    docs = fake_identities(doc_kinds, m, locale, rng)
    products = np.array([p[0] for p in loc.products], dtype=object)
    fields = {
        **docs, "full_name": cust["full_name"].to_numpy()[owner], "phone": cust["phone"].to_numpy()[owner],
        "email": cust["email"].to_numpy()[owner],
        "product": products[rng.integers(0, len(products), m)],
        "a": np.where(cust["gender"].to_numpy()[owner] == "F", "а", ""),
    }
    text = _texts(loc.tickets, np.array(CATEGORIES)[category], fields, rng)
    order = np.argsort(opened, kind="stable")
    return pd.DataFrame({
        "ticket_id": _ids("T", m, 6),
        "customer_id": cust["customer_id"].to_numpy()[owner[order]],
        "opened_at": _timestamps(opened[order]),
        "category": np.array(CATEGORIES, dtype=object)[category[order]],
        "text": text[order],
        "resolved": resolved[order],
    })


def make_demo_crm(customers: int = 10_000, locale: str = "en_US", seed: int = 0) -> dict[str, pd.DataFrame]:
    """Generate the demo CRM: ``customers``, ``deals``, ``interactions`` and ``support_tickets``.

    Args:
        customers: number of customers (the other tables scale with it: ~2 deals per customer).
        locale: ``"en_US"`` (dollars, US names and cities) or ``"ru_RU"`` (rubles, Russian ones).
        seed: the same seed gives identical tables.
    """
    if locale not in LOCALES:
        raise ValueError(f"the demo CRM exists in {', '.join(LOCALES)}, not {locale!r}")
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    loc, rng = LOCALES[locale], np.random.default_rng(seed)
    cust, c = _customers(customers, loc, locale, rng)
    deals, d = _deals(cust, c, loc, rng)
    return {
        "customers": cust,
        "deals": deals,
        "interactions": _interactions(deals, d, c, cust, loc, rng),
        "support_tickets": _tickets(cust, c, d, loc, locale, rng),
    }


def write_demo_crm(
    folder: str | Path, customers: int = 10_000, locale: str = "en_US", seed: int = 0
) -> list[Path]:
    """Write the demo CRM as one UTF-8 CSV per table into ``folder`` (created if needed); return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in make_demo_crm(customers, locale, seed).items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths
