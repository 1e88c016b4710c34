"""The real trainer (Trainer + SwapTask, augmentation, data-loader workers, AMP, EMA, checkpoints) on CUDA:
it/s per preset, and whether the mixed-precision step stays finite.

    python tests/benchmarks/bench_train_gpu.py [--steps 30] [--presets 256 512]

Face-sets are built in memory from skimage's astronaut (identity A) and a colour-shifted, mirrored copy
(identity B) so the script needs no OpenImageIO; the figures measure the training step, not decoding.
The reference in the same run is the same step in fp32 (``amp=False``).
"""

from __future__ import annotations

import argparse
import math
import tempfile

import numpy as np
import torch


def facesets(size: int, count: int):
    import cv2
    from skimage import data

    from faceplate.models.training.faceset import FaceSet

    base = data.astronaut()[20:260, 130:370]  # the face, roughly centred
    rng = np.random.default_rng(0)
    out = []
    for identity, tint in (("A", (1.0, 1.0, 1.0)), ("B", (0.8, 1.0, 1.2))):
        images = []
        for i in range(count):
            shift = rng.integers(-8, 9, 2)
            m = np.float32([[size / 240, 0, shift[0]], [0, size / 240, shift[1]]])
            face = cv2.warpAffine(base, m, (size, size), borderMode=cv2.BORDER_REFLECT)
            face = np.clip(face * np.float32(tint), 0, 255).astype(np.uint8)
            images.append(face[:, ::-1] if identity == "B" else face)
        yy, xx = np.mgrid[:size, :size]
        matte = (((xx - size / 2) / (size * 0.36)) ** 2 + ((yy - size / 2) / (size * 0.45)) ** 2 < 1) * 255
        out.append(FaceSet(identity, f"<memory {identity}>", np.stack(images), np.repeat(
            matte[None].astype(np.uint8), count, 0), np.full((count, 68, 2), np.nan, np.float32),
            tuple(f"{i}.png" for i in range(count))))
    return out


def run(name: str, steps: int, amp: bool) -> tuple[float, float, int]:
    from faceplate.models.swap import preset
    from faceplate.models.training.loop import StopTraining, Trainer, TrainOptions
    from faceplate.models.training.swap_task import SwapOptions, SwapTask

    p = preset(name)
    sets = facesets(p.resolution, 24)
    # Start at the last stage so every step runs at the preset's full resolution.
    task = SwapTask(sets, p, SwapOptions(batch_size=p.batch_size, steps_per_stage=1, workers=4), seed=0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with tempfile.TemporaryDirectory() as tmp:
        opts = TrainOptions(steps=steps + p.stages, warmup=5, checkpoint_every=10**9, preview_every=0,
                            device=device, amp=amp, progress=False)
        times = []
        last = [None]

        def on_step(step, losses):
            import time
            if device == "cuda":
                torch.cuda.synchronize()
            now = time.perf_counter()
            if last[0] is not None and step > p.stages + 2:
                times.append(now - last[0])
            last[0] = now
            if step == opts.steps - 1:  # stop before the final checkpoint and preview (no OpenImageIO there)
                raise StopTraining

        result = Trainer(task, tmp, opts, on_step=on_step).run()
        final = result.history[-1] if result.history else {}
        loss = float(final.get("total", float("nan")))
    return 1.0 / float(np.median(times)), loss, p.batch_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--presets", nargs="+", default=["256", "512"])
    args = parser.parse_args()
    if torch.cuda.is_available():
        print(f"device: {torch.cuda.get_device_name()}, bf16 supported: {torch.cuda.is_bf16_supported()}")
    else:
        print("no CUDA: both columns run fp32 on the CPU (amp is ignored there)")
    print(f"{'preset':>6} {'batch':>5} {'amp it/s':>9} {'fp32 it/s':>9} {'ratio':>6} {'amp loss':>9} {'fp32 loss':>9}")
    for name in args.presets:
        a, la, batch = run(name, args.steps, True)
        f, lf, _ = run(name, args.steps, False)
        print(f"{name:>6} {batch:>5} {a:9.2f} {f:9.2f} {a / f:6.2f} {la:9.4f} {lf:9.4f}"
              + ("" if math.isfinite(la) else "  AMP LOSS NOT FINITE"))


if __name__ == "__main__":
    main()
