"""`--plot out.png`: the loss curves of both sides, and a heatmap of the relative error of every
compared tensor (rows, causal order) at every step (columns), on a log colour scale, with the
first divergence marked. matplotlib is imported here only, on the Agg backend (no display)."""

import io
import math

import numpy as np

from .series import display, matrix, rows

FLOOR = 1e-12  # relative errors at or under this (exact agreement included) share the lowest colour


def render_png(result, title=None, dpi=110):
    """The figure as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    first = result.first
    idents = rows(result.history, keep_input=first is not None and first.quantity == "activation"
                  and first.index == -1)
    errors, tols = matrix(result.history, [i for i, _ in idents])
    labels = [display(label) for _, label in idents]
    steps = len(result.history)
    height = 2.6 + 0.24 * max(len(labels), 4)
    fig, (ax_loss, ax_heat) = plt.subplots(2, 1, figsize=(11, min(height + 2.6, 30)),
                                           gridspec_kw={"height_ratios": [2.4, max(height - 1.6, 2.0)]})
    if title:
        fig.suptitle(title, fontsize=10, x=0.01, ha="left")
    _losses(ax_loss, result, first)
    if not labels or not steps:
        ax_heat.text(0.5, 0.5, "nothing was compared step by step (see the report)", ha="center", va="center")
        ax_heat.set_axis_off()
    else:
        positive = errors[np.isfinite(errors) & (errors > 0)]
        # the colour scale starts a decade under the smallest non-zero error (1e-12 at the lowest)
        vmin = max(FLOOR, 10.0 ** math.floor(math.log10(positive.min())) / 10) if positive.size else FLOOR
        shown = np.where(np.isfinite(errors), np.maximum(errors, vmin), np.nan)
        top = np.nanmax(shown) if np.any(np.isfinite(shown)) else 1.0
        tol = np.nanmax(tols) if np.any(np.isfinite(tols)) else 1e-5
        vmax = max(top, 10 * tol, vmin * 10)
        cmap = matplotlib.colormaps["viridis"].copy()
        cmap.set_bad("#dddddd")  # absent at that step
        image = ax_heat.imshow(np.ma.masked_invalid(shown), aspect="auto", interpolation="nearest", cmap=cmap,
                               norm=LogNorm(vmin=vmin, vmax=vmax), extent=(-0.5, steps - 0.5, len(labels) - 0.5,
                                                                             -0.5))
        bad = np.isinf(errors)  # NaN/Inf on a side
        if bad.any():
            ys, xs = np.nonzero(bad)
            ax_heat.scatter(xs, ys, marker="s", s=30, color="magenta", label="NaN/Inf")
        with np.errstate(invalid="ignore"):
            over = np.isfinite(errors) & (errors > tols)
        if over.any() and steps <= 200:
            ys, xs = np.nonzero(over)
            ax_heat.scatter(xs, ys, marker="x", s=14, color="#ff5050", linewidths=0.8, label="above tolerance")
        if first is not None and first.step < steps:
            k = next((i for i, (ident, _) in enumerate(idents) if ident == first.ident), None)
            ax_heat.axvline(first.step, color="red", linewidth=0.8, linestyle="--")
            if k is not None:
                ax_heat.add_patch(Rectangle((first.step - 0.5, k - 0.5), 1, 1, fill=False, edgecolor="red",
                                            linewidth=2.2))
                ax_heat.annotate(f"first divergence: step {first.step}, {labels[k]}", xy=(first.step, k),
                                 xytext=(8, -10 if k > len(labels) / 2 else 10), textcoords="offset points",
                                 color="red", fontsize=8, fontweight="bold",
                                 bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.85,
                                       "edgecolor": "none"},
                                 ha="left" if first.step < steps * 0.6 else "right")
        ax_heat.set_yticks(range(len(labels)))
        ax_heat.set_yticklabels(labels, fontsize=7 if len(labels) < 40 else 5)
        ax_heat.set_xlabel("step")
        ax_heat.set_title("relative error ‖a − b‖ / max(‖a‖, ‖b‖) per compared tensor (log scale; "
                          f"exact agreement and ≤ {vmin:.0e} share the darkest colour)", fontsize=9, loc="left")
        bar = fig.colorbar(image, ax=ax_heat, pad=0.01, fraction=0.04)
        bar.set_label("relative error", fontsize=8)
        _integer_steps(ax_heat, steps)
        if bad.any() or (over.any() and steps <= 200):
            ax_heat.legend(loc="upper right", fontsize=7, framealpha=0.8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def _losses(ax, result, first):
    sides = result.sides or {}
    losses = np.array([[_num(a), _num(b)] for a, b in result.losses], dtype=float).reshape(-1, 2)
    steps = np.arange(len(losses))
    for col, label, style in ((0, "A", "-"), (1, "B", "--")):
        s = sides.get(label, {})
        name = f"{label}: {_short(s.get('spec', ''))} ({s.get('dialect', '?')})"
        ax.plot(steps, losses[:, col], style, marker="o" if len(steps) <= 40 else None, markersize=3,
                linewidth=1.4, label=name)
    finite = losses[np.isfinite(losses)]
    if finite.size and np.all(finite > 0) and finite.max() / finite.min() > 20:
        ax.set_yscale("log")
    if first is not None and len(steps):
        ax.axvline(first.step, color="red", linewidth=0.8, linestyle="--",
                   label=f"first divergence (step {first.step})")
    ax.set_ylabel("loss")
    ax.set_title("loss of each side (the compared term: data terms where both sides separate them)",
                 fontsize=9, loc="left")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    if len(steps):
        ax.set_xlim(-0.5, len(steps) - 0.5)
    _integer_steps(ax, len(steps))


def _integer_steps(ax, steps):
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(max(steps, 1), 12)))


def _num(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def _short(path, width=60):
    path = str(path)
    return path if len(path) <= width else "…" + path[-(width - 1):]
