"""The thin command-line layer: parse, call, render, exit. The only module that prints or exits."""

import json
import os
import sys
import traceback

import click

from . import __version__
from .errors import InternalError, ParityError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter is not a finding


def _console(stderr=False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 120  # reports written to files and pipes keep a stable width
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def _guarded(fn, debug, *args):
    """Library errors become exit codes here and only here."""
    try:
        return fn(*args)
    except ParityError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except click.exceptions.Exit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as err:  # a bug in parity: say so, never a bare traceback unless asked
        if debug:
            traceback.print_exc()
        click.echo(f"internal error: {type(err).__name__}: {err}. This is a bug in parity; rerun with --debug "
                   "for the traceback and report it.", err=True)
        sys.exit(InternalError.exit_code)


_TRUST_HELP = "Load a saved Keras model's Lambda layers, which run the file's own Python code (refused otherwise)."


def _trust_lambda(trusted):
    if trusted:
        from .dialects.keras.saved import TRUST_LAMBDA

        token = TRUST_LAMBDA.set(True)
        click.get_current_context().call_on_close(lambda: TRUST_LAMBDA.reset(token))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="parity")
def main():
    """Train two model specs side by side and report the first step and layer where they diverge, and why."""


@main.command()
@click.argument("spec_a")
@click.argument("spec_b")
@click.option("--data", default=None, help="Samples: .npz/.h5 with x and y, an MNIST IDX folder, or random[:N].")
@click.option("--samples", type=int, default=None, help="Use the first N samples (full batch).")
@click.option("--steps", type=int, default=10, show_default=True, help="Training steps after the initial state.")
@click.option("--weights", default="seed:0", show_default=True, help="zeros | seed[:N] | a | b")
@click.option("--optimizer", type=click.Choice(["spec", "sgd"]), default="spec", show_default=True)
@click.option("--lr", type=float, default=0.01, show_default=True, help="Learning rate for --optimizer sgd.")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "gpu"]), default="auto", show_default=True)
@click.option("--rtol", type=float, default=None, help="Relative tolerance (default 1e-5 float32, 1e-10 float64).")
@click.option("--atol", type=float, default=None, help="Absolute tolerance on the largest element difference.")
@click.option("--a-input", default=None, help="Side A's input transform: raw, unit, scale=X, mean=X.")
@click.option("--b-input", default=None, help="Side B's input transform.")
@click.option("--json", "json_path", default=None, help="Write the JSON report here ('-' for stdout).")
@click.option("--ablate", is_flag=True,
              help="Align each declared difference alone to the other side's value, rerun, rank them, and find the "
                   "smallest set that restores parity (sides that run from descriptions).")
@click.option("--ablate-budget", type=float, default=120.0, show_default=True, help="Seconds the ablation may take.")
@click.option("--timeout", type=float, default=None,
              help="Time budget in seconds for the whole check; when it runs out: exit 2, no verdict.")
@click.option("--trace", "trace_path", default=None, help="Record every step of both sides to this HDF5 trace.")
@click.option("--trace-activations", is_flag=True, help="Record each stage's activations in the trace too (large).")
@click.option("--plot", "plot_path", default=None, help="Draw the loss curves and a relative-error heatmap (PNG).")
@click.option("--html", "html_path", default=None, help="Write a self-contained HTML report (plots embedded).")
@click.option("--trust-lambda", is_flag=True, help=_TRUST_HELP)
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def check(spec_a, spec_b, json_path, debug, trust_lambda, trace_path, trace_activations, plot_path, html_path,
          **kwargs):
    """Train SPEC_A and SPEC_B from the same weights and report the first divergence."""
    from .check import Options

    _trust_lambda(trust_lambda)
    opts = Options(**kwargs)
    console = _console(stderr=json_path == "-")

    def run():
        from .check import run_check

        tracer = _tracer(trace_path, opts, trace_activations, (spec_a, spec_b))
        with _progress(console) as tick, _tracing(tracer):
            result = run_check(spec_a, spec_b, opts, tick, on_step=tracer)
            if tracer is not None:
                tracer.finish(result)
        from .report.console import render_check

        render_check(console, result, opts)
        _pictures(result, opts, plot_path, html_path, f"parity check {spec_a} {spec_b}")
        if json_path:
            from .report.json_report import to_dict

            text = json.dumps(to_dict(result), indent=2)
            if json_path == "-":
                click.echo(text)
            else:
                try:
                    with open(json_path, "w") as f:
                        f.write(text + "\n")
                except OSError as err:
                    raise ParityError(f"--json: cannot write {json_path}: {err.strerror}.") from None
        return result

    result = _guarded(run, debug)
    sys.exit(0 if result.status == "parity" else 1)


