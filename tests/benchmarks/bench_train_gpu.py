"""The real trainer (Trainer + SwapTask, augmentation, data-loader workers, AMP, EMA, checkpoints) on CUDA:
it/s per preset, and whether the mixed-precision step stays finite.

    python tests/benchmarks/bench_train_gpu.py [--steps 30] [--presets 256 512]

Face-sets are built in memory from skimage's astronaut (identity A) and a colour-shifted, mirrored copy
(identity B) so the script needs no OpenImageIO; the figures measure the training step, not decoding.
The reference in the same run is the same step in fp32 (``amp=False``). rows() follows the protocol in
benchtable.py; without CUDA it trains the tiny preset (a 256 px step takes ~100 s on two CPU cores),
quick: 6 steps (256 on CUDA), else 30 (256 and 512 on CUDA).
"""

from __future__ import annotations

import argparse
import math
import tempfile

import numpy as np
import torch
from benchtable import print_table, row


def facesets(size: int, count: int):
    import cv2
    from skimage import data

    from faceplate.models.trainer.faceset import FaceSet

    base = data.astronaut()[20:260, 130:370]  # the face, roughly centred
    rng = np.random.default_rng(0)
    out = []
    for identity, tint in (("A", (1.0, 1.0, 1.0)), ("B", (0.8, 1.0, 1.2))):
        images = []
        for _ in range(count):
            shift = rng.integers(-8, 9, 2)
            m = np.float32([[size / 240, 0, shift[0]], [0, size / 240, shift[1]]])
            face = cv2.warpAffine(base, m, (size, size), borderMode=cv2.BORDER_REFLECT)
            face = np.clip(face * np.float32(tint), 0, 255).astype(np.uint8)
            images.append(face[:, ::-1] if identity == "B" else face)
        yy, xx = np.mgrid[:size, :size]
        matte = (((xx - size / 2) / (size * 0.36)) ** 2 + ((yy - size / 2) / (size * 0.45)) ** 2 < 1) * 255
        out.append(
            FaceSet(
                identity,
                f"<memory {identity}>",
                np.stack(images),
                np.repeat(matte[None].astype(np.uint8), count, 0),
                np.full((count, 68, 2), np.nan, np.float32),
                tuple(f"{i}.png" for i in range(count)),
            )
        )
    return out


def run(name: str, steps: int, amp: bool) -> tuple[float, float, int]:
    from faceplate.models.swap import preset
    from faceplate.models.trainer.loop import StopTraining, Trainer, TrainOptions
    from faceplate.models.trainer.swap_task import SwapOptions, SwapTask

    p = preset(name)
    sets = facesets(p.resolution, 24)
    # Start at the last stage so every step runs at the preset's full resolution.
    task = SwapTask(sets, p, SwapOptions(batch_size=p.batch_size, steps_per_stage=1, workers=4), seed=0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with tempfile.TemporaryDirectory() as tmp:
        opts = TrainOptions(
            steps=steps + p.stages,
            warmup=5,
            checkpoint_every=10**9,
            preview_every=0,
            device=device,
            amp=amp,
            progress=False,
        )
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


def preset_rows(name: str, steps: int) -> list[dict]:
    a, la, batch = run(name, steps, True)
    f, lf, _ = run(name, steps, False)
    where = (
        f"{torch.cuda.get_device_name()}, bf16 autocast" if torch.cuda.is_available() else "CPU: amp ignored, both fp32"
    )
    note = f"{where}; batch {batch}, median of {steps} steps; final loss amp {la:.4f}, fp32 {lf:.4f}"
    return [
        row(
            f"Trainer+SwapTask step, preset {name}, amp",
            a,
            "it/s",
            "same step fp32",
            f,
            higher_is_better=True,
            note=note + ("" if math.isfinite(la) else "; AMP LOSS NOT FINITE"),
        )
    ]


def rows(quick: bool = False, steps: int | None = None, presets: list[str] | None = None) -> list[dict]:
    cuda = torch.cuda.is_available()
    steps = steps or (6 if quick else 30)
    presets = presets or ((["256"] if quick else ["256", "512"]) if cuda else ["tiny"])
    out = [x for name in presets for x in preset_rows(name, steps)]
    if any("NOT FINITE" in r["note"] for r in out):
        raise RuntimeError("AMP loss not finite: " + "; ".join(r["note"] for r in out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--presets", nargs="+", default=["256", "512"])
    args = parser.parse_args()
    if torch.cuda.is_available():
        title = f"device: {torch.cuda.get_device_name()}, bf16 supported: {torch.cuda.is_bf16_supported()}"
    else:
        title = "no CUDA: both columns run fp32 on the CPU (amp is ignored there)"
    print_table([x for name in args.presets for x in preset_rows(name, args.steps)], title)


if __name__ == "__main__":
    main()
