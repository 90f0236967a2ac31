#!/usr/bin/env python3
"""PyTorch (eager, CPU) twins of Loupe's benchmark workloads (`loupe bench workloads`).

Same models, shapes and batches as Sources/LoupeCLI/WorkloadBench.swift. Run by
bench/run.py, interleaved with Loupe in one run; never needed by tests or CI.

    python bench/pytorch_bench.py --only W1_b8 --json
    python bench/pytorch_bench.py --check-logits   # same .pth: do the logits agree with Loupe's?
"""
import argparse
import gzip
import json
import math
import os
import statistics
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

NAMES = ["W0_sgemm", "W1_b1", "W1_b8", "W2_b1", "W2_b8", "W3_128", "W3_224", "W4_train", "W4_pgd", "W5_deconv",
         "W6_scorecam", "W6_lime", "W6_kernelshap", "W6_deletion", "W7_autoattack", "W8_tsne_sklearn", "W8_tsne_opentsne"]
LOUPE_HOME = os.environ.get("LOUPE_HOME", os.path.expanduser("~/.cache/loupe"))
WEIGHTS = os.path.join(LOUPE_HOME, "weights", "efficientnet-lite0.pth")
FASHION = "/usr/share/datasets/fashion-mnist"


# ---------------------------------------------------------------- EfficientNet-Lite0


def same_padding(size, kernel, stride):
    """TensorFlow "SAME": total = max((ceil(i/s) - 1)*s + k - i, 0), the extra pixel after."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv(nn.Conv2d):
    def forward(self, x):
        k, s = self.kernel_size[0], self.stride[0]
        top, bottom = same_padding(x.shape[2], k, s)
        left, right = same_padding(x.shape[3], k, s)
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class MBConv(nn.Module):
    def __init__(self, cin, cout, kernel, stride, expand):
        super().__init__()
        hidden = cin * expand
        if expand != 1:
            self._expand_conv = SameConv(cin, hidden, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(hidden, eps=1e-3)
        else:
            self._expand_conv = None
        self._depthwise_conv = SameConv(hidden, hidden, kernel, stride=stride, groups=hidden, bias=False)
        self._bn1 = nn.BatchNorm2d(hidden, eps=1e-3)
        self._project_conv = SameConv(hidden, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, eps=1e-3)
        self.skip = stride == 1 and cin == cout

    def forward(self, x):
        y = x
        if self._expand_conv is not None:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skip else y


STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


class EfficientNetLite0(nn.Module):
    """Same layers and state-dict keys as Loupe's EfficientNetLite (lukemelas-style)."""

    def __init__(self, classes=1000):
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
        blocks = []
        for repeats, k, s, e, cin, cout in STAGES:
            for r in range(repeats):
                blocks.append(MBConv(cin if r == 0 else cout, cout, k, s if r == 0 else 1, e))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv(320, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)
        self._fc = nn.Linear(1280, classes)
        self.register_buffer("mean", torch.full((1, 3, 1, 1), 127 / 255), persistent=False)
        self.register_buffer("inv_std", torch.full((1, 3, 1, 1), 255 / 128), persistent=False)

    def forward(self, pixels, stop_after_block=None):
        """Pixels in [0, 1]; normalization inside, as Loupe's Model does."""
        y = F.relu6(self._bn0(self._conv_stem((pixels - self.mean) * self.inv_std)))
        for i, block in enumerate(self._blocks):
            y = block(y)
            if i == stop_after_block:
                return y
        y = F.relu6(self._bn1(self._conv_head(y)))
        return self._fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def efficientnet():
    model = EfficientNetLite0()
    note = "random weights"
    if os.path.exists(WEIGHTS):
        state = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
        note = "pretrained weights"
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, note


# ---------------------------------------------------------------- other models


def fashion_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def read_safetensors(path):
    """{name: tensor} from a .safetensors file (8-byte header length, JSON header, raw data)."""
    with open(path, "rb") as f:
        data = f.read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    dtypes = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[8 + size + begin:8 + size + end])
        tensors[name] = torch.frombuffer(raw, dtype=dtypes[entry["dtype"]]).reshape(entry["shape"]).float()
    return tensors


def trained_fashion_cnn(path):
    """fashion-cnn with the checkpoint Loupe trained (same Sequential indices), or seeded
    fresh weights when there is none; frozen, in eval mode."""
    torch.manual_seed(0)
    model = fashion_cnn()
    note = "random weights"
    if path:
        model.load_state_dict(read_safetensors(path))
        note = os.path.basename(path)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, note