class _progress:
    """A transient progress bar over steps, on the report's console."""

    def __init__(self, console, text="training both sides"):
        self.console, self.text = console, text

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(TextColumn(self.text), BarColumn(), MofNCompleteColumn(),
                            console=self.console, transient=True)
        self.bar.start()
        self.task = None
        return self.tick

    def tick(self, step, steps):
        if self.task is None:
            self.task = self.bar.add_task("steps", total=steps + 1)
        self.bar.update(self.task, completed=step + 1)

    def __exit__(self, *exc):
        self.bar.stop()
        return False


@main.command()
@click.argument("spec")
@click.option("--format", "fmt", type=click.Choice(["text", "toml"]), default="text", show_default=True,
              help="toml: the neutral description, runnable as a .toml spec.")
@click.option("--trust-lambda", is_flag=True, help=_TRUST_HELP)
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def show(spec, fmt, debug, trust_lambda):
    """Print SPEC as parity understands it, every framework default made explicit."""
    _trust_lambda(trust_lambda)

    def run():
        from . import dialects

        description = dialects.load(spec).description
        if fmt == "toml":
            from .description.toml_io import dumps

            click.echo(dumps(description), nl=False)
            return
        from .report.console import render_description

        render_description(_console(), description)

    _guarded(run, debug)


@main.command("diff-spec")
@click.argument("spec_a")
@click.argument("spec_b")
@click.option("--json", "json_path", default=None, help="Write the differences as JSON ('-' for stdout).")
@click.option("--trust-lambda", is_flag=True, help=_TRUST_HELP)
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def diff_spec(spec_a, spec_b, json_path, debug, trust_lambda):
    """Compare two specs statically (no training). Exit 0 when they agree, 1 when they differ."""
    _trust_lambda(trust_lambda)

    def run():
        from . import dialects
        from .diagnose.spec_diff import differences
        from .report.console import render_differences

        diffs = differences(dialects.load(spec_a).description, dialects.load(spec_b).description)
        if json_path == "-":
            click.echo(json.dumps(diffs, indent=2, default=str))
        else:
            if json_path:
                with open(json_path, "w") as f:
                    json.dump(diffs, f, indent=2, default=str)
            console = _console()
            if diffs:
                render_differences(console, diffs, "Spec differences")
            else:
                console.print("no differences in what both specs declare")
        return diffs

    sys.exit(1 if _guarded(run, debug) else 0)


def _tracer(path, opts, activations, specs):
    if path is None:
        return None
    from .trace.record import CheckTrace

    return CheckTrace(path, opts, activations, specs)


class _tracing:
    """A trace interrupted by an error stays on disk, marked incomplete."""

    def __init__(self, tracer):
        self.tracer = tracer

    def __enter__(self):
        return self

    def __exit__(self, kind, *exc):
        if kind is not None and self.tracer is not None:
            self.tracer.abort()
        return False


def _pictures(result, options, plot_path, html_path, title):
    """--plot (PNG) and --html (self-contained, the PNG embedded)."""
    if not plot_path and not html_path:
        return
    from .report.plots import render_png

    png = render_png(result, title=title)
    outputs = [("--plot", plot_path, png)]
    if html_path:
        from .report.html import render_html

        outputs.append(("--html", html_path, render_html(result, options, png, title).encode("utf-8")))
    for option, path, content in outputs:
        if path:
            try:
                with open(path, "wb") as f:
                    f.write(content)
            except OSError as err:
                raise ParityError(f"{option}: cannot write {path}: {err.strerror}.") from None


def _emit_json(result, json_path):
    if not json_path:
        return
    from .report.json_report import to_dict

    text = json.dumps(to_dict(result), indent=2)
    if json_path == "-":
        click.echo(text)
        return
    try:
        with open(json_path, "w") as f:
            f.write(text + "\n")
    except OSError as err:
        raise ParityError(f"--json: cannot write {json_path}: {err.strerror}.") from None


