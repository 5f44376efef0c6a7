"""The archive cannot take the file (disk full, not writable): it is not registered as received."""

from __future__ import annotations

import errno
import os

import pytest

from ingest.load import ArchiveError, discover, ingest_file, sha256_of
from ingest.samples import generator
from tests.helpers import query


def test_disk_full_while_archiving_leaves_the_file_unreceived(wh, tmp_path, monkeypatch):
    [path] = generator.generate("2025", wh.inbox, counties=["520603"])
    sha = sha256_of(path)
    archive = tmp_path / "archive"
    # the copy's temporary file is /dev/full: every write fails with ENOSPC, as on a full disk
    (archive / sha[:2]).mkdir(parents=True)
    (archive / sha[:2] / f"{sha}.xlsx.{os.getpid()}.tmp").symlink_to("/dev/full")
    monkeypatch.setattr(type(wh), "archive", property(lambda self: archive))
    with pytest.raises(ArchiveError) as failed:
        ingest_file(path, wh)
    assert failed.value.__cause__.errno == errno.ENOSPC
    assert path.name in str(failed.value) and "未登记" in str(failed.value)
    assert query(wh, "select count(*) from raw.submission") == [(0,)]
    assert not (archive / sha[:2] / f"{sha}.xlsx").exists()
    assert discover(wh) == [path]  # still new: the next run takes it again


def test_an_archive_that_is_not_a_folder_is_named_in_the_error(wh, tmp_path, monkeypatch):
    [path] = generator.generate("2025", wh.inbox, counties=["520603"])
    blocker = tmp_path / "archive"
    blocker.write_text("a file where the archive folder should be")
    monkeypatch.setattr(type(wh), "archive", property(lambda self: blocker))
    with pytest.raises(ArchiveError, match=f"{path.name}.*{blocker}"):
        ingest_file(path, wh)
    assert query(wh, "select count(*) from raw.submission") == [(0,)]
    monkeypatch.undo()
    assert ingest_file(path, wh).status == "accepted"  # once the archive works, nothing is lost
