"""The thin command-line layer: parse, call, render, exit. The only module that prints or exits.

Every command is declared with `@command(...)`, which adds `--debug` and turns library errors into
exit codes in one place; options that several commands share are defined once below and applied
as groups. Every file a command writes (JSON, JUnit, PNG, HTML) goes through `_write`, which owns
`-` (stdout) and turns an unwritable path into a usage error (exit 2).
"""

import functools
import json
import os
import sys
import time
import traceback

import click

from . import __version__
from .errors import InternalError, ParityError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter is not a finding


# --- the command boundary: errors, consoles, files --------------------------------------------------

def _guarded(fn, debug):
    """Library errors become exit codes here and only here."""
    try:
        return fn()
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


def command(name=None):
    """A `parity` subcommand: adds --debug, runs the body guarded, and exits with the code it returns."""

    def wrap(fn):
        @functools.wraps(fn)
        def run(debug, **kwargs):
            sys.exit(_guarded(lambda: fn(**kwargs), debug) or 0)

        run = click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")(run)
        return main.command(name)(run)

    return wrap


def _console(stderr=False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 120  # reports written to files and pipes keep a stable width
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def _write(option, path, content):
    """Write a report file; `-` is stdout. An unwritable path is the user's to fix: exit 2."""
    if not path:
        return
    if path == "-":
        click.echo(content if isinstance(content, str) else content.decode("utf-8"), nl=False)
        return
    try:
        with open(path, "wb") as f:
            f.write(content.encode("utf-8") if isinstance(content, str) else content)
    except OSError as err:
        raise ParityError(f"{option}: cannot write {path}: {err.strerror}.") from None


def _json_text(value):
    return json.dumps(value, indent=2, default=str) + "\n"


# --- options shared between commands ----------------------------------------------------------------

def _options(*decorators):
    """Several click options applied as one decorator, in the order written."""

    def apply(fn):
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


def _trust_lambda(trusted):
    if trusted:
        from .dialects.keras.saved import TRUST_LAMBDA

        token = TRUST_LAMBDA.set(True)
        click.get_current_context().call_on_close(lambda: TRUST_LAMBDA.reset(token))


def _trust_option(fn):
    def set_trust(ctx, param, trusted):
        _trust_lambda(trusted)
        return trusted

    return click.option("--trust-lambda", is_flag=True, expose_value=False, callback=set_trust,
                        help="Load a saved Keras model's Lambda layers, which run the file's own Python code "
                             "(refused otherwise).")(fn)


RUN_OPTIONS = _options(  # how a side trains: `check` and `record` mean the same by each
    click.option("--data", default=None, help="Samples: .npz/.h5 with x and y, an MNIST IDX folder, or random[:N]."),
    click.option("--samples", type=int, default=None, help="Use the first N samples (full batch)."),
    click.option("--steps", type=int, default=10, show_default=True, help="Training steps after the initial state."),
    click.option("--weights", default="seed:0", show_default=True,
                 help="zeros | seed[:N] | a | b (a and b: that side's own initialisation) | FILE: a checkpoint "
                      "(.caffemodel, .mat, .weights.h5, .keras, .h5, .pt/.pth, trace.h5[@STEP])."),
    click.option("--optimizer", type=click.Choice(["spec", "sgd"]), default="spec", show_default=True),
    click.option("--lr", type=float, default=0.01, show_default=True,
                 help="Learning rate for --optimizer sgd, and for an adapter's step."),
    click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True),
    click.option("--device", type=click.Choice(["auto", "cpu", "gpu"]), default="auto", show_default=True),
)

TOLERANCE_OPTIONS = _options(
    click.option("--rtol", type=float, default=None, help="Relative tolerance (default 1e-5 float32, 1e-10 float64)."),
    click.option("--atol", type=float, default=None, help="Absolute tolerance on the largest element difference."),
)

REPORT_OPTIONS = _options(  # what `check` and `diff` write besides the console report
    click.option("--json", "json_path", default=None, help="Write the JSON report here ('-' for stdout)."),
    click.option("--junit", "junit_path", default=None,
                 help="Also write a JUnit XML report: one testcase per compared quantity class."),
    click.option("--github/--no-github", default=None,
                 help="Print GitHub Actions annotations for the verdict (default: on when GITHUB_ACTIONS=true)."),
    click.option("--plot", "plot_path", default=None, help="Draw the loss curves and a relative-error heatmap (PNG)."),
    click.option("--html", "html_path", default=None, help="Write a self-contained HTML report (plots embedded)."),
)