@main.command()
@click.argument("spec")
@click.option("--out", "out", required=True, help="The trace to write (.h5).")
@click.option("--data", default=None, help="Samples: .npz/.h5 with x and y, an MNIST IDX folder, or random[:N].")
@click.option("--samples", type=int, default=None, help="Use the first N samples (full batch).")
@click.option("--steps", type=int, default=10, show_default=True, help="Training steps after the initial state.")
@click.option("--weights", default="seed:0", show_default=True,
              help="zeros | seed[:N] | a | b (a and b: the side's own initialisation).")
@click.option("--optimizer", type=click.Choice(["spec", "sgd"]), default="spec", show_default=True)
@click.option("--lr", type=float, default=0.01, show_default=True,
              help="Learning rate for --optimizer sgd, and for an adapter's step.")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "gpu"]), default="auto", show_default=True)
@click.option("--input", "--a-input", "--b-input", "input_transform", default=None,
              help="The side's input transform: raw, unit, scale=X, mean=X.")
@click.option("--activations", "--trace-activations", "activations", is_flag=True,
              help="Record each stage's activations too (large).")
@click.option("--trust-lambda", is_flag=True, help=_TRUST_HELP)
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def record(spec, out, input_transform, activations, debug, trust_lambda, **kwargs):
    """Train SPEC alone, from the weights it would start from in `check`, and record every step to OUT."""
    from .check import Options

    _trust_lambda(trust_lambda)
    opts = Options(**kwargs, a_input=input_transform)
    console = _console()

    def run():
        from .trace.record import record as record_side

        with _progress(console, "recording") as tick:
            steps, stopped, side, inp, samples = record_side(spec, opts, out, activations, tick)
        console.print(f"recorded {side.path} ({side.dialect}): steps 0..{steps} to {out}; it sees "
                      f"{inp.describe(samples)}; {len(samples.y)} samples from {samples.source}; weights "
                      f"{opts.weights}; optimizer {opts.optimizer}; dtype {opts.dtype}")
        if stopped:
            console.print(f"[yellow]note: {stopped}[/]")

    _guarded(run, debug)


@main.command()
@click.argument("trace_a")
@click.argument("trace_b")
@click.option("--json", "json_path", default=None, help="Write the JSON report here ('-' for stdout).")
@click.option("--rtol", type=float, default=None, help="Relative tolerance (default 1e-5 float32, 1e-10 float64).")
@click.option("--atol", type=float, default=None, help="Absolute tolerance on the largest element difference.")
@click.option("--plot", "plot_path", default=None, help="Draw the loss curves and a relative-error heatmap (PNG).")
@click.option("--html", "html_path", default=None, help="Write a self-contained HTML report (plots embedded).")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def diff(trace_a, trace_b, json_path, rtol, atol, plot_path, html_path, debug):
    """Compare two recorded traces as `check` compares two runs: side A of TRACE_A (or its only side)
    against side B of TRACE_B (or its only side). `parity diff T.h5 T.h5` re-judges a check's trace."""
    console = _console(stderr=json_path == "-")

    def run():
        from .report.console import render_check
        from .trace.diff import diff_traces

        result, options = diff_traces(trace_a, trace_b, rtol, atol)
        render_check(console, result, options)
        _emit_json(result, json_path)
        _pictures(result, options, plot_path, html_path, f"parity diff {trace_a} {trace_b}")
        return result

    result = _guarded(run, debug)
    sys.exit(0 if result.status == "parity" else 1)


@main.command("import-matlab")
@click.argument("folder")
@click.option("--out", "out", required=True, help="The trace to write (.h5).")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def import_matlab(folder, out, debug):
    """Turn the folder written by parity_record_simplenn.m (MATLAB or GNU Octave) into a trace."""

    def run():
        from .trace.matlab import import_folder

        steps, complete = import_folder(folder, out)
        _console().print(f"imported {folder}: steps 0..{steps - 1} to {out}"
                         + ("" if complete else " (the recording did not finish: the trace is marked incomplete)"))

    _guarded(run, debug)
