"""The vault: a CRM export comes in and leaves only pseudonymized.

It owns reading exports (CSV, Parquet, DuckDB), deciding what every column is from its values and name
(detection), the column inventory stewards keep (catalog, its versions and the record of processing), keys and
links between tables, what each column becomes (transform), keyed pseudonyms and their rotation, the ingest that
writes a snapshot, and steward-only reads of snapshots. Nothing outside the vault opens a snapshot's file.
"""
