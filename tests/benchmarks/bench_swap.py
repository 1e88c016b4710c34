"""Swap-model benchmarks: training it/s (256 px preset, batch 16 per step) and ONNX Runtime ms per face
(256 and 512 px presets, untrained weights: speed does not depend on them).

    python tests/benchmarks/bench_swap.py [--steps 3] [--faces 4] [--json]

Training figures use random tensors in place of augmented face-sets (the data loader runs in workers
beside the optimiser; its cost is reported separately by the trainer's progress bar). On CUDA the
training step runs under autocast (bf16 where supported) as the trainer does. References, same run:
the training step against the bare network's forward + backward (an MSE loss, no optimiser: the
ratio shows what the losses and AdamW add); ONNX Runtime against the same network in eager torch on
the same device class (CPU), and on CUDA torch bf16 against ONNX Runtime. rows() follows the protocol
in benchtable.py; quick: batch 4, 2 steps, one preset (tiny on the CPU, 256 on CUDA).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import torch
from benchtable import emit, row


def train_its(name: str, batch: int, steps: int, device: str) -> tuple[float, float]:
    """(it/s of the full training step, it/s of the bare network forward + backward), interleaved."""
    from faceplate.models.swap import SwapModel, preset
    from faceplate.models.trainer.swap_task import SwapOptions, SwapTrainModule

    p = preset(name)
    module = SwapTrainModule(SwapModel(p, ["A", "B"]), SwapOptions(batch_size=batch // 2)).to(device)
    opt = torch.optim.AdamW(module.parameters(), lr=1e-4)
    r = p.resolution
    data = {
        "input": torch.rand(batch, 3, r, r),
        "target": torch.rand(batch, 3, r, r),
        "matte": torch.rand(batch, 1, r, r),
        "features": torch.zeros(batch, 1, r, r),
    }
    data = {k: v.to(device) for k, v in data.items()}
    last_step = p.steps_per_stage * p.stages  # the final stage, full resolution
    stage, alpha = p.stage_at(last_step, module.options.steps_per_stage)
    amp = device == "cuda"

    def full():
        with torch.autocast(device, dtype=torch.bfloat16, enabled=amp):
            loss = sum(module(data, last_step).values())
        opt.zero_grad()
        loss.backward()
        opt.step()

    def bare():
        with torch.autocast(device, dtype=torch.bfloat16, enabled=amp):
            outputs = module.model.reconstruct_all(list(data["input"].chunk(2)), stage, alpha)
            rgb = torch.cat([o for o, _ in outputs]).float()
        module.zero_grad()
        torch.nn.functional.mse_loss(rgb, data["target"]).backward()

    times: dict = {full: [], bare: []}
    for i in range(steps + 1):
        for fn in (full, bare):
            if device == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            fn()
            if device == "cuda":
                torch.cuda.synchronize()
            if i:  # the first step warms up
                times[fn].append(time.perf_counter() - t)
    return 1.0 / float(np.median(times[full])), 1.0 / float(np.median(times[bare]))


def onnx_ms_per_face(name: str, faces: int, repeats: int = 3) -> tuple[float, float]:
    """(ONNX Runtime ms/face, eager torch on the CPU ms/face) of the same network, interleaved."""
    from faceplate.models import runtime
    from faceplate.models.swap import SwapInference, SwapModel, preset
    from faceplate.models.swap.swap_export import _export_one

    p = preset(name)
    net = SwapInference(SwapModel(p, ["A", "B"]), "B").eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "swap.onnx")
        with torch.no_grad():
            _export_one(net, path, p.resolution)
        session = runtime.session(path)
        images = np.random.default_rng(0).random((faces, 3, p.resolution, p.resolution), dtype=np.float32)
        tensor = torch.from_numpy(images)

        def eager():
            with torch.no_grad():
                net(tensor)

        session.run(None, {"image": images})
        eager()
        ort_t, torch_t = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            session.run(None, {"image": images})
            ort_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            eager()
            torch_t.append(time.perf_counter() - t)
    return 1000.0 * float(np.median(ort_t)) / faces, 1000.0 * float(np.median(torch_t)) / faces


def torch_cuda_ms_per_face(name: str, faces: int, repeats: int = 5) -> float:
    """The same encoder + decoder in torch on the GPU under bf16 autocast: where ONNX Runtime's CUDA
    provider is not installed (onnxruntime-gpu), the closest measure of the GPU inference cost."""
    from faceplate.models.swap import SwapInference, SwapModel, preset

    p = preset(name)
    net = SwapInference(SwapModel(p, ["A", "B"]), "B").eval().cuda()
    images = torch.rand(faces, 3, p.resolution, p.resolution, device="cuda")
    times = []
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        for i in range(repeats + 1):
            torch.cuda.synchronize()
            t = time.perf_counter()
            net(images)
            torch.cuda.synchronize()
            if i:
                times.append(time.perf_counter() - t)
    return 1000.0 * float(np.median(times)) / faces


def rows(quick: bool = False, steps: int | None = None, faces: int | None = None) -> list[dict]:
    from faceplate.models import runtime

    steps = steps or (2 if quick else 3)
    faces = faces or (2 if quick else 4)
    batch = 4 if quick else 16
    device = "cuda" if torch.cuda.is_available() else "cpu"
    precision = "bf16 autocast" if device == "cuda" else "fp32"
    where = torch.cuda.get_device_name() if device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    # A 256 px training step takes ~100 s on two CPU cores: quick runs the tiny preset there.
    small = ("tiny",) if quick and device == "cpu" else ("256",)
    out = []
    for name in ("256", "512") if device == "cuda" and not quick else small:
        full, bare = train_its(name, batch, steps, device)
        out.append(
            row(
                f"swap train step, preset {name}, batch {batch}",
                full,
                "it/s",
                "bare net fwd+bwd (MSE)",
                bare,
                higher_is_better=True,
                note=f"{where}, {precision}, median of {steps} steps",
            )
        )
    provider = runtime.providers()[0]
    for name in small if quick else ("256", "512"):
        ort, eager = onnx_ms_per_face(name, faces)
        out.append(
            row(
                f"swap inference onnxruntime, preset {name}",
                ort,
                "ms/face",
                "torch eager CPU fp32",
                eager,
                higher_is_better=False,
                note=f"batch {faces}, provider {provider}",
            )
        )
        if device == "cuda":
            out.append(
                row(
                    f"swap inference torch CUDA bf16, preset {name}",
                    torch_cuda_ms_per_face(name, faces),
                    "ms/face",
                    f"onnxruntime ({provider})",
                    ort,
                    higher_is_better=False,
                    note=f"batch {faces}",
                )
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--faces", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from faceplate.models import runtime

    device = "cuda" if torch.cuda.is_available() else "cpu"
    card = torch.cuda.get_device_name() if device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    emit(
        rows(steps=args.steps, faces=args.faces),
        args.json,
        f"device: {card}; onnxruntime providers: {runtime.providers()}",
    )


if __name__ == "__main__":
    main()
