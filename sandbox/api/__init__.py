"""The Python API for notebooks: synthetic datasets, the Lab's statistics and the proposal flow, under the app's rules.

`session` holds the objects a data scientist holds (Session, Dataset, Table, GateReport, Vault); `notebook` reads
whole tables as pandas frames, logged; `html` is how those objects look in Jupyter.
"""

from sandbox.api.session import Dataset, DatasetList, GateReport, Session, Table, Vault, connect

__all__ = ["Dataset", "DatasetList", "GateReport", "Session", "Table", "Vault", "connect"]
