"""Reading a CRM export (CSV, Parquet, DuckDB files or a folder of them) as DuckDB views.

Nothing is loaded into Python: every table is a view over the file, so large exports stream. Error
messages name file, table, column and line, and never quote a value (values may be people's data).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from generators.identities import transliterate
from sandbox.errors import InputError

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
DUCKDB_SUFFIXES = {".duckdb", ".db"}


def table_name(stem: str) -> str:
    """``Customers Export.csv`` -> ``customers_export``; ``Контакты.csv`` -> ``kontakty``.

    Cyrillic and accented names are spelled in Latin letters; a name in another alphabet keeps a short
    digest of itself, so two such files never collapse into one table.
    """
    latin = transliterate(stem.strip())
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", latin).strip("_").lower()
    if not name or any(c.isalnum() and not c.isascii() for c in latin):
        digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
        name = f"{name}_{digest}".strip("_")
    return name if name and not name[0].isdigit() else f"t_{name}"


_MISSING = "['', 'NULL', '\\N']"  # empty cells, and SQL dumps' NULL and \N written as text: missing values


@dataclass
class SourceTable:
    """One input table and how to read it."""

    name: str
    path: Path
    fmt: str  # csv | parquet | duckdb
    delimiter: str = ","
    encoding: str = "utf-8"
    inner_table: str = ""  # for duckdb files
    text_columns: list[str] = field(default_factory=list)  # columns forced to VARCHAR (mixed types)
    read_path: Path | None = None  # transcoded copy for non-UTF-8 input (system temp, deleted after)
    columns: list[str] = field(default_factory=list)  # the header, once the view is defined

    def reader_sql(self) -> str:
        """SQL that reads this table."""
        path = str(self.read_path or self.path).replace("'", "''")
        if self.fmt == "parquet":
            return f"SELECT * FROM read_parquet('{path}')"
        if self.fmt == "duckdb":
            return f'SELECT * FROM "src_{self.name}"."{self.inner_table}"'
        types = ", ".join(f"'{c}': 'VARCHAR'" for c in self.text_columns)
        delim = self.delimiter.replace("'", "''")
        extra = f", types={{{types}}}" if types else ""
        return (
            f"SELECT * FROM read_csv('{path}', delim='{delim}', quote='\"', escape='\"', header=true, "
            f"strict_mode=true, sample_size=20480, nullstr={_MISSING}, "
            f"auto_type_candidates=['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR']{extra})"
        )


def _utf8_ok(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    return True


def _transcode(path: Path, encoding: str) -> Path:
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="sandbox-transcoded-")
    try:
        with open(path, encoding=encoding, newline="") as src, open(fd, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    except (OSError, UnicodeDecodeError):
        Path(tmp).unlink(missing_ok=True)  # half a copy of people's data stays nowhere
        raise InputError(f"{path.name}: the file is neither UTF-8 nor {encoding} text") from None
    return Path(tmp)


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        head = fh.read(64 * 1024)
    if not head.strip():
        raise InputError(f"{path.name}: the file is empty")
    first = head.splitlines()[0]
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: first.count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _csv_table(path: Path) -> SourceTable:
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty")
    encoding = "utf-8" if _utf8_ok(path) else "cp1251"
    table = SourceTable(table_name(path.stem), path, "csv", _sniff_delimiter(path, encoding), encoding)
    if encoding != "utf-8":
        table.read_path = _transcode(path, encoding)
    return table


def resolve(paths: list[str | Path]) -> list[SourceTable]:
    """Every table in the given files and folders; fails on a missing path or an unknown format."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        if p.is_dir():
            known = CSV_SUFFIXES | PARQUET_SUFFIXES | DUCKDB_SUFFIXES
            found = sorted(f for f in p.iterdir() if f.suffix.lower() in known)
            if not found:
                raise InputError(f"{p}: the folder holds no CSV, Parquet or DuckDB file")
            files.extend(found)
        else:
            files.append(p)
    tables: list[SourceTable] = []
    try:
        for f in files:
            suffix = f.suffix.lower()
            if suffix in CSV_SUFFIXES:
                tables.append(_csv_table(f))
            elif suffix in PARQUET_SUFFIXES:
                tables.append(SourceTable(table_name(f.stem), f, "parquet"))
            elif suffix in DUCKDB_SUFFIXES:
                tables.extend(_duckdb_tables(f))
            else:
                raise InputError(f"{f.name}: unsupported file type {suffix!r}; use CSV, Parquet or DuckDB")
        names = [t.name for t in tables]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InputError(f"two input files map to the same table name: {', '.join(dupes)}; rename one")
    except BaseException:
        cleanup(tables)  # transcoded copies of the files read so far hold raw values: none outlives the error
        raise
    return tables


