"""Image folders and torch Datasets as pools: the same selection as the same rows in an
array, labels from the pool, selections of the pool's own kind, clear refusals, linear memory."""

import tracemalloc

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from torch.utils.data import Dataset, Subset, TensorDataset

from svpkit import CoresetSelector, ProxySelector, SelectThenFit
from svpkit.active import ActiveLearningLoop
from svpkit.images import ImageFolder
from svpkit.nn import ProxyNet, SmallCNN, make_image_proxy
from tests.images.helpers import make_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("pool")
    make_folder(root / "train", n_per_class=20, side=8)
    return ImageFolder(root / "train", cache_dir=root / "cache", n_jobs=1)


def _cnn(**params):
    return ProxyNet(SmallCNN, module__width=4, max_epochs=2, batch_size=16, **params)


@pytest.mark.parametrize("method", ["least_confidence", "kcenters", "forgetting", "el2n"])
def test_image_folder_selects_as_its_pixels_in_an_array(folder, method):
    """uint8 pixels scaled per batch equal the float32 array of pixels / 255."""
    X = folder.pixels().astype(np.float32) / np.float32(255)
    kwargs = dict(method=method, fraction=0.4, random_state=3)
    from_folder = CoresetSelector(_cnn(), **kwargs).fit(folder)
    from_array = CoresetSelector(_cnn(), **kwargs).fit(X, folder.labels)
    np.testing.assert_array_equal(from_folder.sample_indices_, from_array.sample_indices_)
    np.testing.assert_allclose(from_folder.scores_, from_array.scores_, rtol=1e-6)


class ItemsOnly(Dataset):
    """A Dataset of x only (labels passed as y), numpy items."""

    def __init__(self, X):
        self.X = X

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i]


@pytest.mark.parametrize("method", ["least_confidence", "kcenters", "forgetting"])
@pytest.mark.parametrize("proxy", ["default", "cnn"])
def test_torch_dataset_selects_as_the_same_array(folder, method, proxy):
    X = folder.pixels().astype(np.float32) / np.float32(255)
    y = folder.targets
    make = (lambda: None) if proxy == "default" else _cnn
    kwargs = dict(method=method, fraction=0.3, random_state=0)
    array = CoresetSelector(make(), **kwargs).fit(X, y)
    with_labels = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    dataset = CoresetSelector(make(), **kwargs).fit(with_labels)  # labels from the dataset
    np.testing.assert_array_equal(dataset.sample_indices_, array.sample_indices_)
    given = CoresetSelector(make(), **kwargs).fit(ItemsOnly(X), y)
    np.testing.assert_array_equal(given.sample_indices_, array.sample_indices_)


def test_selection_is_the_pools_own_kind(folder):
    selector = CoresetSelector(_cnn(), method="least_confidence", fraction=0.25, random_state=0)
    picked = selector.fit(folder).transform(folder)
    assert isinstance(picked, ImageFolder) and len(picked) == 15
    assert picked.paths.tolist() == folder.paths[selector.sample_indices_].tolist()
    X_sel, y_sel = selector.fit_resample(folder)
    assert isinstance(X_sel, ImageFolder)
    assert list(y_sel) == folder.labels[selector.sample_indices_].tolist()
    data = TensorDataset(torch.zeros(12, 4), torch.arange(12) % 2)
    subset = CoresetSelector(method="random", fraction=0.5, random_state=0).fit_transform(data)
    assert isinstance(subset, Subset) and len(subset) == 6


def test_fitted_selector_scores_a_new_folder(folder, tmp_path):
    make_folder(tmp_path / "new", n_per_class=5, side=8, seed=7)
    new = ImageFolder(tmp_path / "new", cache_dir=tmp_path / "cache", n_jobs=1)
    selector = CoresetSelector(_cnn(), method="least_confidence", n_select=4, random_state=0)
    picked = selector.fit(folder).transform(new)
    assert isinstance(picked, ImageFolder) and len(picked) == 4
    assert set(picked.paths) <= set(new.paths)


