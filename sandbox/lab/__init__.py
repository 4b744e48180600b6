"""The Hypothesis Lab: compare two groups of synthetic customers on one metric.

* :mod:`sandbox.lab.question` the question as typed models (filters, population, split, metric);
  :mod:`sandbox.lab.query` compiles it to parameterized DuckDB SQL across linked tables;
* :mod:`sandbox.lab.data` the only way to data (published synthetic datasets, read-only), plus Explore's
  breakdowns, filtered rows and the linked-table schema;
* :mod:`sandbox.lab.hypothesis` ``run_hypothesis`` and the rollout ``sample_size``; :mod:`sandbox.lab.result` the
  answer as data and how it shows in Jupyter; :mod:`sandbox.lab.explore` paged rows and distributions;
* :mod:`sandbox.lab.proposals` a result saved as a draft for the ethics council;
* :mod:`sandbox.lab.stats` the tests, :mod:`sandbox.lab.choice` which test fits, :mod:`sandbox.lab.sizes` rollout
  sample sizes, :mod:`sandbox.lab.verdict` the verdict in words; :mod:`sandbox.lab.i18n` words and number formats.

Import from the submodules, so that importing the package stays cheap (SciPy is loaded only when a test
runs). Nothing here opens the vault: the Lab reads synthetic data only.
"""
