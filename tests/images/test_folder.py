"""ImageFolder: layouts, formats, sizes, bad files, the decode cache and its invalidation."""

import os
import pickle
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from svpkit.images import ImageFolder
from svpkit.images import decode as decode_module
from tests.images.helpers import as_chw, make_folder


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def test_png_rgb_pixels_are_the_files_exactly(tmp_path, cache):
    written = make_folder(tmp_path / "pool", ext="png")
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    assert images.classes == ["cat", "dog", "eel"]
    assert images.targets.tolist() == [0] * 8 + [1] * 8 + [2] * 8
    assert images.shape == (24, 3, 8, 8) and images.mode == "RGB"
    pixels = images.pixels()
    assert pixels.dtype == np.uint8 and isinstance(pixels, np.memmap)
    pixels[0] = 0  # copy-on-write: the cache file keeps the decoded pixels
    assert np.load(images.cache_file())[0].any()
    pixels = images.refresh().pixels()
    for row, path in enumerate(images.paths):
        np.testing.assert_array_equal(pixels[row], as_chw(written[path]))


def test_grayscale_folder_has_one_channel_and_can_be_read_in_colour(tmp_path, cache):
    written = make_folder(tmp_path / "pool", channels=1)
    gray = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    assert gray.mode == "L" and gray.shape == (24, 1, 8, 8)
    np.testing.assert_array_equal(gray.pixels()[0, 0], written[gray.paths[0]])
    colour = ImageFolder(tmp_path / "pool", mode="RGB", cache_dir=cache, n_jobs=1)
    assert colour.shape == (24, 3, 8, 8)
    for channel in range(3):  # grayscale read in colour: the same value in every channel
        np.testing.assert_array_equal(colour.pixels()[:, channel], gray.pixels()[:, 0])


def test_jpeg_pixels_are_pillows_decode_of_each_file(tmp_path, cache):
    make_folder(tmp_path / "pool", ext="jpg", side=16)
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    for row, path in enumerate(images.paths):  # the reference: a bare Pillow read
        with Image.open(path) as image:
            np.testing.assert_array_equal(images.pixels()[row], as_chw(np.asarray(image)))


def test_mixed_png_jpeg_and_grayscale_in_an_rgb_pool(tmp_path, cache):
    make_folder(tmp_path / "pool", ext="png", n_per_class=2)
    Image.new("L", (8, 8), 77).save(tmp_path / "pool" / "cat" / "gray.jpg")
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    row = int(np.flatnonzero([p.endswith("gray.jpg") for p in images.paths])[0])
    assert images.mode == "RGB"
    assert np.abs(images.pixels()[row].astype(int) - 77).max() <= 2


def test_colour_image_in_a_grayscale_pool_is_an_error_naming_it(tmp_path, cache):
    make_folder(tmp_path / "pool", channels=1, n_per_class=2)
    Image.new("RGB", (8, 8), (200, 0, 0)).save(tmp_path / "pool" / "eel" / "red.png")
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    with pytest.raises(ValueError, match=r"red\.png is in colour.*mode='RGB'"):
        images.pixels()


def test_nested_class_folders_take_the_top_folder_as_label(tmp_path, cache):
    root = tmp_path / "pool"
    make_folder(root, n_per_class=2)
    (root / "dog" / "puppies").mkdir()
    Image.new("RGB", (8, 8)).save(root / "dog" / "puppies" / "small.png")
    images = ImageFolder(root, cache_dir=cache, n_jobs=1)
    assert len(images) == 7
    row = int(np.flatnonzero([p.endswith("small.png") for p in images.paths])[0])
    assert images.labels[row] == "dog"


def test_non_image_files_are_skipped_and_listed(tmp_path, cache):
    root = tmp_path / "pool"
    make_folder(root, n_per_class=2)
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "README.md").write_text("about the data")
    Image.new("RGB", (8, 8)).save(root / "loose.png")  # outside any class folder
    images = ImageFolder(root, cache_dir=cache, n_jobs=1)
    assert len(images) == 6
    assert sorted(os.path.basename(p) for p in images.skipped) == ["loose.png", "notes.txt"]
    assert images.pixels().shape == (6, 3, 8, 8)


