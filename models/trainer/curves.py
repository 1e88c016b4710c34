"""The loss-curve picture: every loss term over the steps, log scale, stage boundaries marked."""

from __future__ import annotations

import numpy as np

from faceplate.foundation.plots import save_figure


def write_loss_curve(path: str, history: list[dict], title: str = "", markers: list[tuple[int, str]] = ()) -> str:
    """Writes a PNG of ``history`` (dicts with ``step`` and one float per loss term) atomically.

    Raw values are drawn faint, a running mean (window of 5 % of the steps) solid; ``markers`` are
    ``(step, label)`` vertical lines (stage changes, resumes).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    if history:
        steps = np.array([h["step"] for h in history])
        keys = [k for k in history[0] if k != "step"]
        window = max(1, len(history) // 20)
        for i, key in enumerate(keys):
            values = np.array([h.get(key, np.nan) for h in history], float)
            colour = f"C{i}"
            ax.plot(steps, values, color=colour, alpha=0.25, linewidth=0.8)
            smooth = np.convolve(values, np.ones(window) / window, mode="valid")
            ax.plot(steps[window - 1 :], smooth, color=colour, linewidth=1.6, label=key)
        for step, label in markers:
            ax.axvline(step, color="0.5", linestyle="--", linewidth=0.8)
            ax.text(step, 1.0, f" {label}", transform=ax.get_xaxis_transform(), fontsize=8, va="top", color="0.3")
        ax.set_yscale("log")
        ax.legend(loc="upper right", fontsize=8)
    ax.set(xlabel="step", ylabel="loss (log)")
    ax.set_title(title, loc="left", fontsize=10)
    ax.grid(True, which="both", color="0.9", linewidth=0.5)
    fig.tight_layout()
    return save_figure(fig, path)