def _set_option(side):
    return click.option(f"--{side}-set", f"{side}_set", multiple=True, metavar="NAME=VALUE",
                        help=f"An option for side {side.upper()}'s spec: a MatConvNet init function's vl_argparse "
                             "option, or a keyword argument of a Python spec's NAME(); values read as numbers, "
                             "true/false or text. Repeatable.")


def _reports(console, result, options, paths, inputs, started):
    """The console report and every file asked for, in one place for `check` and `diff`; `inputs` is
    (command, spec or trace A, spec or trace B)."""
    from .report.console import render_check

    title = "parity " + " ".join(inputs)

    render_check(console, result, options)
    _pictures(result, options, paths["plot_path"], paths["html_path"], title)
    if paths["json_path"]:
        from .report.json_report import to_dict

        _write("--json", paths["json_path"], _json_text(to_dict(result)))
    if paths["junit_path"]:
        from .report.junit import to_junit

        _write("--junit", paths["junit_path"], to_junit(result, title, time.monotonic() - started))
    github = paths["github"]
    if github is None:
        github = os.environ.get("GITHUB_ACTIONS") == "true"
    if github:
        from .report.github import annotations

        for line in annotations(result, inputs[1]):
            click.echo(line, err=paths["json_path"] == "-")
    return 0 if result.status == "parity" else 1


def _pictures(result, options, plot_path, html_path, title):
    """--plot (PNG) and --html (self-contained, the PNG embedded)."""
    if not plot_path and not html_path:
        return
    from .report.plots import render_png

    png = render_png(result, title=title)
    _write("--plot", plot_path, png)
    if html_path:
        from .report.html import render_html

        _write("--html", html_path, render_html(result, options, png, title))


# --- the commands -----------------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="parity")
def main():
    """Train two model specs side by side and report the first step and layer where they diverge, and why."""


@command()
@click.argument("spec_a")
@click.argument("spec_b")
@RUN_OPTIONS
@TOLERANCE_OPTIONS
@click.option("--a-input", default=None, help="Side A's input transform: raw, unit, scale=X, mean=X.")
@click.option("--b-input", default=None, help="Side B's input transform.")
@_set_option("a")
@_set_option("b")
@click.option("--a-replicas", type=int, default=1, show_default=True,
              help="Run side A data-parallel on N replicas (Keras MirroredStrategy, PyTorch DDP); N divides --samples.")
@click.option("--b-replicas", type=int, default=1, show_default=True, help="Run side B data-parallel on N replicas.")
@REPORT_OPTIONS
@click.option("--ablate", is_flag=True,
              help="Align each declared difference alone to the other side's value, rerun, rank them, and find the "
                   "smallest set that restores parity (sides that run from descriptions).")
@click.option("--ablate-budget", type=float, default=120.0, show_default=True, help="Seconds the ablation may take.")
@click.option("--timeout", type=float, default=None,
              help="Time budget in seconds for the whole check; when it runs out: exit 2, no verdict.")
@click.option("--micro-batch", type=int, default=None,
              help="Compute each full-batch step as exact sums over micro-batches of M samples (a full batch "
                   "larger than memory); refused for batch statistics; adapters get the whole batch.")
@click.option("--trace", "trace_path", default=None, help="Record every step of both sides to this HDF5 trace.")
@click.option("--trace-activations", is_flag=True, help="Record each stage's activations in the trace too (large).")
@_trust_option
def check(spec_a, spec_b, trace_path, trace_activations, json_path, junit_path, github, plot_path, html_path,
          **kwargs):
    """Train SPEC_A and SPEC_B from the same weights and report the first divergence."""
    from .check import Options, run_check

    started = time.monotonic()
    opts = Options(**kwargs)
    console = _console(stderr=json_path == "-")
    tracer = _tracer(trace_path, opts, trace_activations, (spec_a, spec_b))
    with _progress() as tick, _tracing(tracer):
        result = run_check(spec_a, spec_b, opts, tick, on_step=tracer)
        if tracer is not None:
            tracer.finish(result)
    paths = dict(json_path=json_path, junit_path=junit_path, github=github, plot_path=plot_path,
                 html_path=html_path)
    return _reports(console, result, opts, paths, ("check", spec_a, spec_b), started)


def _progress(text="training both sides"):
    from .report.progress import StepProgress

    return StepProgress(_console(stderr=True), text)


