"""The one atomic writer: the old file or the new one, never a torn one, with the umask's mode."""

import os
import stat
import sys

import pytest

from svpkit.utils import atomic_write


@pytest.fixture
def umask():
    """Set the process umask for one test, and restore it."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_the_file_mode_follows_the_umask(tmp_path, umask, mask):
    umask(mask)
    atomic_write(tmp_path / "new.bin", lambda fh: fh.write(b"x"))
    (tmp_path / "plain.bin").write_bytes(b"x")  # what a plain open gives
    mode = stat.S_IMODE((tmp_path / "new.bin").stat().st_mode)
    assert mode == 0o666 & ~mask == stat.S_IMODE((tmp_path / "plain.bin").stat().st_mode)


def test_an_error_mid_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "state.npz"
    target.write_bytes(b"old")

    def crash(fh):
        fh.write(b"half of the new")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, crash)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.npz"]


def test_an_interrupt_mid_write_leaves_no_temporary(tmp_path):
    def interrupted(fh):
        fh.write(b"x")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "out.bin", interrupted)
    assert list(tmp_path.iterdir()) == []


def test_replaces_the_file_and_flushes_the_folder(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("old")
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    atomic_write(target, lambda fh: fh.write("a,b\r\n1,2\n"), text=True)
    assert target.read_bytes() == b"a,b\r\n1,2\n"  # text mode, no newline translation
    assert len(synced) == (2 if sys.platform != "win32" else 1)  # the file, then its folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
@pytest.mark.parametrize("mode", [0o640, 0o600, 0o664])
def test_a_replaced_file_keeps_its_mode(tmp_path, umask, mode):
    umask(0o022)  # would give 0644 to a new file
    target = tmp_path / "out.csv"
    target.write_text("old")
    target.chmod(mode)
    atomic_write(target, lambda fh: fh.write("new"), text=True)
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == mode