def test_default_proxy_of_an_image_folder_is_the_image_proxy(folder):
    selector = CoresetSelector(method="least_confidence", fraction=0.5, random_state=0)
    selector.fit(folder)
    assert selector.proxy_.module is SmallCNN
    assert selector.proxy_.get_params()["module__width"] == make_image_proxy().module__width


def test_labels_errors_and_refusals(folder, tmp_path):
    unlabeled = ImageFolder.from_paths(folder.paths[:10], cache_dir=tmp_path)
    with pytest.raises(ValueError, match="no labels.*pass y"):
        CoresetSelector(method="random", fraction=0.5).fit(unlabeled)
    ok = CoresetSelector(method="random", fraction=0.5, random_state=0).fit(
        unlabeled, np.arange(10) % 2
    )
    assert ok.n_selected_ == 5
    with pytest.raises(ValueError, match="y has 3 labels but X has 60 rows"):
        CoresetSelector(method="random", fraction=0.5).fit(folder, [0, 1, 0])
    data = TensorDataset(torch.rand(20, 4), torch.arange(20) % 2)
    with pytest.raises(ValueError, match="torch Dataset pool is read by a torch proxy"):
        CoresetSelector(LogisticRegression(), method="least_confidence", fraction=0.5).fit(data)
    unlabeled_y = np.where(np.arange(20) < 4, np.arange(20) % 2, -1)
    with pytest.raises(ValueError, match="torch Dataset pool does not hold"):
        ProxySelector(method="typiclust", n_select=2, random_state=0).fit(data, np.full(20, -1))
    assert (
        ProxySelector(method="margin", n_select=3, random_state=0)
        .fit(data, unlabeled_y)
        .n_selected_
        == 3
    )
    with pytest.raises(ValueError, match="carry no label"):
        CoresetSelector(method="random", fraction=0.5).fit(ItemsOnly(np.zeros((6, 2))))


def test_select_then_fit_and_the_loop_on_an_image_folder(folder):
    model = SelectThenFit(
        CoresetSelector(_cnn(), method="least_confidence", fraction=0.5, random_state=0),
        _cnn(random_state=0),
    ).fit(folder)  # the folder carries its labels
    assert model.predict(folder).shape == (60,)
    assert list(model.classes_) == folder.classes
    assert set(model.predict(folder)) <= set(folder.classes)
    loop = ActiveLearningLoop(
        ProxySelector(_cnn(), method="margin", random_state=0),
        initial_size=12,
        round_sizes=[6, 6],
        estimator=_cnn(random_state=0),
        random_state=0,
    )
    loop.run(folder, folder.labels)
    assert len(loop.labeled_indices_) == 24


def test_fit_never_holds_the_pool_as_float32(tmp_path):
    """Peak numpy memory of a whole fit stays below half the pool as float32 (the proxy's
    training rows are gathered as uint8: a quarter of it)."""
    make_folder(tmp_path / "big", n_per_class=300, side=16)  # 900 x 3 x 16 x 16
    images = ImageFolder(tmp_path / "big", cache_dir=tmp_path / "cache")
    images.pixels()
    float32_pool = 900 * 3 * 16 * 16 * 4
    tracemalloc.start()  # numpy's allocations are traced; a float32 copy would show
    try:
        CoresetSelector(
            make_image_proxy(max_epochs=1, module__width=4),
            method="forgetting",
            fraction=0.5,
            random_state=0,
        ).fit(images)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < float32_pool / 2, f"peak {peak} bytes, float32 pool {float32_pool}"


def test_auto_on_an_image_folder_keeps_balanced_random_without_training(folder):
    """Validation is not affordable on image folders: the default costs nothing there, says
    why, and selects exactly what class-balanced random selects."""
    default = CoresetSelector(fraction=0.5, random_state=4).fit(folder)
    assert default.method_ == "random" and default.proxy_ is None
    assert "image folder" in default.method_reason_ and "validate_with" in default.method_reason_
    assert default.fit_seconds_["proxy_fit"] == 0.0
    balanced = CoresetSelector(method="random", fraction=0.5, random_state=4).fit(folder)
    np.testing.assert_array_equal(default.sample_indices_, balanced.sample_indices_)
    counts = np.bincount(folder.targets[default.sample_indices_])
    assert counts.tolist() == [10, 10, 10]
    # asked to validate, it validates (and trains the proxy)
    asked = CoresetSelector(_cnn(), fraction=0.5, random_state=4, validate_with=["proxy"]).fit(
        folder
    )
    assert asked.proxy_ is not None and asked.fit_seconds_["auto_validation"] > 0
    # the same pixels as an array: validation is affordable, auto validates
    X = folder.pixels().astype(np.float32) / np.float32(255)
    array = CoresetSelector(_cnn(), fraction=0.5, random_state=4).fit(X, folder.labels)
    assert array.fit_seconds_["auto_validation"] > 0


