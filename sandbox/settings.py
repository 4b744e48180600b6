"""Workspace settings: explicit argument, then environment variable, then workspace file, then default."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from sandbox.errors import InputError


class GateThresholds(BaseModel):
    """Release-gate thresholds (safe defaults; a workspace may tighten them)."""

    max_dcr_share: float = Field(0.52, description="Share of synthetic rows closer to train than holdout.")
    identical_match_margin: float = Field(
        0.001, description="Identical matches on train may exceed those on holdout by at most this."
    )
    max_leaked_values: int = Field(0, description="Identifier values from the source found in synthetic data.")
    min_quality: float = Field(0.85, description="SDMetrics overall quality score.")
    dcr_reference_roots: int = Field(
        0, ge=0, description="Holdout root rows (with their descendants) that synthetic rows' distances to the "
        "closest record are searched among, and as many training ones; 0: every holdout row.")
    quality_ceiling_margin: float = Field(
        0.03, description="When real training rows themselves score below min_quality against the holdout (small "
        "or weakly correlated data), a dataset passes within this margin of that real-vs-real ceiling.")
    min_link_quality: float = Field(0.5, description="Per link (with at least 20 real parents): the mean of "
                                    "children-per-parent and parent-vs-child column similarity.")
    min_sign_agreement: float = Field(0.9, description="Hypothesis-fidelity sign agreement (when a target is set).")
    fidelity_fdr: float = Field(0.05, gt=0, lt=1, description="False discovery rate for the real segment effects "
                                "whose signs are compared (Benjamini-Hochberg over all segments): at |z| > 1.96 "
                                "alone, a few of dozens of segments are chance effects of the holdout.")


class AccessSettings(BaseModel):
    """Sign-in, session and export limits (``settings.yaml`` under ``access:``)."""

    session_hours: float = Field(8.0, description="A session ends this long after sign-in, whatever happens.")
    idle_minutes: float = Field(60.0, description="A session ends after this long without a request.")
    max_failed_logins: int = Field(5, description="Failed sign-ins in a row that lock an account.")
    lockout_minutes: float = Field(15.0, description="How long a locked account stays locked.")
    min_password_length: int = Field(10, description="Shortest password accepted.")
    argon2_profile: Literal["RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST"] = Field(
        "RFC_9106_LOW_MEMORY", description="Argon2id cost profile of password hashes (CHEAPEST: tests only); "
        "stored hashes move to a new profile at their next sign-in.")
    export_rows_per_day: int = Field(10_000, description="Rows a marketer may export per UTC day.")


class Settings(BaseModel):
    """Everything a workspace can configure, each with a default and a help text."""

    holdout_share: float = Field(0.2, description="Share of root entities kept out of training for the gate.")
    k_min: int = Field(5, description="Smallest group of real rows an aggregate may show or a category may keep.")
    min_group_size: int = Field(30, description="Lab results on smaller groups say 'too small to conclude'.")
    lock_timeout_s: float = Field(30.0, description="How long to wait for another process to release a store.")
    gate: GateThresholds = Field(default_factory=GateThresholds)
    access: AccessSettings = Field(default_factory=AccessSettings)

    @classmethod
    def load(cls, home: Path) -> Settings:
        """The settings of ``home`` (``settings.yaml`` and ``SANDBOX_HOLDOUT_SHARE``), parsed again only when the
        text or the variable changes (pages build a workspace many times per run; parsing YAML costs ~2 ms)."""
        path = home / "settings.yaml"
        try:
            text: bytes | None = path.read_bytes() if path.is_file() else None
        except OSError:
            text = None
        key = (text, os.environ.get("SANDBOX_HOLDOUT_SHARE"))
        if key not in _loaded:
            if len(_loaded) > 64:
                _loaded.clear()
            _loaded[key] = cls._parse(path)
        return _loaded[key].model_copy(deep=True)

    @classmethod
    def _parse(cls, path: Path) -> Settings:
        data: dict[str, Any] = {}
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise InputError(f"{path} is not valid YAML: {exc}") from None
        if "SANDBOX_HOLDOUT_SHARE" in os.environ:
            data["holdout_share"] = float(os.environ["SANDBOX_HOLDOUT_SHARE"])
        try:
            return cls.model_validate(data)
        except Exception as exc:
            raise InputError(f"{path}: invalid settings: {exc}") from None


_loaded: dict[tuple, Settings] = {}  # settings.yaml's text and the variable -> parsed settings
