"""Duties that cut across the stages: what the law and the company's rules ask of the data once it exists.

A person's erasure (forget), retention of snapshots, models and datasets, exports that need a justification, and
the "show more" reveal. Each acts on the vault and on released datasets together, so these sit above the stages
(vault, release, lab) and below the adapters; no stage imports them.
"""