def test_corrupt_file_is_an_error_naming_it(tmp_path, cache):
    root = tmp_path / "pool"
    make_folder(root, n_per_class=2)
    (root / "dog" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    images = ImageFolder(root, cache_dir=cache, n_jobs=1)
    with pytest.raises(ValueError, match=r"cannot decode image .*broken\.jpg"):
        images.pixels()
    assert not list(cache.glob("images-*.npy")), "a failed decode leaves no cache behind"


def test_a_corrupt_first_file_fails_at_construction(tmp_path, cache):
    root = tmp_path / "pool" / "a"
    root.mkdir(parents=True)
    (root / "0.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"cannot read image .*0\.png"):
        ImageFolder(tmp_path / "pool", cache_dir=cache)


def test_images_of_another_size_are_an_error_or_resized(tmp_path, cache):
    root = tmp_path / "pool"
    make_folder(root, n_per_class=2, side=8)
    Image.new("RGB", (12, 10), (10, 20, 30)).save(root / "eel" / "big.png")
    with pytest.raises(ValueError, match=r"big\.png is 12x10 .* resize=True"):
        ImageFolder(root, cache_dir=cache, n_jobs=1).pixels()
    resized = ImageFolder(root, resize=True, cache_dir=cache, n_jobs=1)
    assert resized.pixels().shape == (7, 3, 8, 8)
    row = int(np.flatnonzero([p.endswith("big.png") for p in resized.paths])[0])
    np.testing.assert_array_equal(resized.pixels()[row, :, 0, 0], [10, 20, 30])
    chosen = ImageFolder(root, size=(4, 6), resize=True, cache_dir=cache, n_jobs=1)
    assert chosen.pixels().shape == (7, 3, 4, 6)


def test_bad_options_are_refused(tmp_path, cache):
    make_folder(tmp_path / "pool", n_per_class=1)
    with pytest.raises(ValueError, match="mode must be one of"):
        ImageFolder(tmp_path / "pool", mode="CMYK")
    with pytest.raises(ValueError, match=r"size must be \(height, width\)"):
        ImageFolder(tmp_path / "pool", size=(0, 4))
    with pytest.raises(ValueError, match="not a folder of class folders"):
        ImageFolder(tmp_path / "nowhere")
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match="no image files"):
        ImageFolder(tmp_path / "empty")


def test_parallel_decode_equals_serial(tmp_path, cache):
    make_folder(tmp_path / "pool", n_per_class=40)
    monkey_chunk = decode_module.CHUNK_FILES
    try:
        decode_module.CHUNK_FILES = 16  # several tasks for the two workers
        parallel = ImageFolder(tmp_path / "pool", cache_dir=cache / "a", n_jobs=2).pixels()
    finally:
        decode_module.CHUNK_FILES = monkey_chunk
    serial = ImageFolder(tmp_path / "pool", cache_dir=cache / "b", n_jobs=1).pixels()
    np.testing.assert_array_equal(parallel, serial)


def test_second_read_uses_the_cache_without_decoding(tmp_path, cache, monkeypatch):
    make_folder(tmp_path / "pool")
    first = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1).pixels()

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(decode_module, "_decode_chunk", no_decoding)
    again = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    np.testing.assert_array_equal(again.pixels(), first)
    assert len(list(cache.glob("images-*.npy"))) == 1


def test_a_changed_file_invalidates_the_cache(tmp_path, cache):
    root = tmp_path / "pool"
    make_folder(root, n_per_class=2)
    images = ImageFolder(root, cache_dir=cache, n_jobs=1)
    old_key, old = images.fingerprint, np.array(images.pixels())
    target = root / "cat" / "000.png"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(target)
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))  # a later mtime, surely
    fresh = ImageFolder(root, cache_dir=cache, n_jobs=1)
    assert fresh.fingerprint != old_key
    np.testing.assert_array_equal(fresh.pixels()[0, :, 0, 0], [1, 2, 3])
    np.testing.assert_array_equal(fresh.pixels()[1:], old[1:])
    # the object read before the change sees it after refresh()
    np.testing.assert_array_equal(images.refresh().pixels()[0, :, 0, 0], [1, 2, 3])
    # an added file is another pool
    Image.new("RGB", (8, 8)).save(root / "cat" / "new.png")
    assert ImageFolder(root, cache_dir=cache, n_jobs=1).fingerprint not in (
        old_key,
        fresh.fingerprint,
    )


