"""Release: from a vault snapshot to a synthetic dataset people may see.

It owns synthesis (the local engine and the Ray/Iceberg one), signed model files, staged and published datasets
and their seals, the release gate (quality, privacy, hypothesis fidelity, exact copies over every training row)
and its reports and charts, and the built-in demo that runs the whole way once.
"""
