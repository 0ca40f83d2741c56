"""GitHub Actions workflow commands for the verdict: an `::error` annotation on side A's spec for a
divergence (step, tensor, rel_error, the first cause and its fix), a `::notice` for parity.

Format: https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
("Setting an error message"): `::error file={name},title={title}::{message}`; in the message `%`,
CR and LF are escaped as %25, %0D, %0A, and in property values also `:` and `,` (%3A, %2C).
"""

from .junit import divergence_text


def _data(text):
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text):
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(result, spec_a):
    """The workflow-command lines for this result."""
    if result.status == "parity":
        return [f"::notice title={_property('parity')}::"
                + _data(f"PARITY over {result.steps_run} steps: every compared tensor agreed within tolerance.")]
    message = f"DIVERGED at {divergence_text(result)}"
    if result.causes:
        cause = result.causes[0]
        message += f"\n{cause.message}" + (f"\nfix: {cause.fix}" if cause.fix else "")
    path = spec_a.rpartition(":")[0] if ".py:" in spec_a else spec_a
    title = f"parity: diverged at step {result.first.step}" + (f" ({result.causes[0].code})" if result.causes else "")
    return [f"::error file={_property(path)},title={_property(title)}::{_data(message)}"]
