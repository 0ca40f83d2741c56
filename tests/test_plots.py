"""--plot, --html and the console sparklines, on story 1 (checked by structure, not pixels)."""

import base64
import re
import struct

import pytest
from conftest import STORY1

from parity.report.series import display, layer_name, per_layer

KERAS = STORY1 / "keras_mlp.py"
NUMPY = STORY1 / "numpy_net.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(data):
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def story1(tmp_path_factory):
    from click.testing import CliRunner

    from parity.cli import main

    out = tmp_path_factory.mktemp("story1")
    args = ["check", str(KERAS), str(NUMPY), "--weights", "zeros", "--samples", "256", "--steps", "4",
            "--plot", str(out / "story1.png"), "--html", str(out / "story1.html"), "--trace", str(out / "s1.h5")]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stdout, out


def test_png_for_story1(story1):
    code, _, out = story1
    assert code == 1
    data = (out / "story1.png").read_bytes()
    width, height = _png_size(data)
    assert width >= 800 and height >= 600 and len(data) > 20_000


def test_html_for_story1_is_self_contained(story1):
    _, _, out = story1
    page = (out / "story1.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "DIVERGED at step" in page
    assert "l2-convention" in page and "evidence:" in page and "fix:" in page  # the causes
    assert "Spec differences" in page and "Tensors at step" in page and "Relative error per layer" in page
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match, "no embedded PNG"
    _png_size(base64.b64decode(match.group(1)))
    assert not re.search(r'(src|href)="(?!data:)', page), "the page must not load anything from elsewhere"


def test_console_sparklines(story1):
    _, stdout, _ = story1
    assert "relative error per layer" in stdout
    lines = [line for line in stdout.splitlines() if line.startswith("  dense") or line.startswith("  loss")]
    assert len(lines) == 3
    assert all(re.search(r"[▁▂▃▄▅▆▇█]{5}", line) for line in lines), lines
    assert any("above tolerance from step" in line for line in lines)


def test_diff_draws_the_same_pictures(cli, story1, tmp_path):
    _, _, out = story1
    trace = out / "s1.h5"
    code, _, err = cli("diff", trace, trace, "--plot", tmp_path / "d.png", "--html", tmp_path / "d.html")
    assert code == 1, err
    _png_size((tmp_path / "d.png").read_bytes())
    assert "l2-convention" in (tmp_path / "d.html").read_text()


def test_diff_writes_the_junit_report_and_annotations_too(cli, story1, tmp_path):
    from test_ci_reports import validate_junit

    _, _, out = story1
    trace = out / "s1.h5"
    code, stdout, err = cli("diff", trace, trace, "--junit", tmp_path / "d.xml", "--github")
    assert code == 1, err
    root = validate_junit((tmp_path / "d.xml").read_text())
    assert {case.get("classname") for case in root.iter("testcase")} == {"parity.diff"}
    assert any(f.get("type") == "l2-convention" for f in root.iter("failure"))
    assert f"::error file={trace},title=parity%3A diverged at step" in stdout


def test_plot_write_error_exits_2(cli, story1, tmp_path):
    _, _, out = story1
    trace = out / "s1.h5"
    code, _, err = cli("diff", trace, trace, "--plot", tmp_path / "no" / "such" / "dir.png")
    assert code == 2 and "--plot: cannot write" in err


def test_series_helpers():
    assert display("loss loss (data)") == "loss (data)" and display("weight dense.kernel") == "weight dense.kernel"
    assert layer_name("gradient dense_1.kernel (data)") == "dense_1" and layer_name("loss loss") == "loss"
    history = [{("weight", 0, "kernel", ""): ("weight d.kernel", 0.0, 1e-5),
                ("loss", -1, None, ""): ("loss loss", 1e-7, 1e-5)},
               {("weight", 0, "kernel", ""): ("weight d.kernel", 1e-3, 1e-5),
                ("loss", -1, None, ""): ("loss loss", float("nan"), 1e-5)}]
    series = {name: (list(worst), list(over)) for name, worst, over in per_layer(history)}
    assert series["d"] == ([0.0, 1e-3], [False, True])
    assert series["loss"][0][1] == float("inf")  # NaN/Inf on a side
