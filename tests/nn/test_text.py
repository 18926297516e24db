"""The fastText-style text proxy: n-gram hashing against a brute-force reference, the bag's
mean, training, determinism, pickling."""

import pickle
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.utils import murmurhash3_32

from svpkit.nn import TextBag, TextProxyNet, hash_ngrams, make_text_proxy, predict_proba_and_embed

WORDS = st.sampled_from(["good", "bad", "film", "The", "plot", "a", "b", "wow", "meh"])
TEXTS = st.lists(st.lists(WORDS, max_size=12).map(" ".join), min_size=1, max_size=8)


def _reference_ids(text, n_buckets, ngram_range):
    """Bucket ids of a text's word n-grams, one per occurrence, sorted (a bag has no order):
    tokens by regex, n-grams joined by a space, murmurhash as scikit-learn's hashing uses."""
    words = re.findall(r"\w+", text.lower())
    grams = [
        " ".join(words[i : i + k])
        for k in range(ngram_range[0], ngram_range[1] + 1)
        for i in range(len(words) - k + 1)
    ]
    return sorted(abs(murmurhash3_32(g, seed=0)) % n_buckets + 1 for g in grams)


@settings(max_examples=60, deadline=None)
@given(texts=TEXTS, n_buckets=st.sampled_from([7, 64, 2**18]), top=st.integers(1, 3))
def test_hash_ngrams_matches_brute_force(texts, n_buckets, top):
    ids = hash_ngrams(texts, n_buckets=n_buckets, ngram_range=(1, top), max_tokens=10_000)
    assert ids.dtype == np.int64 and ids.shape[0] == len(texts)
    for row, text in zip(ids, texts, strict=True):
        assert sorted(row[row > 0].tolist()) == _reference_ids(text, n_buckets, (1, top))
    assert ids.min() >= 0 and ids.max() <= n_buckets


def test_hash_ngrams_truncates_and_pads():
    ids = hash_ngrams(["w " * 50 + "x", "", "a b"], max_tokens=8)
    assert ids.shape == (3, 8)
    assert (ids[0] > 0).all() and (ids[1] == 0).all() and (ids[2] > 0).sum() == 3
    with pytest.raises(ValueError, match="not one string"):
        hash_ngrams("one string")


def test_text_bag_is_the_mean_of_non_padding_embeddings():
    torch.manual_seed(0)
    bag = TextBag(n_buckets=10, n_classes=2, embedding_dim=4)
    _, emb = bag(torch.tensor([[3, 5, 0, 0], [3, 0, 0, 0]]))
    table = bag.bag.weight.detach()
    assert torch.allclose(emb[0], (table[3] + table[5]) / 2)
    assert torch.allclose(emb[1], table[3])


def _sentiment(n, seed=0):
    rng = np.random.default_rng(seed)
    good, bad = ["great", "superb", "lovely"], ["awful", "dull", "boring"]
    filler = ["the", "film", "was", "plot", "actors", "and"]
    y = rng.integers(0, 2, n)
    texts = [" ".join(rng.choice(filler, 6).tolist() + [rng.choice(good if c else bad)]) for c in y]
    return texts, y


def test_text_proxy_learns_and_embeds():
    texts, y = _sentiment(400)
    net = make_text_proxy(random_state=0).fit(texts[:300], y[:300])
    assert (net.predict(texts[300:]) == y[300:]).mean() > 0.95
    proba, emb = predict_proba_and_embed(net, texts[300:])
    assert proba.shape == (100, 2) and emb.shape == (100, 64)
    np.testing.assert_allclose(proba, net.predict_proba(texts[300:]), rtol=1e-5, atol=1e-6)


def test_text_proxy_is_deterministic_picklable_and_clonable():
    texts, y = _sentiment(200)
    a = make_text_proxy(max_epochs=2, random_state=3).fit(texts, y)
    b = make_text_proxy(max_epochs=2, random_state=3).fit(texts, y)
    np.testing.assert_array_equal(a.predict_proba(texts), b.predict_proba(texts))
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(loaded.predict_proba(texts), a.predict_proba(texts))
    twin = clone(a)
    assert isinstance(twin, TextProxyNet) and twin.n_buckets == a.n_buckets
    assert twin.get_params()["lr"] == 0.1


def test_text_proxy_hashing_parameters_are_grid_searchable():
    net = make_text_proxy(n_buckets=1024, ngram_range=(1, 1))
    assert net.get_params()["n_buckets"] == 1024
    net.set_params(n_buckets=256)
    texts, y = _sentiment(50)
    net.set_params(max_epochs=1).fit(texts, y)
    assert net.module_.bag.weight.shape[0] == 257


def test_text_proxy_accepts_a_pandas_series_and_string_labels():
    pd = pytest.importorskip("pandas")
    texts, y = _sentiment(100)
    labels = np.where(y == 1, "pos", "neg")
    net = make_text_proxy(max_epochs=2, random_state=0).fit(pd.Series(texts), labels)
    assert set(net.predict(pd.Series(texts[:10]))) <= {"pos", "neg"}
