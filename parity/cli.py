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

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


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
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def check(spec_a, spec_b, json_path, debug, **kwargs):
    """Train SPEC_A and SPEC_B from the same weights and report the first divergence."""
    from .runner import Options

    opts = Options(**kwargs)
    console = _console(stderr=json_path == "-")

    def run():
        from .runner import run_check

        with _progress(console) as tick:
            result = run_check(spec_a, spec_b, opts, tick)
        from .report.console import render_check

        render_check(console, result, opts)
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

    def __init__(self, console):
        self.console = console

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("training both sides"), BarColumn(), MofNCompleteColumn(),
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
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def show(spec, fmt, debug):
    """Print SPEC as parity understands it, every framework default made explicit."""

    def run():
        from . import dialects

        description = dialects.load(spec).description
        if fmt == "toml":
            from .spec.toml_io import dumps

            click.echo(dumps(description), nl=False)
            return
        from .report.console import render_description

        render_description(_console(), description)

    _guarded(run, debug)


@main.command("diff-spec")
@click.argument("spec_a")
@click.argument("spec_b")
@click.option("--json", "json_path", default=None, help="Write the differences as JSON ('-' for stdout).")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def diff_spec(spec_a, spec_b, json_path, debug):
    """Compare two specs statically (no training). Exit 0 when they agree, 1 when they differ."""

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
