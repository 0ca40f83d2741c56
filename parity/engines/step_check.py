"""How a model's own training step relates to the update its declared optimizer and loss would make.

Real engines run the user's step (a Keras `train_step` override, a PyTorch spec's `step`); beside it
they make the declared update from the same weights and optimizer state, put everything back, and
keep the relation of the two weight changes here. The `custom-step` cause reads it.
"""

from dataclasses import dataclass

import numpy as np

AGREE = 1e-5  # below this relative difference the two updates are the same update (float32 rounding)


@dataclass
class StepCheck:
    update: int  # 1-based: the update this relation was measured at
    differs: bool
    relation: str  # e.g. "the update is 2.00× the declared optimizer's at every tensor"
    worst_key: str | None = None
    rel_error: float = 0.0


def relate(update, before, actual, declared, rtol=AGREE):
    """`before`, `actual`, `declared`: {key: array} weights before the step, after the model's own
    step, and after the declared optimizer's step."""
    ratios, worst, worst_err, proportional = {}, None, 0.0, True
    for key, w0 in before.items():
        da = np.asarray(actual[key], np.float64) - np.asarray(w0, np.float64)
        dd = np.asarray(declared[key], np.float64) - np.asarray(w0, np.float64)
        scale = max(np.linalg.norm(da), np.linalg.norm(dd))
        err = 0.0 if scale == 0 else float(np.linalg.norm(da - dd) / scale)
        if err > worst_err:
            worst, worst_err = key, err
        dd2 = float(np.dot(dd.ravel(), dd.ravel()))
        if dd2 == 0:
            proportional = proportional and np.linalg.norm(da) == 0
            continue
        r = float(np.dot(da.ravel(), dd.ravel())) / dd2
        residual = np.linalg.norm(da - r * dd) / max(np.linalg.norm(da), 1e-300)
        proportional = proportional and residual <= 1e-3
        ratios[key] = r
    if worst_err <= rtol:
        return StepCheck(update, False, "the model's own step makes the declared optimizer's update")
    values = list(ratios.values())
    if proportional and values and max(values) - min(values) <= 1e-3 * max(abs(v) for v in values):
        relation = f"the update is {np.mean(values):.2f}× the declared optimizer's at every tensor"
    else:
        fitted = ", ".join(f"{r:.3g}× at {k}" for k, r in list(ratios.items())[:4])
        relation = (f"the update differs from the declared optimizer's (rel_error {worst_err:.3g} at {worst}); "
                    f"fitted as a multiple of it: {fitted}")
    return StepCheck(update, True, relation, worst, worst_err)
