"""A model file never holds a raw value of a level fewer than k training rows share: an identifier that
detection missed (IBANs, customer numbers in a column called ``ref``) may reach a generator as an ordinary
category, and the pickled model must still not carry it."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
from faker import Faker

from generators.cart import CartGenerator
from generators.schema import Column, Schema, Table
from tests.conftest import shared_file


def _strings(obj: object, seen: set[int], out: set[str]) -> None:
    """Every string and number reachable from ``obj`` (dicts, sequences, numpy/pandas/Arrow, attributes)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, str):
        out.add(obj)
    elif isinstance(obj, int | float | np.integer | np.floating):
        out.add(str(obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _strings(k, seen, out)
            _strings(v, seen, out)
    elif isinstance(obj, list | tuple | set | frozenset):
        for v in obj:
            _strings(v, seen, out)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind in "OUS":
            for v in obj.ravel().tolist():
                _strings(v, seen, out)
        elif obj.dtype.kind in "iu":
            out.update(map(str, np.unique(obj).tolist()))
    elif isinstance(obj, pd.Series | pd.Index):
        _strings(obj.to_numpy(), seen, out)
    elif hasattr(obj, "to_pylist"):
        _strings(obj.to_pylist(), seen, out)
    elif hasattr(obj, "__dict__"):
        _strings(vars(obj), seen, out)
    elif hasattr(obj, "__slots__"):
        for name in obj.__slots__:
            if hasattr(obj, name):
                _strings(getattr(obj, name), seen, out)


def test_rare_levels_leave_no_raw_value_in_the_model():
    telco = pd.read_csv(shared_file("telco-churn", "Telco-Customer-Churn.csv")).sample(3000, random_state=2)
    telco = telco.drop(columns=["customerID", "TotalCharges"]).reset_index(drop=True)
    fake = Faker("de_DE")
    fake.seed_instance(4)
    ibans = [fake.unique.iban() for _ in range(len(telco))]
    numbers = np.random.default_rng(3).choice(np.arange(10_000_000, 99_999_999), len(telco), replace=False)
    telco["ref"] = ibans  # one per row: every level is rare
    telco["acct"] = numbers.astype(str)
    telco["plan_code"] = np.where(np.arange(len(telco)) < 2, "RARE-PLAN-7731", "STD")  # two rows only
    columns = {c: Column(kind="numerical" if pd.api.types.is_numeric_dtype(telco[c]) and telco[c].nunique() > 2
                         else "categorical") for c in telco.columns}
    model = CartGenerator(seed=0).fit({"t": telco}, Schema(tables={"t": Table(columns=columns)}))
    found: set[str] = set()
    _strings(pickle.loads(pickle.dumps(model)), set(), found)
    assert "STD" in found and "Month-to-month" in found, "the scan reaches the codecs' levels"
    raw = set(ibans) | set(telco["acct"]) | {"RARE-PLAN-7731"}
    assert not raw & found, f"{len(raw & found)} rare raw values in the model, e.g. {sorted(raw & found)[:3]}"
    sample = model.sample_frames()["t"]
    assert not set(sample["ref"].dropna()) & set(ibans)
    assert set(sample["ref"].dropna()) <= {"Other"}
