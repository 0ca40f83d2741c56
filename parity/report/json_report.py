"""The contract's JSON report (extra keys are allowed and used for detail)."""

import math


def _num(value):
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def first_divergence(row):
    if row is None:
        return None
    return {"step": row.step, "quantity": row.quantity, "layer_a": row.layer_a, "layer_b": row.layer_b,
            "param": row.param, "rel_error": _num(row.rel_error), "term": row.term or None,
            "tolerance": _num(row.tolerance), "nonfinite_side": row.nonfinite_side}


def to_dict(result):
    out = {
        "status": result.status,
        "steps_run": result.steps_run,
        "first_divergence": first_divergence(result.first),
        "causes": [c.as_dict() for c in result.causes],
        "spec_differences": [_jsonable(d) for d in result.spec_differences],
        "tensors_at_first_divergence": [first_divergence(r) for r in result.rows_at_first],
        "losses": [[_num(a), _num(b)] for a, b in result.losses],
        "sides": result.sides,
        "notes": result.notes,
        "ablation": result.ablation.as_dict() if result.ablation is not None else None,
    }
    if getattr(result, "isolation", None):  # the contract's `isolation`: at a first divergence in activations
        out["isolation"] = [{k: _num(v) if isinstance(v, float) else v for k, v in entry.items()}
                            for entry in result.isolation]
    return out


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)
