"""Sample workbooks written once per content, for the whole test run.

Many tests write the same county's workbook from the same rows (the city's sample, seed
2025): openpyxl takes about a second a county for bytes that differ only in the time they were
saved. Under the tests, ``ingest.workbook.template.write`` keeps what it wrote in a folder that
all workers share, keyed by the content (county, period, rows) and by the source of the code
that shapes a workbook; writing the same content again copies those bytes with the save time
set to now, in the document properties and in the zip's entries, as openpyxl would have done.
So every file still has bytes of its own (its sha256 differs from a copy written a second
earlier, as before), and a change to the template or the contract writes anew.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import re
import shutil
import time
import zipfile
from pathlib import Path

from ingest.config import PROJECT_ROOT

#: The code whose change must write workbooks anew.
SOURCES = ("ingest/workbook", "ingest/contract")
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fingerprint() -> bytes:
    import openpyxl

    digest = hashlib.sha256(openpyxl.__version__.encode())
    for folder in SOURCES:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + path.read_bytes())
    return digest.digest()


def _restamp(cached: Path, path: Path) -> None:
    """``cached``'s entries into ``path`` (atomically), saved now."""
    now = dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    when = time.localtime()[:6]
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(cached) as source, zipfile.ZipFile(tmp, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            copy = zipfile.ZipInfo(entry.filename, date_time=when)
            copy.compress_type = entry.compress_type
            copy.external_attr = entry.external_attr
            target.writestr(copy, data)
    tmp.replace(path)


def install(folder: Path) -> None:
    """Wrap ``template.write`` with the cache kept in ``folder``."""
    from ingest.workbook import template

    if getattr(template.write, "cached", False):
        return
    fingerprint = _fingerprint()
    if folder.is_dir():  # what earlier code wrote is never read again
        for old in folder.iterdir():
            if old.name != fingerprint.hex()[:16]:
                shutil.rmtree(old, ignore_errors=True)
    folder = folder / fingerprint.hex()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    write = template.write

    def cached_write(path: Path, county: str, period: str, rows_by_sheet=None) -> Path:
        key = hashlib.sha256(fingerprint + pickle.dumps((county, period, rows_by_sheet), protocol=5))
        cached = folder / f"{key.hexdigest()}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        if cached.exists():
            _restamp(cached, path)
            return path
        write(path, county, period, rows_by_sheet)
        partial = folder / f".{cached.name}.{os.getpid()}"
        partial.write_bytes(path.read_bytes())
        partial.replace(cached)  # whole or absent, whichever worker writes it first
        return path

    cached_write.cached = True
    template.write = cached_write
