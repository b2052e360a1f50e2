"""SuSy architecture (HPAI-BSC, Bernabeu-Perez et al. 2024), re-implemented for SynthScope.

Sources this file follows (read 2024 snapshot, commit 2e1f63d1 of github.com/HPAI-BSC/SuSy):
  * src/models/components/staircase_feature_extractor.py  (FeatureExtractorStaircase)
  * src/models/components/mlp.py                           (MLP)
  * src/script_model.py                                    (SuSy wrapper that produced SuSy.pt:
                                                            feature_extractor -> mlp -> Softmax(dim=1),
                                                            then torch.jit.script(...).save('SuSy.pt'))
  * configs/experiment/staircase_fe.yaml                   (mlp in_features 512, intermediate 256,
                                                            6 methods, patch_size 224, top_k_patches 5,
                                                            patch_selection_criterion "contrast")
  * Hugging Face model card HPAI-BSC/SuSy                  (12.7M parameters: 12.5M feature extractor +
                                                            197K MLP; class order; inference recipe)

This is a structural copy of the published definition, not an approximation:
  * torchvision's resnet18 is rebuilt here by hand (torchvision is not a dependency of SynthScope's
    Python tooling) with torchvision's module names, so the state_dict keys are the same as the
    original's (feature_extractor.resnet_model.layer1.0.conv1.weight, feature_extractor.f11.0.weight,
    mlp.fc1.weight, ...). As in the original, the ResNet's own avgpool/fc (512 -> 1000) are built but
    never used in forward; fc's 513,000 parameters are part of the published 12.5M / 12.7M counts.
  * The original feature extractor pools each sample separately
    (`[gap(f).squeeze() for f in features]`, stack, transpose). That is the same arithmetic as pooling
    the batch at once, which is what forward() does here (adaptive_avg_pool2d to 1x1 + flatten).
  * Known mismatch between the model card and the code: the card says the staircase outputs are
    "concatenated"; the code *sums* f1 + f2 + f3 + f4 + stage4 (all 512 x 7 x 7 at 224 input), which is
    what makes the MLP input 512 wide. This file follows the code.
  * Dropout(0.5) sits between the MLP layers (no-op in eval mode).

Input : float32 NCHW RGB in [0, 1] (no mean/std normalisation: the recipe divides uint8 by 255 only),
        224 x 224 patches (other sizes run but are not what the model was trained on).
Output: softmax probabilities [N, 6], classes in this order (model card / recipe `classes` list):
        authentic, dalle-3-images, diffusiondb, midjourney-images, midjourney_tti, realisticSDXL
        (training config calls them original, dalle-3-images, diffusiondb, midjourney-images-new,
        midjourney_tti, realisticSDXL; same order). SuSy.pt outputs softmax, not logits.

Run `python3 susy_arch.py` to print the parameter count (12,658,974).
"""

from typing import List

import torch
import torch.nn.functional as F
from torch import nn

CLASSES: List[str] = [
    "authentic",
    "dalle-3-images",
    "diffusiondb",
    "midjourney-images",
    "midjourney_tti",
    "realisticSDXL",
]


# --------------------------------------------------------------------------------------------------
# ResNet-18 (torchvision.models.resnet18 layout and names)
# --------------------------------------------------------------------------------------------------
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if downsample:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )
        else:
            self.downsample = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + identity
        return self.relu(out)