class DeconvReLU(torch.autograd.Function):
    """Zeiler & Fergus: the backward signal is rectified, the forward sign ignored."""

    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        return g.clamp(min=0)


class DeconvReLUModule(nn.Module):
    def forward(self, x):
        return DeconvReLU.apply(x)


def vgg16_features_to_conv5_3():
    """torchvision's VGG-16 features[0..28] (conv5_3 is index 28), DeconvNet ReLUs."""
    plan = [64, 64, None, 128, 128, None, 256, 256, 256, None, 512, 512, 512, None, 512, 512, 512]
    layers, c = [], 3
    for width in plan:
        if width is None:
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, width, 3, padding=1), DeconvReLUModule()]
            c = width
    model = nn.Sequential(*layers[:29])  # up to and including features.28 (conv5_3)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    _, _, dtype, ndim = struct.unpack(">BBBB", data[:4])
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def fashion_mnist(split, count):
    prefix = "t10k" if split == "test" else "train"
    images = read_idx(os.path.join(FASHION, prefix + "-images-idx3-ubyte.gz"))[:count]
    labels = read_idx(os.path.join(FASHION, prefix + "-labels-idx1-ubyte.gz"))[:count]
    return images, labels.long()


def batch_of(images, labels, indices):
    """[B, 1, 28, 28] floats in [0, 1] from bytes, as Loupe's LabeledImages.batch."""
    return images[indices].unsqueeze(1).float() / 255, labels[indices]


# ---------------------------------------------------------------- workloads


def random_images(batch, size):
    g = torch.Generator().manual_seed(3)
    return torch.rand(batch, 3, size, size, generator=g)


def build(name, images_count, fashion_model=None, attribution_inputs=None):
    """Returns (warm_up, run, note, images)."""
    if name == "W0_sgemm":
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)

        def body():
            torch.mm(a, b)
        return body, body, None, None

    if name in ("W1_b1", "W1_b8"):
        model, note = efficientnet()
        batch = 1 if name == "W1_b1" else 8
        x = random_images(batch, 224)
        labels = torch.tensor([(i * 131 + 7) % 1000 for i in range(batch)])

        def body():
            xi = x.clone().requires_grad_(True)
            loss = F.cross_entropy(model(xi), labels, reduction="sum")
            loss.backward()
        return body, body, note, None

    if name in ("W2_b1", "W2_b8"):
        model, note = efficientnet()
        x = random_images(1 if name == "W2_b1" else 8, 224)

        def body():
            with torch.inference_mode():
                model(x)
        return body, body, note, None

    if name in ("W3_128", "W3_224"):
        return visualization_step(128 if name == "W3_128" else 224)

    if name == "W4_train":
        images, labels = fashion_mnist("train", images_count)

        def train(n):
            torch.manual_seed(0)
            model = fashion_cnn()
            model.train()
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            order = torch.randperm(n)
            for start in range(0, n, 128):
                x, y = batch_of(images, labels, order[start:start + 128])
                opt.zero_grad()
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                loss.backward()
                opt.step()
                logits.argmax(1)
        return (lambda: train(min(256, len(labels)))), (lambda: train(len(labels))), None, len(labels)

    if name == "W4_pgd":
        images, labels = fashion_mnist("test", images_count)
        torch.manual_seed(0)
        model = fashion_cnn()
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        eps, alpha, steps = 0.1, 0.01, 20

        def attack(n):
            for start in range(0, n, 128):
                x, y = batch_of(images, labels, torch.arange(start, min(start + 128, n)))
                # torchattacks' PGD: uniform random start, sign steps, projection.
                adv = (x + torch.empty_like(x).uniform_(-eps, eps)).clamp(0, 1)
                for _ in range(steps):
                    adv.requires_grad_(True)
                    loss = F.cross_entropy(model(adv), y, reduction="sum")
                    grad, = torch.autograd.grad(loss, adv)
                    adv = adv.detach() + alpha * grad.sign()
                    adv = (x + (adv - x).clamp(-eps, eps)).clamp(0, 1)
                with torch.no_grad():  # the verdict on the final iterate
                    model(adv).argmax(1)
        return (lambda: attack(min(128, len(labels)))), (lambda: attack(len(labels))), "random weights", len(labels)

    if name == "W5_deconv":
        model = vgg16_features_to_conv5_3()
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        x = random_images(1, 224)
        channel = 7

        def body():
            xi = x.clone().requires_grad_(True)
            a = model((xi - mean) / std)
            seed = torch.zeros_like(a)
            seed[:, channel] = a.detach()[:, channel]
            a.backward(seed)
        return body, body, "random weights", None

    if name.startswith("W6_"):
        return attribution(name, attribution_inputs)

    if name == "W7_autoattack":
        return autoattack(fashion_model)

    if name in ("W8_tsne_sklearn", "W8_tsne_opentsne"):
        return tsne(fashion_model, name.endswith("opentsne"))

    raise SystemExit(f"unknown workload {name}; workloads: {', '.join(NAMES)}")


