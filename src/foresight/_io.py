"""Files in and out: reading tables (exports, area trees, taxonomies), atomic writing, sha256.

Every module that touches a file goes through here: tables are read by one reader
(:mod:`foresight._records`, which accounts for every record and never guesses an encoding), outputs
are written to a temporary file beside the target and renamed into place (leftovers of a killed run
are removed by the next one), and a file is identified by the sha256 of its bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from foresight._decode import decode_lines
from foresight._records import read_raw
from foresight.errors import DataError

__all__ = ["atomic_path", "atomic_write", "clean_stale_temps", "detect_encoding", "read_table",
           "sha256_file"]

_CHUNK = 1 << 20  # bytes read at a time when hashing


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds.

    A reader never sees a half-written file, and a failed or killed run leaves the old file in place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> out.read_text()
    'hello'
    >>> oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_current_umask())
    True
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                                    dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():  # mkstemp makes 0600 files: give the result the mode a plain open() would
            os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def clean_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files and folders that a killed foresight run left in ``folder``.

    Temporaries are named ``.<name>.<pid>.<random>.tmp``; one is stale when its process is gone, so
    a run that is still writing is never disturbed.

    Returns
    -------
    list of Path
        What was removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".flags.csv.999999999.ab12.tmp").write_text("half")
    >>> [p.name for p in clean_stale_temps(folder)]
    ['.flags.csv.999999999.ab12.tmp']
    """
    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for path in folder.glob(".*.tmp"):
        parts = path.name.split(".")
        pid = next((int(p) for p in reversed(parts[:-2]) if p.isdigit()), None)
        if pid is None or _alive(pid):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid < 2**31
    return True


def _current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def atomic_write(target: str | os.PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``target`` atomically; return ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "b.txt"
    >>> atomic_write(out, lambda p: p.write_text("x")).read_text()
    'x'
    """
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The sha256 of a file's bytes (hex), read in 1 MiB chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def detect_encoding(data: bytes) -> str:
    """The encoding ``auto`` reads ``data`` in: ``utf-8``, ``utf-16``, ``gb18030`` or ``big5``.

    Raises
    ------
    DataError
        The bytes are in none of them.

    Examples
    --------
    >>> detect_encoding("登记日期".encode("utf-8"))
    'utf-8'
    >>> detect_encoding("登记日期".encode("gb18030"))
    'gb18030'
    >>> detect_encoding("登記日期".encode("big5"))
    'big5'
    """
    return decode_lines(data).encoding


def read_table(path: str | Path, *, encoding: str = "auto", sheet: str | int = 0) -> pd.DataFrame:
    """Read a CSV (optionally gzipped), Excel or Parquet table; every CSV cell as a string.

    For a reference table (the area tree, the taxonomy) every row must read cleanly: a line in
    another encoding or a row with more or fewer cells than the header is an error naming the row.
    (:func:`~foresight.ingest.read_cases` reads exports with :func:`read_raw` instead, and lists
    such rows as rejects.)

    Parameters
    ----------
    path
        The export. Format by extension: ``.csv``/``.txt``/``.tsv`` (also ``.gz``), ``.xlsx``/``.xls``,
        ``.parquet``.
    encoding
        ``"auto"`` or a codec (CSV only): ``utf-8``, ``gb18030``, ``big5``, ``utf-16``.
    sheet
        Excel sheet name or index.

    Returns
    -------
    DataFrame

    Raises
    ------
    DataError
        The file is missing, empty, has no header, cannot be decoded or parsed, or has a row that
        cannot be read cleanly.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("code,name\\nT1,一镇\\n".encode("gb18030"))
    >>> read_table(p).to_dict("records")
    [{'code': 'T1', 'name': '一镇'}]
    """
    table = read_raw(path, encoding=encoding, sheet=sheet)
    if table.bad:
        shown = "; ".join(f"row {row}: {why}" for row, why in table.bad[:3])
        more = f" (and {len(table.bad) - 3} more)" if len(table.bad) > 3 else ""
        raise DataError(f"{path}: {shown}{more}. Fix the table.")
    return table.frame