@command()
@click.argument("spec")
@click.option("--format", "fmt", type=click.Choice(["text", "toml"]), default="text", show_default=True,
              help="toml: the neutral description, runnable as a .toml spec.")
@click.option("--set", "spec_set", multiple=True, metavar="NAME=VALUE",
              help="An option for the spec, as check's --a-set. Repeatable.")
@_trust_option
def show(spec, fmt, spec_set):
    """Print SPEC as parity understands it, every framework default made explicit."""
    from . import dialects
    from .dialects import spec_options

    description = dialects.load(spec, spec_options.parse(spec_set, "--set")).description
    if fmt == "toml":
        from .description.toml_io import dumps

        click.echo(dumps(description), nl=False)
        return
    from .report.console import render_description

    render_description(_console(), description)


@command("diff-spec")
@click.argument("spec_a")
@click.argument("spec_b")
@click.option("--json", "json_path", default=None, help="Write the differences as JSON ('-' for stdout).")
@_trust_option
def diff_spec(spec_a, spec_b, json_path):
    """Compare two specs statically (no training). Exit 0 when they agree, 1 when they differ."""
    from . import dialects
    from .diagnose.spec_diff import differences
    from .report.console import render_differences

    diffs = differences(dialects.load(spec_a).description, dialects.load(spec_b).description)
    _write("--json", json_path, _json_text(diffs))
    if json_path != "-":
        console = _console()
        if diffs:
            render_differences(console, diffs, "Spec differences")
        else:
            console.print("no differences in what both specs declare")
    return 1 if diffs else 0


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


@command()
@click.argument("spec")
@click.option("--out", "out", required=True, help="The trace to write (.h5).")
@RUN_OPTIONS
@click.option("--input", "--a-input", "--b-input", "input_transform", default=None,
              help="The side's input transform: raw, unit, scale=X, mean=X.")
@click.option("--set", "--a-set", "--b-set", "spec_set", multiple=True, metavar="NAME=VALUE",
              help="An option for the spec, as check's --a-set. Repeatable.")
@click.option("--activations", "--trace-activations", "activations", is_flag=True,
              help="Record each stage's activations too (large).")
@_trust_option
def record(spec, out, input_transform, spec_set, activations, **kwargs):
    """Train SPEC alone, from the weights it would start from in `check`, and record every step to OUT."""
    from .check import Options
    from .trace.record import record as record_side

    opts = Options(**kwargs, a_input=input_transform, a_set=spec_set)
    console = _console()
    with _progress("recording") as tick:
        steps, stopped, side, inp, samples = record_side(spec, opts, out, activations, tick)
    console.print(f"recorded {side.path} ({side.dialect}): steps 0..{steps} to {out}; it sees "
                  f"{inp.describe(samples)}; {len(samples.y)} samples from {samples.source}; weights "
                  f"{opts.weights}; optimizer {opts.optimizer}; dtype {opts.dtype}")
    if stopped:
        console.print(f"[yellow]note: {stopped}[/]")


@command()
@click.argument("trace_a")
@click.argument("trace_b")
@TOLERANCE_OPTIONS
@REPORT_OPTIONS
def diff(trace_a, trace_b, rtol, atol, **paths):
    """Compare two recorded traces as `check` compares two runs: side A of TRACE_A (or its only side)
    against side B of TRACE_B (or its only side). `parity diff T.h5 T.h5` re-judges a check's trace."""
    from .trace.diff import diff_traces

    started = time.monotonic()
    result, options = diff_traces(trace_a, trace_b, rtol, atol)
    console = _console(stderr=paths["json_path"] == "-")
    return _reports(console, result, options, paths, ("diff", trace_a, trace_b), started)


@command("import-matlab")
@click.argument("folder")
@click.option("--out", "out", required=True, help="The trace to write (.h5).")
def import_matlab(folder, out):
    """Turn the folder written by parity_record_simplenn.m (MATLAB or GNU Octave) into a trace."""
    from .trace.matlab import import_folder

    steps, complete = import_folder(folder, out)
    _console().print(f"imported {folder}: steps 0..{steps - 1} to {out}"
                     + ("" if complete else " (the recording did not finish: the trace is marked incomplete)"))


@command()
@click.argument("code", required=False)
def explain(code):
    """Every cause code with a one-line summary; with CODE, what it means, the signature parity looks for,
    an example and the fix in each framework's terms."""
    from .report import explain as text

    click.echo(text.listing() if code is None else text.explain(code))
