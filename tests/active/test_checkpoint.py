"""Atomic, pickle-free checkpoints."""

import json

import numpy as np
import pytest

from svpkit.active.checkpoint import (
    checkpoint_path,
    load_checkpoint,
    load_checkpoint_arrays,
    save_checkpoint,
)


def test_round_trip_and_no_temporary_files_left(tmp_path):
    labels = np.array(["a", "b"])
    save_checkpoint(tmp_path / "run", np.array([4, 2]), labels, {"history": [{"round": 0}]})
    indices, loaded, meta = load_checkpoint(tmp_path / "run")
    np.testing.assert_array_equal(indices, [4, 2])
    np.testing.assert_array_equal(loaded, labels)
    assert meta["history"] == [{"round": 0}] and meta["format_version"] == 1
    assert [p.name for p in (tmp_path / "run").iterdir()] == [checkpoint_path(".").name]


def test_failed_write_keeps_the_previous_checkpoint(tmp_path):
    save_checkpoint(tmp_path, np.array([1]), np.array([0]), {"k": 1})
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path, np.array([2]), np.array([0]), {"k": object()})
    assert load_checkpoint(tmp_path)[2]["k"] == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_other_format_versions_are_refused(tmp_path):
    path = checkpoint_path(tmp_path)
    np.savez(path, indices=np.array([1]), labels=np.array([0]), meta=np.array(json.dumps({})))
    with pytest.raises(ValueError, match="has format None, this svpkit reads format 1"):
        load_checkpoint(tmp_path)


@pytest.mark.parametrize("damage", ["empty", "half", "last_byte", "zeroed_middle"])
def test_a_damaged_checkpoint_is_refused_naming_the_file(tmp_path, damage):
    save_checkpoint(tmp_path, np.arange(500), np.arange(500) % 3, {"history": [{"round": 0}]})
    path = checkpoint_path(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "empty":
        data = b""
    elif damage == "half":
        data = data[: len(data) // 2]
    elif damage == "last_byte":
        data = data[:-1]
    else:
        data[len(data) // 3 : len(data) // 3 + 64] = bytes(64)
    path.write_bytes(bytes(data))
    # a cut file has no readable zip directory; zeroed bytes are found by the CRC of the
    # member read (the labeled rows)
    loaders = [load_checkpoint] + ([load_checkpoint_arrays] if damage != "zeroed_middle" else [])
    for load in loaders:
        with pytest.raises(ValueError, match="is damaged") as error:
            load(tmp_path)
        assert str(path) in str(error.value) and "Restore it from a backup" in str(error.value)