def autoattack(fashion_model, count=1000, batch=250):
    """torchattacks' members with AutoAttack's standard settings, as Loupe's `autoattack`
    runs them: APGD-CE 100 steps, APGD-T 100 steps at 9 targets, FAB-T 100 steps at 9
    targets, Square 5,000 queries, cascaded by MultiAttack. (torchattacks' own AutoAttack
    class leaves APGD, APGD-T and FAB at their 10-step defaults.)"""
    import torchattacks
    model, note = trained_fashion_cnn(fashion_model)
    images, labels = fashion_mnist("test", count)
    eps = 0.1
    members = [
        torchattacks.APGD(model, norm="Linf", eps=eps, steps=100, n_restarts=1, seed=0, loss="ce"),
        torchattacks.APGDT(model, norm="Linf", eps=eps, steps=100, n_restarts=1, seed=0, n_classes=10),
        torchattacks.FAB(model, norm="Linf", eps=eps, steps=100, n_restarts=1, seed=0, multi_targeted=True, n_classes=10),
        torchattacks.Square(model, norm="Linf", eps=eps, n_queries=5000, n_restarts=1, seed=0),
    ]
    attack = torchattacks.MultiAttack(members)

    def run(n):
        for start in range(0, n, batch):
            x, y = batch_of(images, labels, torch.arange(start, min(start + batch, n)))
            attack(x, y)
    return (lambda: run(16)), (lambda: run(len(labels))), note + "; torchattacks " + torchattacks.__version__, len(labels)


def tsne(fashion_model, open_tsne, count=10_000):
    """Barnes–Hut t-SNE of fashion-cnn's 128 penultimate activations (after the hidden
    ReLU) of `count` test images: perplexity 30, 1,000 iterations (250 exaggerated by 12),
    θ 0.5, random N(0, 10⁻⁴) start, 2 threads. scikit-learn's TSNE, or openTSNE with its
    Barnes–Hut gradient (its default FFT interpolation is a different algorithm)."""
    model, note = trained_fashion_cnn(fashion_model)
    images, labels = fashion_mnist("test", count)
    with torch.inference_mode():
        x, _ = batch_of(images, labels, torch.arange(len(labels)))
        features = model[:9](x).double().numpy()
    if open_tsne:
        import openTSNE
        method = "openTSNE " + openTSNE.__version__

        def run(points):
            openTSNE.TSNE(perplexity=30, n_iter=750, early_exaggeration_iter=250, early_exaggeration=12,
                          theta=0.5, negative_gradient_method="bh", initialization="random", n_jobs=2,
                          random_state=0).fit(points)
    else:
        import sklearn
        from sklearn.manifold import TSNE
        method = "scikit-learn " + sklearn.__version__

        def run(points):
            TSNE(perplexity=30, max_iter=1000, early_exaggeration=12, angle=0.5, method="barnes_hut",
                 init="random", learning_rate="auto", n_jobs=2, random_state=0).fit_transform(points)
    return (lambda: run(features[:200])), (lambda: run(features)), note + "; " + method, len(features)


def attribution_inputs(folder):
    """What `loupe bench workloads --export-attribution-inputs FOLDER` wrote: the photo as
    Loupe preprocessed it, the top-1 target, Loupe's SLIC labels, the saliency map and the
    deletion substrate, so both sides explain the very same pixels."""
    if not folder or not os.path.exists(os.path.join(folder, "inputs.json")):
        raise SystemExit(f"W6 needs --attribution-inputs FOLDER written by `loupe bench workloads --export-attribution-inputs`")
    with open(os.path.join(folder, "inputs.json")) as f:
        meta = json.load(f)
    c, h, w = meta["channels"], meta["height"], meta["width"]

    def raw(file, dtype, shape):
        with open(os.path.join(folder, file), "rb") as f:
            return torch.frombuffer(bytearray(f.read()), dtype=dtype).reshape(shape).clone()
    return (meta, raw("image.f32", torch.float32, (1, c, h, w)), raw("segments.i32", torch.int32, (h, w)).long(),
            raw("saliency.f32", torch.float32, (h, w)), raw("substrate.f32", torch.float32, (1, c, h, w)))