def test_uint8_array_pool_is_scaled_like_its_proxy_reads_it():
    """A uint8 array stays uint8 in the pool, so the fitted proxy_ reads it as it was trained
    (batches scaled to [0, 1] in both), and it selects as the same pixels / 255."""
    from svpkit.nn import make_default_proxy

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (300, 8)).astype(np.uint8)
    y = (X[:, 0] > 128).astype(int)
    kwargs = dict(method="least_confidence", fraction=0.5, random_state=0)
    as_uint8 = CoresetSelector(make_default_proxy(max_epochs=15), **kwargs).fit(X, y)
    floats = X.astype(np.float32) / np.float32(255)
    as_float = CoresetSelector(make_default_proxy(max_epochs=15), **kwargs).fit(floats, y)
    np.testing.assert_array_equal(as_uint8.sample_indices_, as_float.sample_indices_)
    assert (as_uint8.proxy_.predict(X) == y).mean() > 0.85


class PILItems(Dataset):
    """A torchvision-style dataset without a transform: (PIL image, label) items."""

    def __init__(self, pixels, labels):
        self.pixels, self.targets = pixels, labels

    def __len__(self):
        return len(self.pixels)

    def __getitem__(self, i):
        from PIL import Image

        return Image.fromarray(self.pixels[i].transpose(1, 2, 0)), int(self.targets[i])


def test_pil_image_items_are_read_channels_first(folder):
    pixels = np.asarray(folder.pixels())
    dataset = CoresetSelector(_cnn(), method="least_confidence", fraction=0.3, random_state=0)
    dataset.fit(PILItems(pixels, folder.targets))
    array = CoresetSelector(_cnn(), method="least_confidence", fraction=0.3, random_state=0)
    array.fit(pixels, folder.targets)
    np.testing.assert_array_equal(dataset.sample_indices_, array.sample_indices_)
    assert dataset.proxy_.module_dims_["in_channels"] == 3


def test_a_dataset_is_recognised_by_content_not_identity():
    X = torch.rand(30, 4)
    y = torch.arange(30) % 2
    selector = CoresetSelector(method="least_confidence", fraction=0.3, random_state=0)
    selector.fit(TensorDataset(X, y))
    same = selector.transform(TensorDataset(X.clone(), y.clone()))  # equal content
    assert same.indices == selector.sample_indices_.tolist()
    other = TensorDataset(torch.rand(30, 4), y)
    assert len(selector.transform(other)) == 9  # scored as a new pool, not the fitted rows


def test_the_loop_runs_on_a_torch_dataset():
    X = torch.rand(80, 4)
    y = (X[:, 0] > 0.5).long()
    loop = ActiveLearningLoop(
        ProxySelector(method="margin", random_state=0),
        initial_size=10,
        round_sizes=[10],
        random_state=0,
    )
    loop.run(TensorDataset(X, y), y.numpy())
    assert len(loop.labeled_indices_) == 20


def test_new_folder_with_the_image_default_says_what_to_do(folder, tmp_path):
    selector = CoresetSelector(fraction=0.5, random_state=0).fit(folder)
    new = ImageFolder.from_paths(folder.paths[:6], cache_dir=tmp_path)
    with pytest.raises(ValueError, match="method='auto' chose 'random' in fit.*no proxy"):
        selector.transform(new)
    uniform = CoresetSelector(fraction=0.5, random_state=0, class_balance=False).fit(folder)
    assert len(uniform.transform(new)) == 3
