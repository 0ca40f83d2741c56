"""The cause registry: every cause code of the contract with its summary, meaning, signature, example
and the fix in each framework's terms. The report, `parity explain`, docs/causes.md (and the README's
table) and the zoo all read it.

    from parity.diagnose import causes
    causes.info("l2-convention").summary
    causes.fix(causes.L2_CONVENTION, "keras", side="A", ...)
"""

from . import caffe, generic, keras, matconvnet, numpy, pytorch  # noqa: F401  (each registers its phrasing)
from .catalog import *  # noqa: F401,F403  (the code constants: L2_CONVENTION, ...)
from .registry import (  # noqa: F401
    ANY,
    CAUSES,
    FIX,
    FRAMEWORKS,
    NAMES,
    CauseInfo,
    UnknownCause,
    code,
    codes,
    example_fixes,
    fix,
    framework_of,
    has_phrase,
    info,
    note,
    side_fixes,
)
