"""The column inventory: what every column is, why it is kept and how long.

The catalog is the steward's record of processing (GDPR Art. 30). It is stored in the governance
store, exported to and loaded from YAML, and translated into a generator schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from sandbox.errors import CatalogError

ColumnClass = Literal["direct_identifier", "quasi_identifier", "sensitive", "key", "ordinary"]
SensitiveCategory = Literal[
    "health", "financial", "biometric", "ethnicity", "religion", "politics", "sexual_life",
    "criminal_record", "children",
]
Purpose = Literal["essential", "useful", "habit"]
IdentifierKind = Literal[
    "full_name", "first_name", "last_name", "email", "phone", "address", "passport", "inn", "snils",
    "card_number", "free_text", "other",
]
Generalization = Literal["none", "age_band", "birth_year", "year_month", "zip_prefix", "rare_to_other"]
Kind = Literal["numerical", "categorical", "datetime", "boolean", "text", "key"]


class ColumnEntry(BaseModel):
    """One column of the inventory."""

    cls: ColumnClass | None = Field(default=None, description="None while unclassified.")
    category: SensitiveCategory | None = None
    purpose: Purpose = "useful"
    kind: Kind = "categorical"
    identifier: IdentifierKind | None = Field(
        default=None, description="For direct identifiers: what it holds (drives Faker in synthesis)."
    )
    staff: int | None = Field(default=None, description="For a person's name that repeats across rows (the "
                              "managers who own deals): how many people it names; synthetic data draws as many.")
    width: int | None = Field(default=None, description="For an INN: the digits most real values have (10: "
                              "organisations, 12: people); fake values have as many.")
    generalize: Generalization = "none"
    date_format: str | None = Field(default=None, description="strptime format of the export's text dates, as "
                                    "detected (e.g. %m/%d/%Y); None: ISO or day-first forms.")
    keep_text: bool = Field(default=False, description="Free text kept with identifiers scrubbed.")
    proposed: bool = Field(default=False, description="Set by detection; cleared when a steward confirms.")
    justification: str = ""
    source_name: str | None = Field(default=None, description="Column name in the source export.")


class ForeignKeyEntry(BaseModel):
    column: str
    parent: str
    parent_column: str
    orphans: Literal["fail", "keep_unlinked", "drop"] = Field(
        "fail", description="Rows whose value is not in the parent key: refuse the export, keep the rows with "
                            "the link empty, or leave them out (both with a warning naming how many).")
    evidence: str = Field("", description="Why the link was inferred (names, or the share of values inside).")


class TableEntry(BaseModel):
    """One table: its keys and columns."""

    source_file: str = ""
    primary_key: str | None = None
    foreign_keys: list[ForeignKeyEntry] = Field(default_factory=list)
    composite_key: list[str] = Field(default_factory=list, description="Columns that together name a row when "
                                     "no single one does (an order line: its order and its product).")
    columns: dict[str, ColumnEntry]
    rows: int = 0
    people: bool | None = Field(default=None, description="Whether rows may describe people (person-level "
                                "privacy controls apply). Ingest proposes false for a table of things other tables "
                                "point at (products, companies; see sandbox.vault.entities); None: not decided "
                                "(people).")


class Catalog(BaseModel):
    """Inventory of one source."""

    source: str
    version: int = 1
    retention_days: int = Field(default=365, description="Vault snapshot and derived models expire after this.")
    holdout_share: float = Field(default=0.2, ge=0.0, lt=0.9)
    core_service: str = Field(default="", description="The company's declared core service (for policy).")
    locale: str = "en_US"
    k_anonymity: int = Field(default=5, ge=1, description="Minimum group size for quasi-identifiers.")
    target: str | None = Field(default=None, description="Default fidelity target, TABLE.COLUMN[=POSITIVE].")
    tables: dict[str, TableEntry]

    def unclassified(self) -> list[str]:
        """Every ``table.column`` with no class yet."""
        return [f"{t}.{c}" for t, table in self.tables.items() for c, e in table.columns.items() if e.cls is None]

    def column(self, ref: str) -> ColumnEntry:
        """Look up ``table.column``."""
        table, _, column = ref.partition(".")
        try:
            return self.tables[table].columns[column]
        except KeyError:
            raise CatalogError(f"catalog of {self.source!r} has no column {ref!r}") from None

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_yaml(cls, text: str) -> Catalog:
        try:
            return cls.model_validate(yaml.safe_load(text))
        except Exception as exc:  # pydantic or yaml: one clear message
            raise CatalogError(f"catalog file is not valid: {exc}") from None

    @classmethod
    def read(cls, path: str | Path) -> Catalog:
        p = Path(path)
        if not p.is_file():
            raise CatalogError(f"catalog file not found: {p}")
        return cls.from_yaml(p.read_text(encoding="utf-8"))
