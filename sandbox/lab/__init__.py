"""The Hypothesis Lab: compare two groups of synthetic customers on one metric.

The statistics live in :mod:`sandbox.lab.stats`; import from there, so that importing the package
stays cheap (SciPy is loaded only when a test runs).
"""