def test_from_paths_and_from_csv(tmp_path, cache):
    written = make_folder(tmp_path / "pool", n_per_class=2)
    paths = sorted(written)
    labels = [3, 1, 3, 1, 2, 2]
    images = ImageFolder.from_paths(paths, labels, cache_dir=cache, n_jobs=1)
    assert images.classes == [1, 2, 3] and images.labels.tolist() == labels
    np.testing.assert_array_equal(images.pixels()[4], as_chw(written[paths[4]]))
    csv = tmp_path / "pool" / "list.csv"
    relative = [os.path.relpath(p, csv.parent) for p in paths]
    csv.write_text(
        "file,kind\n" + "".join(f"{p},{k}\n" for p, k in zip(relative, "abcabc", strict=True))
    )
    listed = ImageFolder.from_csv(csv, path_column="file", label_column="kind", cache_dir=cache)
    assert listed.labels.tolist() == list("abcabc")
    np.testing.assert_array_equal(listed.pixels(), images.pixels())
    unlabeled = ImageFolder.from_csv(csv, path_column="file", label_column=None, cache_dir=cache)
    assert unlabeled.labels is None and unlabeled[0][1] == -1
    with pytest.raises(ValueError, match="no column 'path'"):
        ImageFolder.from_csv(csv)
    with pytest.raises(ValueError, match="2 labels for 6 image paths"):
        ImageFolder.from_paths(paths, [1, 2])
    with pytest.raises(FileNotFoundError, match="missing.png"):
        ImageFolder.from_paths([*paths, str(tmp_path / "missing.png")], cache_dir=cache).pixels()


def test_take_is_a_view_of_the_same_kind(tmp_path, cache):
    make_folder(tmp_path / "pool")
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    view = images.take([20, 3, 7])
    assert isinstance(view, ImageFolder) and len(view) == 3
    assert view.paths.tolist() == images.paths[[20, 3, 7]].tolist()
    assert view.labels.tolist() == ["eel", "cat", "cat"] and view.classes == images.classes
    np.testing.assert_array_equal(view.pixels(), images.pixels()[[20, 3, 7]])
    inner = view.take(np.array([False, True, True]))
    assert inner.paths.tolist() == images.paths[[3, 7]].tolist()
    np.testing.assert_array_equal(inner.pixels(), images.pixels()[[3, 7]])
    assert inner.cache_file() == images.cache_file()  # one cache for every view
    with pytest.raises(IndexError):
        images.take([24])


def test_a_torch_dataset_for_a_dataloader(tmp_path, cache):
    make_folder(tmp_path / "pool", n_per_class=4)
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    x, target = images[5]
    assert x.dtype == torch.uint8 and tuple(x.shape) == (3, 8, 8) and target == 1
    batches = list(DataLoader(images.take([0, 5, 9]), batch_size=2))
    assert batches[0][0].shape == (2, 3, 8, 8) and batches[0][1].tolist() == [0, 1]
    with pytest.raises(TypeError, match="take"):
        images[[0, 1]]


def test_pickles_without_the_pixels_and_reopens_the_cache(tmp_path, cache):
    make_folder(tmp_path / "pool", n_per_class=2)
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    pixels = np.array(images.pixels())
    blob = pickle.dumps(images.take([1, 2]))
    assert len(blob) < pixels.nbytes + 4000 or pixels.nbytes < 4000
    again = pickle.loads(blob)
    np.testing.assert_array_equal(again.pixels(), pixels[[1, 2]])