def segment_means(image, segments, count):
    """Each superpixel filled with its own mean colour: Loupe's default segment fill (the
    lime package's hide_color=None)."""
    c = image.shape[1]
    flat, labels = image[0].reshape(c, -1), segments.reshape(-1)
    sums = torch.zeros(c, count).index_add_(1, labels, flat)
    sizes = torch.bincount(labels, minlength=count).float()
    return (sums / sizes)[:, labels].reshape(image.shape)


def attribution(name, folder):
    """W6: pytorch-grad-cam's ScoreCAM at the last MBConv block, Captum's Lime (ridge α 1,
    cosine kernel of width 0.25, as Loupe's LIME) and KernelShap with 1,000 samples over
    Loupe's superpixels and mean fill, and deletion + insertion curves batched by hand;
    every forward at Loupe's batch size."""
    meta, image, segments, saliency, substrate = attribution_inputs(folder)
    model, note = efficientnet()
    target, batch = meta["target"], meta["batch_size"]
    with torch.inference_mode():
        top = model(image).argmax(1).item()
    if top != target:
        raise SystemExit(f"PyTorch's top-1 class {top} is not Loupe's {target}: the weights differ")
    warm = lambda: model(image)
    if name == "W6_scorecam":
        os.environ.setdefault("TQDM_DISABLE", "1")
        import pytorch_grad_cam
        from pytorch_grad_cam import ScoreCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
        layer = int(meta["scorecam_layer"].split(".")[1])
        cam = ScoreCAM(model=model, target_layers=[model._blocks[layer]])
        cam.batch_size = batch

        def run():
            cam(input_tensor=image, targets=[ClassifierOutputTarget(target)])
        version = getattr(pytorch_grad_cam, "__version__", "")
        return warm, run, f"{note}; pytorch-grad-cam {version} at _blocks.{layer}, batch {batch}".strip(), 1
    if name in ("W6_lime", "W6_kernelshap"):
        import captum
        from captum.attr import KernelShap, Lime
        mask = segments.view(1, 1, *segments.shape)
        fill = segment_means(image, segments, meta["segments"])
        if name == "W6_lime":
            from captum._utils.models.linear_model import SkLearnRidge
            from captum.attr._core.lime import get_exp_kernel_similarity_function
            explainer = Lime(model, interpretable_model=SkLearnRidge(alpha=1.0),
                             similarity_func=get_exp_kernel_similarity_function("cosine", kernel_width=0.25))
        else:
            explainer = KernelShap(model)

        def run():
            torch.manual_seed(0)
            explainer.attribute(image, baselines=fill, target=target, feature_mask=mask, n_samples=meta["samples"],
                                perturbations_per_eval=batch)
        return warm, run, f"{note}; captum {captum.__version__}, {meta['segments']} superpixels, batch {batch}", 1
    if name == "W6_deletion":
        steps, plane = meta["steps"], saliency.numel()
        order = torch.argsort(-saliency.reshape(-1), stable=True)  # ties in row-major order, as Loupe
        counts = [j * plane // steps for j in range(steps + 1)]
        flat_image, flat_fill = image.reshape(1, -1, plane), substrate.reshape(1, -1, plane)

        def copy(s):
            """Sample s: deletion for s ≤ steps (the first ranks filled), else insertion."""
            x = flat_image.clone()
            if s <= steps:
                idx = order[:counts[s]]
            else:
                idx = order[counts[s - steps - 1]:]
            x[..., idx] = flat_fill[..., idx]
            return x

        def run():
            scores = []
            total = 2 * (steps + 1)
            with torch.inference_mode():
                for start in range(0, total, batch):
                    x = torch.cat([copy(s) for s in range(start, min(start + batch, total))]).view(-1, *image.shape[1:])
                    scores.append(model(x)[:, target])
            scores = torch.cat(scores).double()
            fractions = torch.tensor(counts, dtype=torch.float64) / plane
            return torch.trapezoid(scores[:steps + 1], fractions), torch.trapezoid(scores[steps + 1:], fractions)
        return warm, run, f"{note}; saliency map, {steps} steps, substrate {meta['substrate']}, batch {batch}", 1
    raise SystemExit(f"unknown workload {name}")


COLOR = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOR = COLOR / COLOR.norm(dim=0).max()


def visualization_step(size):
    """One Lucid step: Fourier image (1/f scale, decorrelated color, sigmoid), pad 12,
    jitter 8, scale 1.04, rotate 5°, jitter 4, forward to blocks.8, channel mean,
    backward, Adam. The same fixed scale and angle as Loupe's side."""
    model, note = efficientnet()
    h = w = size
    fy = torch.fft.fftfreq(h).view(h, 1)
    fx = torch.fft.rfftfreq(w).view(1, w // 2 + 1)
    freq = torch.sqrt(fx * fx + fy * fy).clamp(min=1 / max(h, w))
    scale = (1 / freq * math.sqrt(h * w)).view(1, 1, h, w // 2 + 1, 1)
    g = torch.Generator().manual_seed(0)
    spectrum = (torch.randn(1, 3, h, w // 2 + 1, 2, generator=g) * 0.01).requires_grad_(True)
    opt = torch.optim.Adam([spectrum], lr=0.05)
    angle = math.radians(5)
    theta = torch.tensor([[[math.cos(angle), -math.sin(angle), 0.0], [math.sin(angle), math.cos(angle), 0.0]]])

    def body():
        opt.zero_grad()
        s = torch.view_as_complex((spectrum * scale).contiguous())
        t = torch.fft.irfft2(s, s=(h, w)) / 4
        t = torch.einsum("nchw,dc->ndhw", t, COLOR)
        img = torch.sigmoid(t)
        x = F.pad(img, (12, 12, 12, 12), value=0.5)
        x = x[:, :, 3:3 + x.shape[2] - 7, 5:5 + x.shape[3] - 7]
        n = round(x.shape[2] * 1.04)
        x = F.interpolate(x, size=(n, n), mode="bilinear", align_corners=False)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x - 0.5, grid, align_corners=False) + 0.5
        x = x[:, :, 1:1 + x.shape[2] - 3, 2:2 + x.shape[3] - 3]
        a = model(x, stop_after_block=8)
        loss = -a[0, 0].mean()
        loss.backward()
        opt.step()
    return body, body, note, None


# ---------------------------------------------------------------- driver


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run(names, repetitions, budget, images_count, verbose, fashion_model=None, attribution_folder=None):
    results = []
    for name in names:
        reset_peak_rss()
        warm_up, body, note, images = build(name, images_count, fashion_model, attribution_folder)
        warm_up()
        times, spent = [], 0.0
        while len(times) < max(repetitions, 1) and (not times or spent < budget):
            start = time.perf_counter()
            body()
            seconds = time.perf_counter() - start
            times.append(seconds * 1000)
            spent += seconds
            if verbose:
                print(f"{name}: {seconds * 1000:.1f} ms", file=sys.stderr)
        results.append({"name": name, "pytorch_ms": min(times), "median_ms": statistics.median(times),
                        "times_ms": times, "peak_rss_mb": round(peak_rss_mb(), 1), "images": images, "note": note})
    return results


def check_logits():
    """Logits of the same .pth on a fixed input, for comparison with `loupe`'s."""
    model, note = efficientnet()
    x = torch.linspace(0, 1, 3 * 224 * 224).view(1, 3, 224, 224)
    with torch.inference_mode():
        logits = model(x)[0]
    print(json.dumps({"note": note, "first": logits[:5].tolist(), "top5": logits.topk(5).indices.tolist()}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated workloads (default: all)")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds of timed runs per workload")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images", type=int, default=10_000, help="images for W4_pgd and W4_train")
    parser.add_argument("--fashion-model", help="fashion-cnn .safetensors for W7 and W8 (default: fresh weights)")
    parser.add_argument("--attribution-inputs", help="folder `loupe bench workloads --export-attribution-inputs` wrote (W6)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--check-logits", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    if args.check_logits:
        check_logits()
        return
    names = args.only.split(",") if args.only else NAMES
    for n in names:
        if n not in NAMES:
            parser.error(f"unknown workload {n}; workloads: {', '.join(NAMES)}")
    results = run(names, args.repetitions, args.budget, args.images, args.verbose, args.fashion_model,
                  args.attribution_inputs)
    if args.json:
        print(json.dumps({"threads": args.threads, "torch": torch.__version__, "workloads": results}))
    else:
        for r in results:
            print(f"{r['name']:<12}{r['pytorch_ms']:>11.1f}{r['median_ms']:>11.1f}{r['peak_rss_mb']:>9.0f}")


if __name__ == "__main__":
    main()