class ResNet18(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 64))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, 2, True), BasicBlock(128, 128))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, 2, True), BasicBlock(256, 256))
        self.layer4 = nn.Sequential(BasicBlock(256, 512, 2, True), BasicBlock(512, 512))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)  # unused by SuSy, kept for parameter/state_dict parity
        # torchvision's init
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# --------------------------------------------------------------------------------------------------
# Staircase feature extractor
# --------------------------------------------------------------------------------------------------
def _bottleneck(in_channels: int, bias: bool = True) -> nn.Sequential:
    # 1x1 to C/4, 3x3 stride 2 to C/2 (halves resolution), 1x1 to 2C
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels // 4, kernel_size=1, stride=1, padding=0, bias=bias),
        nn.Conv2d(in_channels // 4, in_channels // 2, kernel_size=3, stride=2, padding=1, bias=bias),
        nn.Conv2d(in_channels // 2, in_channels * 2, kernel_size=1, stride=1, padding=0, bias=bias),
    )


def _bottleneck_same_size(in_channels: int, bias: bool = True) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels // 4, kernel_size=1, stride=1, padding=0, bias=bias),
        nn.Conv2d(in_channels // 4, in_channels // 2, kernel_size=3, stride=1, padding=1, bias=bias),
        nn.Conv2d(in_channels // 2, in_channels, kernel_size=1, stride=1, padding=0, bias=bias),
    )


class FeatureExtractorStaircase(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.resnet_model = ResNet18()
        r = self.resnet_model
        # The original keeps both `resnet_model` and `stages` (shared modules), so the state_dict has
        # both key families; reproduced here for parity.
        self.stages = nn.ModuleList([
            nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool),
            r.layer1,
            r.layer2,
            r.layer3,
            r.layer4,
        ])
        self.f11 = _bottleneck_same_size(64)
        self.f12 = _bottleneck(64)
        self.f22 = _bottleneck(64)
        self.f13 = _bottleneck(128)
        self.f23 = _bottleneck(128)
        self.f33 = _bottleneck(128)
        self.f14 = _bottleneck(256)
        self.f24 = _bottleneck(256)
        self.f34 = _bottleneck(256)
        self.f44 = _bottleneck(256)
        self.bottlenecks = nn.ModuleList([
            self.f11,
            self.f12, self.f22,
            self.f13, self.f23, self.f33,
            self.f14, self.f24, self.f34, self.f44,
        ])
        self.gap = nn.AdaptiveAvgPool2d((1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features: List[torch.Tensor] = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        # features: [0] 64@56, [1] 64@56, [2] 128@28, [3] 256@14, [4] 512@7  (224 input)
        f1 = self.f11(features[0]) + features[1]
        f1 = self.f12(f1) + features[2]
        f1 = self.f13(f1) + features[3]
        f1 = self.f14(f1)

        f2 = self.f22(features[1]) + features[2]
        f2 = self.f23(f2) + features[3]
        f2 = self.f24(f2)

        f3 = self.f33(features[2]) + features[3]
        f3 = self.f34(f3)

        f4 = self.f44(features[3])

        fused = f1 + f2 + f3 + f4 + features[4]
        return torch.flatten(self.gap(fused), 1)  # [N, 512]


class MLP(nn.Module):
    def __init__(self, in_features: int = 512, intermediate_features: int = 256, num_classes: int = 6) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, intermediate_features)
        self.fc2 = nn.Linear(intermediate_features, intermediate_features)
        self.fc3 = nn.Linear(intermediate_features, num_classes)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.fc1(x))
        x = self.dropout(x)
        x = torch.relu(self.fc2(x))
        x = self.dropout(x)
        return self.fc3(x)


class SuSy(nn.Module):
    """feature_extractor -> mlp -> softmax(dim=1), as in src/script_model.py."""

    def __init__(self, num_classes: int = 6) -> None:
        super().__init__()
        self.feature_extractor = FeatureExtractorStaircase()
        self.mlp = MLP(512, 256, num_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.softmax(self.mlp(self.feature_extractor(x)))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())  # parameters() de-duplicates shared modules


if __name__ == "__main__":
    torch.set_num_threads(1)
    m = SuSy()
    fe = count_parameters(m.feature_extractor)
    mlp = count_parameters(m.mlp)
    fc = count_parameters(m.feature_extractor.resnet_model.fc)
    print(f"SuSy parameters: {count_parameters(m):,} "
          f"(feature extractor {fe:,} incl. unused resnet fc {fc:,}; MLP {mlp:,})")
    m.eval()
    with torch.no_grad():
        p = m(torch.rand(2, 3, 224, 224))
    print("output", tuple(p.shape), "row sums", p.sum(1).tolist())
