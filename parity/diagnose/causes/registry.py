"""The registry itself: cause codes with what they mean, and fix phrasing registered per framework.

A cause is registered once (`cause(...)`, in catalog.py); each framework registers how the fix for a
cause reads in its own terms (`phrase(...)`, in keras.py, pytorch.py, caffe.py, matconvnet.py,
numpy.py). The diagnosis asks `fix(code, framework, **values)` for a side's framework: no code
anywhere picks phrasing with `dialect == ...` branches. An unknown code fails loudly.
"""

from dataclasses import dataclass, field

from ...errors import UsageError

FRAMEWORKS = ("keras", "pytorch", "caffe", "matconvnet", "numpy")
NAMES = {"keras": "Keras", "pytorch": "PyTorch", "caffe": "Caffe", "matconvnet": "MatConvNet", "numpy": "NumPy"}
ANY = "any"  # phrasing that holds whatever the framework
FIX = "fix"  # the variant `parity explain` shows; others name the situation a signature found

# The framework a dialect's fix is phrased in (a Python adapter is a hand-written net, NumPy most often).
DIALECTS = {"keras": "keras", "python-adapter": "numpy", "caffe": "caffe", "matconvnet": "matconvnet",
            "pytorch": "pytorch", "torch": "pytorch"}


@dataclass(frozen=True)
class CauseInfo:
    code: str
    summary: str  # one line: the contract's gloss
    meaning: str  # what the cause is, in a paragraph
    signature: str  # what parity looks for in the numbers or the specs
    example: str  # a pair of specs that shows it
    detected: bool  # whether parity has a signature that names it yet (the contract lists it either way)
    facts: tuple = ()  # (framework, Fact from parity/frameworks/) the cause rests on
    values: dict = field(default_factory=dict)  # the example's numbers for the fix phrasing, per framework or "*"


CAUSES: dict[str, CauseInfo] = {}
PHRASES: dict[tuple[str, str, str], str] = {}  # (code, framework or "any", variant) -> template


class UnknownCause(UsageError):
    """A cause code the registry does not hold."""


def cause(code, summary, meaning, signature, example, *, detected=True, facts=(), values=None):
    if code in CAUSES:
        raise ValueError(f"cause code {code!r} is registered twice")
    CAUSES[code] = CauseInfo(code, summary, meaning, signature, example, detected, tuple(facts), values or {})
    return code


def phrase(framework, code, template, variant=FIX):
    """Register how `code`'s fix reads in `framework` (or ANY). `template` is str.format text over the
    values the signature passes (names in braces); a missing value raises KeyError, never a half text."""
    if framework not in FRAMEWORKS and framework != ANY:
        raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS} or {ANY!r}")
    info(code)
    key = (code, framework, variant)
    if key in PHRASES:
        raise ValueError(f"fix phrasing for {key} is registered twice")
    PHRASES[key] = template


def info(code):
    try:
        return CAUSES[code]
    except KeyError:
        raise UnknownCause(f"unknown cause code {code!r}; the known codes are: {', '.join(CAUSES)}.") from None


def code(name):
    """`name`, checked: the way diagnosis code spells a cause code."""
    return info(name).code


def codes():
    return list(CAUSES)


def framework_of(dialect):
    """The framework a side's fixes are phrased in; None for a dialect with no phrasing of its own."""
    return DIALECTS.get(dialect)


def has_phrase(code, framework, variant=FIX):
    return (info(code).code, framework, variant) in PHRASES


def fix(code, framework=None, variant=FIX, **values):
    """The fix for `code` in `framework`'s terms (ANY's phrasing when it has none), or None when
    neither is registered. `framework` may be a dialect name."""
    info(code)
    framework = DIALECTS.get(framework, framework)
    for fw in (framework, ANY):
        template = PHRASES.get((code, fw, variant))
        if template is not None:
            return template.format(**values)
    return None


def side_fixes(code, dialects, variant=FIX, join="; or ", **values):
    """The framework-specific fixes for each distinct framework among `dialects`, joined; None when
    no framework of these sides has its own phrasing."""
    seen, parts = [], []
    for dialect in dialects:
        fw = DIALECTS.get(dialect)
        if fw is None or fw in seen or (code, fw, variant) not in PHRASES:
            continue
        seen.append(fw)
        parts.append(PHRASES[(code, fw, variant)].format(**values))
    return join.join(parts) if parts else None


def example_fixes(code):
    """(framework or ANY, the fix filled with the example's values) for `parity explain`."""
    entry = info(code)
    out = []
    for fw in FRAMEWORKS + (ANY,):
        template = PHRASES.get((code, fw, FIX))
        if template is not None:
            out.append((fw, template.format(**{**entry.values.get("*", {}), **entry.values.get(fw, {})})))
    return out


def note(code, framework, variant, **values):
    """A framework's own phrasing of `variant`, or None: for wording that only some frameworks have (a
    default the file repeats), where fix() would fall back to ANY."""
    framework = DIALECTS.get(framework, framework)
    template = PHRASES.get((info(code).code, framework, variant))
    return None if template is None else template.format(**values)
