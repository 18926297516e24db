"""crop_flip against a brute-force reference; seeded; training batches only."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from svpkit.nn import ProxyNet, SmallCNN, crop_flip


def _all_crops(image: np.ndarray, padding: int) -> list[np.ndarray]:
    """Every image crop_flip may return: each offset of the zero-padded image, each flip."""
    channels, height, width = image.shape
    padded = np.pad(image, ((0, 0), (padding, padding), (padding, padding)))
    crops = []
    for top in range(2 * padding + 1):
        for left in range(2 * padding + 1):
            crop = padded[:, top : top + height, left : left + width]
            crops += [crop, crop[:, :, ::-1]]
    return crops


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 4),
    channels=st.integers(1, 3),
    height=st.integers(1, 7),
    width=st.integers(1, 7),
    padding=st.integers(0, 3),
    seed=st.integers(0, 1000),
)
def test_each_output_is_a_crop_of_the_padded_image_maybe_flipped(
    n, channels, height, width, padding, seed
):
    images = torch.rand(n, channels, height, width) + 1  # no zeros: padding is visible
    torch.manual_seed(seed)
    out = crop_flip(images, padding)
    assert out.shape == images.shape and out.dtype == images.dtype
    for image, result in zip(images.numpy(), out.numpy(), strict=True):
        assert any(np.array_equal(result, crop) for crop in _all_crops(image, padding))


def test_offsets_and_flips_are_spread_and_seeded():
    images = torch.arange(1, 17, dtype=torch.float32).reshape(1, 1, 4, 4).repeat(400, 1, 1, 1)
    torch.manual_seed(0)
    out = crop_flip(images, 2)
    torch.manual_seed(0)
    np.testing.assert_array_equal(out, crop_flip(images, 2))  # same seed, same batch
    distinct = {tuple(o.flatten().tolist()) for o in out}
    assert len(distinct) > 30  # 25 offsets x 2 flips, most of them drawn in 400 images
    flipped = sum(
        any(np.array_equal(o.numpy()[0], c[0]) for c in _all_crops(images[0].numpy(), 2)[1::2])
        for o in out[:100]
    )
    assert 25 < flipped < 75  # about half


def test_rejects_non_images_and_bad_names():
    with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
        crop_flip(torch.zeros(3, 4))
    X = np.random.RandomState(0).rand(16, 1, 4, 4).astype(np.float32)
    net = ProxyNet(SmallCNN, module__width=2, max_epochs=1, augment="rotate")
    with pytest.raises(ValueError, match="augment must be None, one of"):
        net.fit(X, np.arange(16) % 2)


def test_augmented_training_is_seeded_and_inference_is_not_augmented():
    rng = np.random.RandomState(0)
    X = rng.rand(64, 3, 8, 8).astype(np.float32)
    y = np.arange(64) % 2

    def fit(augment):
        return ProxyNet(
            SmallCNN,
            module__width=4,
            max_epochs=2,
            batch_size=16,
            augment=augment,
            random_state=0,
        ).fit(X, y)

    first, second, plain = fit("crop_flip"), fit("crop_flip"), fit(None)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert not np.allclose(first.predict_proba(X), plain.predict_proba(X))  # it did augment
    calls = []
    first.set_params(augment=lambda batch: calls.append(1) or batch)
    first.predict_proba(X)
    assert calls == []  # never in inference


def test_uint8_pixels_are_scaled_to_unit_range():
    pixels = np.random.RandomState(0).randint(0, 256, (32, 3, 6, 6)).astype(np.uint8)
    y = np.arange(32) % 2
    as_uint8 = ProxyNet(SmallCNN, module__width=2, max_epochs=2, random_state=1).fit(pixels, y)
    floats = pixels.astype(np.float32) / np.float32(255)
    as_float = ProxyNet(SmallCNN, module__width=2, max_epochs=2, random_state=1).fit(floats, y)
    np.testing.assert_array_equal(as_uint8.predict_proba(pixels), as_float.predict_proba(floats))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_uint8_pixels_and_augmentation_on_the_gpu():
    """Batches move to the GPU as uint8 (a quarter of the transfer) and are scaled and
    augmented there, with the same seeded draws as on the CPU."""
    images = torch.rand(8, 3, 6, 6) + 1
    torch.manual_seed(0)
    on_cpu = crop_flip(images, 2)
    torch.manual_seed(0)
    torch.cuda.manual_seed(0)
    on_gpu = crop_flip(images.cuda(), 2)
    assert on_gpu.device.type == "cuda" and on_gpu.shape == on_cpu.shape
    pixels = np.random.RandomState(0).randint(0, 256, (32, 3, 6, 6)).astype(np.uint8)
    net = ProxyNet(
        SmallCNN,
        module__width=2,
        max_epochs=1,
        device="cuda",
        augment="crop_flip",
        random_state=0,
    ).fit(pixels, np.arange(32) % 2)
    assert net.predict_proba(pixels).shape == (32, 2)
