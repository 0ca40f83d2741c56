"""What a running check is doing, on stderr: a transient bar on a terminal. Never on stdout, so
`--json -` output stays pure JSON."""


class StepProgress:
    """A context manager whose value, `tick(step, steps)`, advances a bar over the steps."""

    def __init__(self, console, text="training both sides"):
        self.console, self.text = console, text

    def __enter__(self):
        self.task = self.bar = None
        if not self.console.is_terminal:  # a pipe or a CI log: a live bar would only leave blank lines
            return self.tick
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(TextColumn(self.text), BarColumn(), MofNCompleteColumn(),
                            console=self.console, transient=True)
        self.bar.start()
        return self.tick

    def tick(self, step, steps):
        if self.bar is None:
            return
        if self.task is None:
            self.task = self.bar.add_task("steps", total=steps + 1)
        self.bar.update(self.task, completed=step + 1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
