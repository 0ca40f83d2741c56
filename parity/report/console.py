"""The console report, rendered with rich: what was compared, the verdict, the tensors at the
first divergence, the causes with evidence and fixes."""

import math

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .numbers import error_text


def render_check(console, result, options):
    sides, samples = result.sides, result.sides.get("samples", {})
    for label in ("A", "B"):
        s = sides[label]
        console.print(f"[bold]{label}[/] {escape(s['spec'])}  [dim]({s['dialect']})[/]  sees {escape(s['input'])}")
        for note in s["notes"]:
            console.print(f"   [dim]note: {escape(note)}[/]")
    console.print(f"samples: {samples.get('count')} from {escape(str(samples.get('source')))}, full batch; "
                  f"steps: {options.steps}; weights: {options.weights}; optimizer: {options.optimizer}; "
                  f"dtype: {options.dtype}")
    if result.spec_differences:
        render_differences(console, result.spec_differences, "Spec differences")
    console.print()
    if result.status == "parity":
        console.print(Text(f"PARITY over {result.steps_run} steps: every compared tensor agreed within tolerance.",
                           style="bold green"))
    else:
        f = result.first
        where = " / ".join(n for n in (f.layer_a, f.layer_b) if n) or "objective"
        what = f"{f.quantity}{' ' + f.term if f.term else ''}"
        console.print(Text(f"DIVERGED at step {f.step}: {what}, {where}"
                           f"{' (' + f.param + ')' if f.param else ''}, rel_error {error_text(f.rel_error)}",
                           style="bold red"))
        _render_rows(console, result.rows_at_first, f.step, getattr(result, "isolation", None))
    render_sparklines(console, result)
    for cause in result.causes:
        console.print()
        label = "possible cause" if cause.possible else "cause"
        confidence = f" (confidence {cause.confidence:.2f})" if cause.confidence is not None else ""
        console.print(f"[bold yellow]{label}: {cause.code}[/]{confidence}  {escape(cause.message)}")
        console.print(f"  [dim]evidence:[/] {escape(cause.evidence)}")
        if cause.fix:
            console.print(f"  [bold]fix:[/] {escape(cause.fix)}")
    if result.status == "diverged" and not result.causes:
        console.print("\n[yellow]No known cause: no signature's fit explains the first divergence; see the table "
                      "above.[/]")
    if result.ablation is not None:
        render_ablation(console, result.ablation)
    for note in result.notes:
        console.print(f"[dim]note: {escape(note)}[/]")


def _render_rows(console, rows, step, isolation=None):
    """With `isolation`, an activation row also shows what side B's stage introduces when fed A's input."""
    table = Table(title=f"tensors at step {step}", title_justify="left")
    extra = ("introduced",) if isolation else ()
    for col in ("quantity", "layer A", "layer B", "param", "rel_error", *extra, "tolerance", ""):
        table.add_column(col, justify="right" if col in ("rel_error", "introduced", "tolerance") else "left")
    introduced = {(e["layer_a"], e["layer_b"]): e["introduced"] for e in isolation or []}
    for r in rows:
        mark = Text("diverged", style="red") if r.diverged else Text("ok", style="green")
        quantity = r.quantity + (f" ({r.term})" if r.term else "")
        stage = (r.layer_a, r.layer_b) if r.quantity == "activation" else None
        cells = [error_text(introduced[stage])] if stage in introduced else [""]
        table.add_row(quantity, r.layer_a or "", r.layer_b or "", r.param or "", error_text(r.rel_error),
                      *(cells if isolation else []), error_text(r.tolerance), mark)
    console.print(table)


def render_differences(console, diffs, title):
    """One row per difference; the same difference on several layers is one row naming them all."""
    table = Table(title=title, title_justify="left")
    for col in ("field", "layers A / B", "A", "B", "can cause", "matters"):
        table.add_column(col)
    groups = {}
    for d in diffs:
        key = (d["field"], str(d["a"]), str(d["b"]), d.get("cause"), d.get("matters", "yes"))
        groups.setdefault(key, []).append(" / ".join(str(n) for n in (d["layer_a"], d["layer_b"]) if n))
    for (field, a, b, cause, matters), layers in groups.items():
        table.add_row(escape(field), escape(", ".join(n for n in layers if n)), escape(a), escape(b),
                      str(cause or ""), escape(str(matters)))
    console.print(table)


