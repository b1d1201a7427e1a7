"""download_checked: renamed into place only when whole and matching its checksum, through atomic_write."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from resviz.core import download
from resviz.core.atomic import UnsafeTarget
from resviz.core.download import ChecksumMismatch, download_checked

CONTENT = b"resviz " * 5000


@pytest.fixture(autouse=True)
def _downloads_on(monkeypatch):
    """These tests fake the server (urlopen): let download_checked try it."""
    monkeypatch.delenv("RESVIZ_OFFLINE", raising=False)


def test_resviz_offline_fails_at_once_without_a_connection(tmp_path, monkeypatch):
    monkeypatch.setenv("RESVIZ_OFFLINE", "1")
    monkeypatch.setattr(download.urllib.request, "urlopen", lambda *a, **k: pytest.fail("tried to connect"))
    with pytest.raises(download.DownloadsOff, match="RESVIZ_OFFLINE"):
        download_checked("http://example.invalid/x", tmp_path / "x", "sha256", SHA, 1.0)
    assert not (tmp_path / "x").exists()
SHA = hashlib.sha256(CONTENT).hexdigest()


class _Response(io.BytesIO):
    """What urlopen returns: a readable body with headers; ``cut_after`` drops the connection."""

    def __init__(self, body: bytes, cut_after: int | None = None):
        super().__init__(body)
        self.headers = {"Content-Length": str(len(body))}
        self.cut_after = cut_after

    def read(self, size=-1):
        if self.cut_after is not None and self.tell() >= self.cut_after:
            raise ConnectionResetError("connection reset by peer")
        return super().read(size)


@pytest.fixture
def serve(monkeypatch):
    def serve(body=CONTENT, cut_after=None):
        monkeypatch.setattr(download.urllib.request, "urlopen", lambda url, timeout: _Response(body, cut_after))
    return serve


def test_a_good_download_lands_whole_with_progress_and_nothing_beside_it(tmp_path, serve):
    serve()
    progress = []
    target = tmp_path / "new" / "folder" / "file.bin"  # folders made as needed
    download_checked("http://x/file.bin", target, "sha256", SHA[:16], 5, lambda d, t: progress.append((d, t)),
                     chunk=4096)
    assert target.read_bytes() == CONTENT and progress[-1] == (len(CONTENT), len(CONTENT))
    assert os.listdir(target.parent) == ["file.bin"]


def test_a_wrong_checksum_keeps_nothing_and_leaves_the_old_file(tmp_path, serve):
    serve(b"not the file")
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(ChecksumMismatch, match="wrong checksum"):
        download_checked("http://x/file.bin", target, "sha256", SHA, 5)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["file.bin"]


def test_a_download_cut_off_keeps_nothing(tmp_path, serve):
    serve(cut_after=10_000)
    with pytest.raises(ConnectionResetError):
        download_checked("http://x/file.bin", tmp_path / "file.bin", "sha256", SHA, 5, chunk=4096)
    assert os.listdir(tmp_path) == []


def test_a_link_in_place_of_the_target_is_not_replaced(tmp_path, serve):
    serve()
    (tmp_path / "real.bin").write_bytes(b"keep")
    (tmp_path / "file.bin").symlink_to(tmp_path / "real.bin")
    with pytest.raises(UnsafeTarget, match="symbolic link"):
        download_checked("http://x/file.bin", tmp_path / "file.bin", "sha256", SHA, 5)
    assert (tmp_path / "file.bin").is_symlink() and (tmp_path / "real.bin").read_bytes() == b"keep"
