"""What a running check is doing and about how long it will take, on stderr, never on stdout (so
`--json -` output stays pure JSON).

The library reports progress through one callable, `tick(done, total, phase=None)`: `done` of
`total` units (steps; ablation trials, where `total` may be None) of the named phase, which stays
current until another is named. On a terminal that is a transient bar with the phase, the count, the
time spent and the time left at the pace so far. Elsewhere (a pipe, a CI log) a live bar would only
leave blank lines, so each phase after the first, the long ones (the float64 rerun, the ablation),
gets one line saying what it does and about how long it will take, estimated from the pace of the
previous phase (timed from its first tick, so loading the specs and the data does not count).
"""

import time


class StepProgress:
    """A context manager whose value is the `tick` callable."""

    def __init__(self, console, text="training both sides"):
        self.console, self.first_phase = console, text
        self.phase = self.bar = self.task = None
        self.phase_started, self.ticks, self.pace = time.monotonic(), 0, None  # pace: seconds per unit

    def __enter__(self):
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                console=self.console, transient=True)
            self.bar.start()
        return self.tick

    def tick(self, done, total, phase=None):
        phase = phase or self.phase or self.first_phase
        if phase != self.phase:
            self._begin(phase, total)
        self.ticks += 1
        if self.bar is not None:
            self.bar.update(self.task, completed=done + 1 if total is not None else done,
                            total=total + 1 if total is not None else None)

    def _begin(self, phase, total):
        now = time.monotonic()
        if self.ticks > 1:
            self.pace = (now - self.phase_started) / (self.ticks - 1)
        self.phase, self.phase_started, self.ticks = phase, now, 0
        if self.bar is not None:
            if self.task is not None:
                self.bar.remove_task(self.task)
            self.task = self.bar.add_task(phase, total=total + 1 if total is not None else None)
        elif self.pace is not None or phase != self.first_phase:
            self.console.print(f"parity: {phase}{estimate(phase, total, self.pace)}", highlight=False,
                               soft_wrap=True, markup=False)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def estimate(phase, total, pace):
    """' (about 40 s)': a float64 rerun runs every step of each side twice (float32 and float64), so at
    about twice the first pass's pace per step; other phases say what bounds them in their own text."""
    if phase.startswith("float64 rerun") and pace is not None and total is not None:
        return f" (about {max(1, round(2 * pace * (total + 1)))} s for {total + 1} steps at {pace:.2g} s a step)"
    return ""
