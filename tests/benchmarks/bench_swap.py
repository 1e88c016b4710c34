"""Swap-model benchmarks: training it/s (256 px preset, batch 16 per step) and ONNX Runtime ms per face
(256 and 512 px presets, untrained weights: speed does not depend on them).

    python tests/benchmarks/bench_swap.py [--steps 3] [--faces 4]

Training figures use random tensors in place of augmented face-sets (the data loader runs in workers
beside the optimiser; its cost is reported separately by the trainer's progress bar). On CUDA the
training step runs under autocast (bf16 where supported) as the trainer does.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import torch


def train_its(name: str, batch: int, steps: int, device: str) -> float:
    from faceplate.models.swap import SwapModel, preset
    from faceplate.models.training.swap_task import SwapOptions, SwapTrainModule

    p = preset(name)
    module = SwapTrainModule(SwapModel(p, ["A", "B"]), SwapOptions(batch_size=batch // 2)).to(device)
    opt = torch.optim.AdamW(module.parameters(), lr=1e-4)
    r = p.resolution
    data = {"input": torch.rand(batch, 3, r, r), "target": torch.rand(batch, 3, r, r),
            "matte": torch.rand(batch, 1, r, r), "features": torch.zeros(batch, 1, r, r)}
    data = {k: v.to(device) for k, v in data.items()}
    last_step = p.steps_per_stage * p.stages  # the final stage, full resolution
    amp = device == "cuda"
    times = []
    for i in range(steps + 1):
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        with torch.autocast(device, dtype=torch.bfloat16, enabled=amp):
            loss = sum(module(data, last_step).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if i:  # the first step warms up
            times.append(time.perf_counter() - t)
    return 1.0 / float(np.median(times))


def onnx_ms_per_face(name: str, faces: int, repeats: int = 3) -> float:
    from faceplate.models import runtime
    from faceplate.models.export import _export_one
    from faceplate.models.swap import SwapInference, SwapModel, preset

    p = preset(name)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "swap.onnx")
        with torch.no_grad():
            _export_one(SwapInference(SwapModel(p, ["A", "B"]), "B").eval(), path, p.resolution)
        session = runtime.session(path)
        images = np.random.default_rng(0).random((faces, 3, p.resolution, p.resolution), dtype=np.float32)
        session.run(None, {"image": images})
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            session.run(None, {"image": images})
            times.append(time.perf_counter() - t)
    return 1000.0 * float(np.median(times)) / faces


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--faces", type=int, default=4)
    args = parser.parse_args()
    from faceplate.models import runtime

    device = "cuda" if torch.cuda.is_available() else "cpu"
    card = torch.cuda.get_device_name() if device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {card}; onnxruntime providers: {runtime.providers()}")
    presets = ("256", "512") if device == "cuda" else ("256",)
    for name in presets:
        print(f"train  preset {name}: {train_its(name, 16, args.steps, device):.3f} it/s (batch 16, "
              f"{'bf16 autocast' if device == 'cuda' else 'fp32'})")
    for name in ("256", "512"):
        print(f"onnx   preset {name}: {onnx_ms_per_face(name, args.faces):.1f} ms/face (batch {args.faces}, "
              f"provider {runtime.providers()[0]})")
        if device == "cuda":
            print(f"torch  preset {name}: {torch_cuda_ms_per_face(name, args.faces):.2f} ms/face "
                  f"(batch {args.faces}, CUDA bf16 autocast)")


if __name__ == "__main__":
    main()