KILL_SCRIPT = """
import sys, time
from svpkit.images import ImageFolder
from svpkit.images import decode
original = decode._decode_chunk
def slow(*args, **kwargs):
    out = original(*args, **kwargs)
    print("chunk", flush=True)
    time.sleep(30)
    return out
decode._decode_chunk = slow
decode.CHUNK_FILES = 4
ImageFolder(sys.argv[1], cache_dir=sys.argv[2], n_jobs=1).pixels()
"""


def test_a_killed_decode_leaves_no_finished_cache(tmp_path, cache):
    make_folder(tmp_path / "pool", n_per_class=4)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(tmp_path / "pool"), str(cache)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "chunk"  # a chunk is written, more to come
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
    finally:
        proc.kill()
    assert not list(cache.glob("images-*[0-9a-f].npy")), "only the partial file may remain"
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    assert images.pixels().shape == (12, 3, 8, 8) and images.pixels().any()


def test_sixteen_bit_grayscale_keeps_its_range_and_32_bit_is_refused(tmp_path, cache):
    root = tmp_path / "pool" / "a"
    root.mkdir(parents=True)
    wide = np.array([[0, 1000], [30000, 65535]], dtype=np.uint16)
    Image.fromarray(wide).save(root / "wide.png")
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    np.testing.assert_array_equal(images.pixels()[0, 0], wide >> 8)  # not clipped at 255
    Image.fromarray(np.array([[0.5, 2.0]], dtype=np.float32)).save(root.parent / "a" / "f.tif")
    with pytest.raises(ValueError, match=r"f\.tif has 32-bit pixels"):
        ImageFolder(tmp_path / "pool", resize=True, cache_dir=cache, n_jobs=1).pixels()


def test_labels_keep_their_type_and_order_and_missing_ones_are_refused(tmp_path, cache):
    written = make_folder(tmp_path / "pool", n_per_class=2)
    paths = sorted(written)
    images = ImageFolder.from_paths(paths, [10, 2, 10, 2, 5, 5], cache_dir=cache)
    assert images.classes == [2, 5, 10]  # numeric order, not "10" < "2"
    assert images.labels.tolist() == [10, 2, 10, 2, 5, 5] and images.targets.tolist()[:2] == [2, 0]
    with pytest.raises(ValueError, match=r"1 of 6 images have no label .*labels=None"):
        ImageFolder.from_paths(paths, ["a", "b", None, "a", "b", "a"], cache_dir=cache)
    csv = tmp_path / "list.csv"
    csv.write_text(
        "path,label\n" + "".join(f"{p},{'' if i == 3 else 'x'}\n" for i, p in enumerate(paths))
    )
    with pytest.raises(ValueError, match="have no label"):
        ImageFolder.from_csv(csv, cache_dir=cache)


def test_an_explicit_grayscale_mode_converts_colour(tmp_path, cache):
    written = make_folder(tmp_path / "pool", n_per_class=2)
    gray = ImageFolder(tmp_path / "pool", mode="L", cache_dir=cache, n_jobs=1)
    assert gray.shape == (6, 1, 8, 8)
    with Image.open(gray.paths[0]) as image:
        np.testing.assert_array_equal(gray.pixels()[0, 0], np.asarray(image.convert("L")))
    assert written  # the colour files were read, not refused


def test_rows_must_be_integers_or_a_full_mask(tmp_path, cache):
    make_folder(tmp_path / "pool", n_per_class=2)
    images = ImageFolder(tmp_path / "pool", cache_dir=cache, n_jobs=1)
    with pytest.raises(IndexError, match="integers or a boolean mask"):
        images.take([0.9, 2.5])
    with pytest.raises(IndexError, match="a mask of 2 entries for 6 images"):
        images.take([True, False])


def test_relative_paths_share_the_cache_of_absolute_ones(tmp_path, cache, monkeypatch):
    written = make_folder(tmp_path / "pool", n_per_class=2)
    absolute = ImageFolder.from_paths(sorted(written), cache_dir=cache)
    monkeypatch.chdir(tmp_path)
    relative = ImageFolder.from_paths(
        [os.path.relpath(p, tmp_path) for p in sorted(written)], cache_dir=cache
    )
    assert relative.fingerprint == absolute.fingerprint
