"""The console report, rendered with rich: what was compared, the verdict, the tensors at the
first divergence, the causes with evidence and fixes."""

import math

from rich.table import Table
from rich.text import Text


def _fmt(value):
    if value is None:
        return "—"
    if isinstance(value, float) and math.isnan(value):
        return "NaN/Inf"
    return f"{value:.3g}"


def render_check(console, result, options):
    sides, samples = result.sides, result.sides.get("samples", {})
    for label in ("A", "B"):
        s = sides[label]
        console.print(f"[bold]{label}[/] {s['spec']}  [dim]({s['dialect']})[/]  sees {s['input']}")
        for note in s["notes"]:
            console.print(f"   [dim]note: {note}[/]")
    console.print(f"samples: {samples.get('count')} from {samples.get('source')}, full batch; "
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
                           f"{' (' + f.param + ')' if f.param else ''}, rel_error {_fmt(f.rel_error)}",
                           style="bold red"))
        _render_rows(console, result.rows_at_first, f.step)
    for cause in result.causes:
        console.print()
        console.print(f"[bold yellow]cause: {cause.code}[/]  {cause.message}")
        console.print(f"  [dim]evidence:[/] {cause.evidence}")
        if cause.fix:
            console.print(f"  [bold]fix:[/] {cause.fix}")
    if result.status == "diverged" and not result.causes:
        console.print("\n[yellow]No known signature matched the first divergence; see the table above.[/]")
    for note in result.notes:
        console.print(f"[dim]note: {note}[/]")


def _render_rows(console, rows, step):
    table = Table(title=f"tensors at step {step}", title_justify="left")
    for col in ("quantity", "layer A", "layer B", "param", "rel_error", "tolerance", ""):
        table.add_column(col, justify="right" if col in ("rel_error", "tolerance") else "left")
    for r in rows:
        mark = Text("diverged", style="red") if r.diverged else Text("ok", style="green")
        quantity = r.quantity + (f" ({r.term})" if r.term else "")
        table.add_row(quantity, r.layer_a or "", r.layer_b or "", r.param or "", _fmt(r.rel_error),
                      _fmt(r.tolerance), mark)
    console.print(table)


def render_differences(console, diffs, title):
    table = Table(title=title, title_justify="left")
    for col in ("field", "layer A", "layer B", "A", "B", "can cause"):
        table.add_column(col)
    for d in diffs:
        table.add_row(d["field"], str(d["layer_a"] or ""), str(d["layer_b"] or ""), str(d["a"]), str(d["b"]),
                      str(d.get("cause") or ""))
    console.print(table)


def render_description(console, desc):
    console.print(f"[bold]{desc.source}[/]  dialect: {desc.dialect}; input shape {tuple(desc.input_shape)}")
    for layer in desc.layers:
        attrs = ", ".join(f"{k}={v}{' (default)' if k in layer.defaults else ''}" for k, v in layer.attrs.items())
        console.print(f"  {layer.name}: {layer.kind}" + (f"  {attrs}" if attrs else ""))
        for role, p in layer.penalties.items():
            console.print(f"      {role} penalty: {p.written} = {p.coeff:g}·Σw²" if p.kind == "l2"
                          else f"      {role} penalty: {p.written}")
    if desc.loss:
        attrs = ", ".join(f"{k}={v}{' (default: ' + desc.loss.defaults[k] + ')' if k in desc.loss.defaults else ''}"
                          for k, v in desc.loss.attrs.items())
        console.print(f"  loss: {desc.loss.kind}  {attrs}")
    if desc.optimizer:
        o = desc.optimizer
        hyper = ", ".join(f"{k}={v}{' (default)' if k in o.defaults else ''}" for k, v in o.hyper.items())
        console.print(f"  optimizer: {o.kind}  {hyper}")
        if o.rule:
            console.print(f"      update: {o.rule}")
    for note in desc.notes:
        console.print(f"  [dim]note: {note}[/]")