def _duckdb_tables(path: Path) -> list[SourceTable]:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        raise InputError(f"{path.name}: not a readable DuckDB file") from None
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    finally:
        con.close()
    if not names:
        raise InputError(f"{path.name}: the DuckDB file holds no tables")
    return [SourceTable(table_name(n), path, "duckdb", inner_table=n) for n in names]


def attach(con: duckdb.DuckDBPyConnection, tables: list[SourceTable]) -> list[str]:
    """Create a view ``raw_<table>`` on ``con`` for each input table; returns warnings.

    CSV files get one streaming pass that parses every column, so a column whose later rows do not
    match the type guessed from the first rows is found now and read as text.
    """
    attached: set[Path] = set()
    warnings: list[str] = []
    for t in tables:
        if t.fmt == "duckdb" and t.path not in attached:
            con.execute(f"ATTACH '{t.path}' AS \"src_{t.name}\" (READ_ONLY)")
            attached.add(t.path)
        define_view(con, t)
        while t.fmt == "csv":
            try:
                con.execute(f'SELECT count(COLUMNS(*)) FROM "raw_{t.name}"').fetchall()
                break
            except duckdb.ConversionException as exc:
                column = mixed_type_column(exc, t.columns)
                if not column or column in t.text_columns:
                    raise explain(exc, t) from None
                t.text_columns.append(column)
                warnings.append(f"table {t.name}, column {column}: mixed types; read as text")
                define_view(con, t)
            except duckdb.Error as exc:
                raise explain(exc, t) from None
    return warnings


def define_view(con: duckdb.DuckDBPyConnection, t: SourceTable) -> None:
    """(Re)create the view ``raw_<table>`` and record the table's column names."""
    try:
        con.execute(f'CREATE OR REPLACE VIEW "raw_{t.name}" AS {t.reader_sql()}')
        columns = con.execute(f'SELECT * FROM "raw_{t.name}" LIMIT 0').description
    except duckdb.Error as exc:
        raise explain(exc, t) from None
    if not columns:
        raise InputError(f"{t.path.name}: no columns found")
    t.columns = [c[0] for c in columns]


def explain(exc: duckdb.Error, t: SourceTable) -> InputError:
    """Turn a DuckDB read error into a message naming file, column and line, without any value.

    DuckDB's own message quotes the offending line and value, so only a line number and a column name
    that is one of the table's columns are taken from it; nothing else of its text is passed on.
    """
    if isinstance(exc, duckdb.OutOfMemoryException):
        return out_of_memory()
    text = str(exc)
    if t.fmt == "csv":
        ragged = _find_ragged_row(t)
        if ragged:
            return InputError(ragged)
    column = _named_column(text, t.columns)
    line = re.search(r"^[^\n]*?\b[Ll]ine:? (\d+)", text)
    where = f"{t.path.name} (table {t.name}"
    where += f", column {column}" if column else ""
    where += f", line {line.group(1)}" if line else ""
    kind = "a value does not match the column's type" if "convert" in text.lower() else "the file cannot be parsed"
    return InputError(f"{where}): {kind}")


def out_of_memory() -> InputError:
    """DuckDB ran out of the memory it was given: say which setting to raise."""
    return InputError("reading the export needed more memory than DuckDB was given; set "
                      "SANDBOX_INGEST_MEMORY_LIMIT higher (for example 4GB) and run the command again")


def _find_ragged_row(t: SourceTable) -> str | None:
    with open(t.read_path or t.path, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=t.delimiter)
        header = next(reader, None)
        if header is None:
            return f"{t.path.name}: the file is empty"
        for row in reader:
            if row and len(row) != len(header):
                return (f"{t.path.name} (table {t.name}), line {reader.line_num}: {len(row)} fields where the "
                        f"header has {len(header)}; fix the row or quote fields that contain '{t.delimiter}'")
    return None


def _named_column(text: str, columns: list[str]) -> str | None:
    """The first column DuckDB's message names that really is one of ``columns`` (never a quoted value)."""
    known = set(columns)
    for m in re.finditer(r'column "([^"\n]+)"|[Cc]olumn (\S+)', text):
        name = m.group(1) if m.group(1) is not None else m.group(2).strip('".,')
        if name in known:
            return name
    return None


def mixed_type_column(exc: duckdb.Error, columns: list[str] | None = None) -> str | None:
    """The column named by a DuckDB type-conversion error, if that is what it is.

    With ``columns``, only one of those names is returned (anything else in the message may be a value).
    """
    text = str(exc)
    if "convert" not in text.lower():
        return None
    if columns is not None:
        return _named_column(text, columns)
    m = re.search(r'column "([^"]+)"', text) or re.search(r"column (\S+)", text)
    return m.group(1).strip('".,') if m else None


def cleanup(tables: list[SourceTable]) -> None:
    """Delete transcoded temporary copies."""
    for t in tables:
        if t.read_path is not None:
            t.read_path.unlink(missing_ok=True)
