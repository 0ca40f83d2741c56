"""The check as a JUnit XML report, for CI servers that show test results (Jenkins, GitLab, GitHub
test reporters, Azure): one <testsuite> per check, one <testcase> per compared quantity class.

A class's testcase fails when any of its tensors exceeded its tolerance at any compared step; the
class that holds the first divergence carries it in its message (step, tensor, rel_error, the first
cause's code) and the cause with its evidence and fix in its text. A class that was never compared
(every class but structure after a structural mismatch) is <skipped>. The layout follows the
Ant/Jenkins JUnit schema that these readers accept (testsuites > testsuite > testcase; failure with
message and type).
"""

import math
import socket
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from .numbers import error_text

QUANTITIES = ("structure", "weight", "activation", "loss", "gradient")  # the contract's causal order




def tensor_name(row):
    """'dense_1 / W2 (kernel)', 'objective (data)': what the row compares, in both sides' names."""
    where = " / ".join(n for n in (row.layer_a, row.layer_b) if n) or "objective"
    detail = ", ".join(x for x in (row.param, row.term) if x)
    return where + (f" ({detail})" if detail else "")


def divergence_text(result):
    """'step 1: loss objective, rel_error 1.59e-05 (tolerance 1e-05); first cause: l2-convention'."""
    first = result.first
    text = (f"step {first.step}: {first.quantity} {tensor_name(first)}, rel_error {error_text(first.rel_error)}"
            + (f" (tolerance {error_text(first.tolerance)})" if first.rel_error is not None else ""))
    cause = result.causes[0].code if result.causes else "none matched"
    return f"{text}; first cause: {cause}"


def _exceedances(history):
    """{quantity: (compared tensor-steps, first exceedance (step, label, rel_error, tolerance) or None)}."""
    seen = {}
    for step, rows in enumerate(history):
        for ident, (label, err, tol) in rows.items():
            count, first = seen.get(ident[0], (0, None))
            over = err is None or (isinstance(err, float) and math.isnan(err)) or err > tol
            if over and first is None:
                first = (step, label, err, tol)
            seen[ident[0]] = (count + 1, first)
    return seen


def to_junit(result, title, seconds=0.0, properties=None):
    """The report as JUnit XML text."""
    structural = result.first is not None and result.first.quantity == "structure"
    seen = _exceedances(result.history)
    classname = ".".join(title.split()[:2])  # 'parity.check' from 'parity check A B': readers split at dots
    suite = ET.Element("testsuite", name=title, timestamp=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                       hostname=socket.gethostname() or "localhost", time=f"{seconds:.3f}")
    props = ET.SubElement(suite, "properties")
    for key, value in {"status": result.status, "steps_run": result.steps_run, **(properties or {})}.items():
        ET.SubElement(props, "property", name=str(key), value=str(value))
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    for quantity in QUANTITIES:
        case = ET.SubElement(suite, "testcase", classname=classname, name=quantity, time="0")
        counts["tests"] += 1
        compared, exceeded = seen.get(quantity, (0, None))
        if quantity == "structure":
            compared = 1
        if result.first is not None and result.first.quantity == quantity:
            _failure(case, divergence_text(result), result)
        elif quantity == "structure" or compared and exceeded is None:
            ET.SubElement(case, "system-out").text = f"{compared} tensor comparisons within tolerance"
            continue
        elif compared:
            step, label, err, tol = exceeded
            ET.SubElement(case, "failure", type="after-first-divergence",
                          message=f"step {step}: {label}, rel_error {error_text(err)} (tolerance {error_text(tol)}); "
                                  f"after the first divergence ({divergence_text(result)})")
        else:
            why = "the structures differ, so nothing was trained" if structural else "neither side exposes it"
            ET.SubElement(case, "skipped", message=f"not compared: {why}")
            counts["skipped"] += 1
            continue
        counts["failures"] += 1
    for key, value in {**counts, "errors": 0}.items():
        suite.set(key, str(value))
    root = ET.Element("testsuites", name="parity", time=suite.get("time"),
                      **{k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")})
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _failure(case, message, result):
    cause = result.causes[0] if result.causes else None
    failure = ET.SubElement(case, "failure", message=message, type=cause.code if cause else "diverged")
    if cause is None:
        failure.text = "No known signature matched the first divergence."
        return
    failure.text = "\n".join(line for line in (
        f"cause: {cause.code}: {cause.message}", f"evidence: {cause.evidence}",
        f"fix: {cause.fix}" if cause.fix else "") if line)
