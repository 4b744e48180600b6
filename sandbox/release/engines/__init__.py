"""Sampling engines: ``local`` (one process into one DuckDB file, the default) and ``ray`` (shards as Ray
tasks writing Parquet, committed once per table to Apache Iceberg). ray and pyiceberg are imported only
when the ray engine runs (the ``scale`` extra)."""

ENGINES = ("local", "ray")
