"""How every report writes a relative error or a tolerance: three significant digits, '—' where there
is none (a structural mismatch), 'NaN/Inf' where a side's value was not finite."""

import math


def error_text(value):
    if value is None:
        return "—"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "NaN/Inf"
    return f"{value:.3g}"