def render_description(console, desc):
    console.print(f"[bold]{escape(desc.source)}[/]  dialect: {desc.dialect}; input shape {tuple(desc.input_shape)}")
    for layer in desc.layers:
        attrs = ", ".join(f"{k}={v}{' (default)' if k in layer.defaults else ''}" for k, v in layer.attrs.items()
                          if not k.endswith("_filler"))
        shape = f" -> {tuple(layer.output_shape)}" if layer.output_shape else ""
        console.print(escape(f"  {layer.name}: {layer.kind}{shape}" + (f"  {attrs}" if attrs else "")))
        for p in layer.params:
            mults = ""
            if desc.optimizer is not None and not desc.optimizer.kind.startswith("keras") and desc.dialect != "keras":
                marks = {k: " (default)" if f"{p.role}.{k}" in layer.defaults else ""
                         for k in ("lr_mult", "decay_mult")}
                mults = f", lr_mult={p.lr_mult:g}{marks['lr_mult']}, decay_mult={p.decay_mult:g}{marks['decay_mult']}"
            filler = f", init={_filler_text(p.filler)}" if p.filler else ""
            state = "" if p.trainable else " (state, not trained)"
            console.print(escape(f"      {p.role} {tuple(p.shape)} {p.layout or ''}{mults}{filler}{state}"))
        for role, p in layer.penalties.items():
            console.print(escape(f"      {role} penalty: {p.written} = {p.coeff:g}·Σw²" if p.kind == "l2"
                                 else f"      {role} penalty: {p.written}"))
    if desc.loss:
        attrs = ", ".join(f"{k}={v}{' (default: ' + desc.loss.defaults[k] + ')' if k in desc.loss.defaults else ''}"
                          for k, v in desc.loss.attrs.items())
        console.print(escape(f"  loss: {desc.loss.kind}  {attrs}"))
    if desc.optimizer:
        o = desc.optimizer
        hyper = ", ".join(f"{k}={v}{' (default)' if k in o.defaults else ''}" for k, v in o.hyper.items())
        console.print(escape(f"  optimizer: {o.kind}  {hyper}"))
        if o.rule:
            console.print(escape(f"      update: {o.rule}"))
        if o.schedule:
            console.print(escape("      schedule: " + ", ".join(f"{k}={v}" for k, v in o.schedule.items())))
    for note in desc.notes:
        console.print(f"  [dim]note: {escape(note)}[/]")


def _filler_text(filler):
    kind = filler.get("type")
    if kind == "constant":
        return f"constant {filler.get('value', 0.0):g}"
    if kind in ("xavier", "msra"):
        return f"{kind} ({filler.get('variance_norm', 'FAN_IN')})"
    if kind == "gaussian":
        return f"gaussian(mean={filler.get('mean', 0.0):g}, std={filler.get('std', 1.0):g})"
    if kind == "uniform":
        return f"uniform({filler.get('min', 0.0):g}, {filler.get('max', 1.0):g})"
    return str(kind)


SPARK = "▁▂▃▄▅▆▇█"
SPARK_FLOOR, SPARK_WIDTH = 1e-12, 48


def render_sparklines(console, result):
    """Per layer, the largest relative error at each step as one block character (log scale from
    1e-12 to 1), red where it is above tolerance; long runs are shown in buckets of steps."""
    from .series import per_layer

    series = per_layer(result.history)
    steps = len(result.history)
    if steps < 2 or not series:
        return
    bucket = max(1, math.ceil(steps / SPARK_WIDTH))
    span = f"steps 0..{steps - 1}" + (f", {bucket} steps a character" if bucket > 1 else "")
    console.print(f"\n[bold]relative error per layer[/] [dim]({span}; ▁ ≤ 1e-12 … █ ≥ 1; red: above tolerance)[/]")
    width = max(len(name) for name, _, _ in series)
    for name, worst, exceeded in series:
        line = Text(f"  {name:<{width}}  ")
        for start in range(0, steps, bucket):
            chunk = [v for v in worst[start:start + bucket] if not math.isnan(v)]
            over = bool(any(exceeded[start:start + bucket]))
            if not chunk:
                line.append(" ")
                continue
            value = max(chunk)
            if math.isinf(value):
                line.append("!", style="bold magenta")
                continue
            level = 0 if value <= SPARK_FLOOR else math.log10(value / SPARK_FLOOR) / 12 * (len(SPARK) - 1)
            line.append(SPARK[min(len(SPARK) - 1, max(0, round(level)))], style="red" if over else "green")
        finite = [v for v in worst if not math.isnan(v)]
        first_over = next((i for i, x in enumerate(exceeded) if x), None)
        line.append(f"  max {error_text(max(finite)) if finite else '—'}", style="dim")
        if first_over is not None:
            line.append(f"  above tolerance from step {first_over}", style="red")
        console.print(line)


def render_ablation(console, ab):
    console.print()
    table = Table(title=f"ablation: each difference aligned alone (float64, {ab.steps} steps)", title_justify="left")
    for col in ("change", "steps of parity", "first divergence", "rel_error", "s"):
        table.add_column(col, justify="right" if col in ("steps of parity", "rel_error", "s") else "left")
    for t in [ab.baseline] + ab.ranked:
        steps = "all" if t.steps > ab.steps else str(t.steps)
        table.add_row(escape(t.label), steps, escape(t.first), error_text(t.rel_error), f"{t.seconds:.1f}")
    console.print(table)
    if ab.restored:
        console.print(Text(f"after aligning {', '.join(ab.restoring)}, parity holds for {ab.steps} steps",
                           style="bold green"))
    elif ab.restoring:
        console.print(f"aligning {escape(', '.join(ab.restoring))} goes furthest, but parity does not hold yet")
    for fix in ab.fixes:
        console.print(f"  [bold]fix:[/] {escape(fix)}")
    for note in ab.skipped:
        console.print(f"[dim]ablation: {escape(note)}[/]")
    if ab.timed_out:
        console.print("[yellow]the ablation ran out of its time budget (--ablate-budget)[/]")
