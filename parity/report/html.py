"""`--html report.html`: one self-contained file (styles inline, the plot embedded as a base64 PNG)
with the verdict, the sides, the spec differences, the causes, the tensors at the first divergence,
the per-layer error summary and the plots: something to attach to an issue or keep as a CI artefact."""

import base64
import html
import math

from .. import __version__
from .numbers import error_text
from .series import per_layer

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1150px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.35em; margin-bottom: 0.2em; }
h2 { font-size: 1.1em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.verdict { font-size: 1.15em; font-weight: bold; padding: 0.5em 0.8em; border-radius: 4px; }
.parity { background: #e5f5e5; color: #175e17; } .diverged { background: #fbe6e6; color: #8a1212; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-family: monospace; }
tr.bad td { background: #fdf0f0; } .ok { color: #175e17; } .bad-mark { color: #a01010; font-weight: bold; }
.cause { border-left: 4px solid #d9a400; padding: 0.3em 0.8em; margin: 0.8em 0; background: #fffbea; }
.cause code { font-weight: bold; } .dim { color: #666; } img { max-width: 100%; border: 1px solid #eee; }
"""


def render_html(result, options, png=None, title=None):
    e = html.escape
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title or 'parity report')}"
             f"</title><style>{STYLE}</style></head><body>",
             f"<h1>{e(title or 'parity report')}</h1>",
             f"<p class=\"dim\">parity {e(__version__)} · steps {e(str(options.steps))} · weights "
             f"{e(str(options.weights))} · optimizer {e(str(options.optimizer))} · dtype {e(str(options.dtype))}</p>"]
    parts.append(_verdict(result))
    parts.append(_sides(result))
    parts.append("<h2>Spec differences</h2>")
    parts.append(_differences(result.spec_differences) if result.spec_differences
                 else "<p class=\"dim\">none found in what both specs declare (or the specs were not recorded)</p>")
    parts.append("<h2>Causes</h2>")
    if result.causes:
        for c in result.causes:
            fix = f"<br><b>fix:</b> {e(c.fix)}" if c.fix else ""
            parts.append(f"<div class=\"cause\"><code>{e(c.code)}</code> {e(c.message)}<br>"
                         f"<span class=\"dim\">evidence:</span> {e(c.evidence)}{fix}</div>")
    elif result.status == "diverged":
        parts.append("<p>No known signature matched the first divergence; see the table below.</p>")
    else:
        parts.append("<p class=\"dim\">none: the sides agree.</p>")
    if result.rows_at_first:
        parts.append(f"<h2>Tensors at step {result.first.step}</h2>")
        parts.append(_rows(result.rows_at_first))
    parts.append(_layers(result))
    if png:
        data = base64.b64encode(png).decode("ascii")
        parts.append("<h2>Plots</h2>")
        parts.append(f"<img alt=\"loss curves and relative-error heatmap\" src=\"data:image/png;base64,{data}\">")
    if result.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in result.notes) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _verdict(result):
    e = html.escape
    if result.status == "parity":
        return (f"<p class=\"verdict parity\">PARITY over {result.steps_run} steps: every compared tensor agreed "
                "within tolerance.</p>")
    f = result.first
    where = " / ".join(n for n in (f.layer_a, f.layer_b) if n) or "objective"
    what = f"{f.quantity}{' ' + f.term if f.term else ''}"
    param = f" ({f.param})" if f.param else ""
    return (f"<p class=\"verdict diverged\">DIVERGED at step {f.step}: {e(what)}, {e(where)}{e(param)}, "
            f"rel_error {error_text(f.rel_error)}</p>")


def _sides(result):
    e = html.escape
    rows = []
    for label in ("A", "B"):
        s = (result.sides or {}).get(label)
        if not s:
            continue
        notes = "".join(f"<br><span class=\"dim\">note: {e(str(n))}</span>" for n in s.get("notes") or [])
        rows.append(f"<tr><th>{label}</th><td>{e(str(s.get('spec')))}</td><td>{e(str(s.get('dialect')))}</td>"
                    f"<td>{e(str(s.get('input')))}{notes}</td></tr>")
    samples = (result.sides or {}).get("samples", {})
    foot = (f"<p class=\"dim\">samples: {e(str(samples.get('count')))} from {e(str(samples.get('source')))}, "
            f"full batch; fingerprint {e(str(samples.get('fingerprint')))}</p>") if samples else ""
    return ("<h2>Sides</h2><table><tr><th></th><th>spec</th><th>dialect</th><th>sees</th></tr>" + "".join(rows)
            + "</table>" + foot)


def _differences(diffs):
    e = html.escape
    out = ["<table><tr><th>field</th><th>layers A / B</th><th>A</th><th>B</th><th>can cause</th><th>matters</th></tr>"]
    for d in diffs:
        layers = " / ".join(str(n) for n in (d.get("layer_a"), d.get("layer_b")) if n)
        out.append(f"<tr><td>{e(str(d.get('field')))}</td><td>{e(layers)}</td><td>{e(str(d.get('a')))}</td>"
                   f"<td>{e(str(d.get('b')))}</td><td>{e(str(d.get('cause') or ''))}</td>"
                   f"<td>{e(str(d.get('matters', 'yes')))}</td></tr>")
    return "".join(out) + "</table>"


def _rows(rows):
    e = html.escape
    out = ["<table><tr><th>quantity</th><th>layer A</th><th>layer B</th><th>param</th><th>rel_error</th>"
           "<th>tolerance</th><th></th></tr>"]
    for r in rows:
        mark = "<span class=\"bad-mark\">diverged</span>" if r.diverged else "<span class=\"ok\">ok</span>"
        quantity = r.quantity + (f" ({r.term})" if r.term else "")
        error, tolerance = error_text(r.rel_error), error_text(r.tolerance)
        out.append(f"<tr class=\"{'bad' if r.diverged else ''}\"><td>{e(quantity)}</td><td>{e(r.layer_a or '')}</td>"
                   f"<td>{e(r.layer_b or '')}</td><td>{e(r.param or '')}</td><td class=\"num\">{error}"
                   f"</td><td class=\"num\">{tolerance}</td><td>{mark}</td></tr>")
    return "".join(out) + "</table>"


def _layers(result):
    """Per layer: the largest relative error over the run and the first step above tolerance."""
    series = per_layer(result.history)
    if not series:
        return ""
    e = html.escape
    out = ["<h2>Relative error per layer</h2><table><tr><th>layer</th><th>largest rel_error</th>"
           "<th>at step</th><th>first step above tolerance</th></tr>"]
    for name, worst, exceeded in series:
        finite = [(v, i) for i, v in enumerate(worst) if not math.isnan(v)]
        top, at = max(finite) if finite else (math.nan, None)
        above = next((i for i, x in enumerate(exceeded) if x), None)
        out.append(f"<tr class=\"{'bad' if above is not None else ''}\"><td>{e(name)}</td>"
                   f"<td class=\"num\">{error_text(top)}</td><td class=\"num\">{'' if at is None else at}</td>"
                   f"<td class=\"num\">{'' if above is None else above}</td></tr>")
    return "".join(out) + "</table>"


