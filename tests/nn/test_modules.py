"""Modules: MLP, SmallCNN and ResNet return logits and embeddings."""

import pytest
import torch

from svpkit.nn import (
    MLP,
    ResNet,
    SmallCNN,
)


def test_mlp_and_cnn_return_logits_and_embeddings():
    logits, emb = MLP(n_features=12, n_classes=4, hidden_units=(16, 8))(torch.zeros(3, 12))
    assert logits.shape == (3, 4) and emb.shape == (3, 8)
    cnn = SmallCNN(in_channels=3, n_classes=5, width=8)
    logits, emb = cnn(torch.zeros(2, 3, 12, 12))
    assert logits.shape == (2, 5) and emb.shape == (2, 16)
    flat = SmallCNN(in_channels=1, n_classes=2, width=4, image_shape=(1, 8, 8))
    assert flat(torch.zeros(2, 64))[0].shape == (2, 2)


@pytest.mark.parametrize(
    ("depth", "block", "n_blocks"), [(20, "basic", 3), (56, "basic", 9), (164, "bottleneck", 18)]
)
def test_resnet_depths(depth, block, n_blocks):
    net = ResNet(depth=depth, in_channels=3, n_classes=10, width=4)
    assert len(net.stages) == 3 * n_blocks
    kind = "Bottleneck" if block == "bottleneck" else "BasicBlock"
    assert type(net.stages[0]).__name__.endswith(kind)
    # Weighted layers on the main path (shortcut projections excluded) + the head == depth.
    main_convs = sum(
        isinstance(m, torch.nn.Conv2d) for name, m in net.named_modules() if "shortcut" not in name
    )
    assert main_convs + 1 == depth
    logits, emb = net(torch.zeros(2, 3, 8, 8))
    assert logits.shape == (2, 10) and emb.shape[1] == net.head.in_features


def test_resnet_rejects_invalid_depth():
    with pytest.raises(ValueError, match="depth=21"):
        ResNet(depth=21)
    with pytest.raises(ValueError, match="block"):
        ResNet(depth=20, block="wide")
