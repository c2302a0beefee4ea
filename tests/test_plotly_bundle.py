"""The plotly.js the book serves: a partial bundle (plotly-bundle/) of exactly the trace types the
figures use, of the version plotly.py targets, pinned by a lock file, loaded only where charts are."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from livingreview import load_studies
from livingreview.book import upstream
from livingreview.charts.model import CHARTS
from livingreview.charts.plotly_figure import plotly_figure
from livingreview.data.paths import ASSETS_DIR

from conftest import ROOT, require

BUNDLE_DIR = ROOT / "plotly-bundle"
SERVED = ASSETS_DIR / upstream.PLOTLY_JS


def header() -> dict:
    """What the bundle's header comment (written by plotly-bundle/build.mjs) says it holds."""
    head = SERVED.read_text(encoding="utf-8")[:600]
    version = re.search(r"\* plotly\.js \(partial - minified\) v([\d.]+)\n", head)
    traces = re.search(r"\* traces: ([a-z0-9, ]+)\n", head)
    assert version and traces, f"{SERVED} has no partial-bundle header: rebuild it (plotly-bundle/README.md)"
    return {"version": version.group(1), "traces": set(traces.group(1).split(", "))}


def figure_trace_types(df) -> set[str]:
    return {trace["type"] for spec in CHARTS.values() for trace in plotly_figure(spec.build(df))["data"]}


def test_bundle_holds_exactly_the_figures_trace_types():
    """Every trace type a figure draws is in the bundle (else a chart fails to draw), and nothing
    else is (else readers download code no chart runs). Taken from the figures made from the data,
    from none of its rows and from one (a page of a filtered subset draws those)."""
    studies = load_studies()
    used = figure_trace_types(studies) | figure_trace_types(studies.iloc[:0]) | figure_trace_types(studies.iloc[:1])
    assert header()["traces"] == used, (
        f"the figures draw {sorted(used)}: set config.traces in plotly-bundle/package.json to that "
        "and run `npm ci && npm run build` there"
    )
    config = json.loads((BUNDLE_DIR / "package.json").read_text())["config"]
    assert set(config["traces"]) == used
    assert ASSETS_DIR / "vendor" / config["output"] == SERVED


def test_bundle_is_the_plotly_js_plotly_py_targets_and_the_lock_file_pins():
    import plotly

    bundled = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:400]
    target = re.search(r"plotly\.js v([\d.]+)", bundled).group(1)
    assert header()["version"] == target, f"plotly.py targets plotly.js {target}: rebuild plotly-bundle/ with it"
    package = json.loads((BUNDLE_DIR / "package.json").read_text())
    assert package["devDependencies"]["plotly.js"] == target  # exact, not a range
    lock = json.loads((BUNDLE_DIR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/plotly.js"]["version"] == target
    assert lock["packages"][""]["devDependencies"]["plotly.js"] == target
    assert "MIT" in (ASSETS_DIR / "vendor" / "LICENSE-plotly.js.txt").read_text()


def test_only_the_partial_bundle_is_vendored():
    """One plotly.js in the book, the one figures.js fetches."""
    scripts = sorted(p.name for p in (ASSETS_DIR / "vendor").glob("*.js"))
    assert scripts == [SERVED.name]
    assert upstream.PLOTLY_JS in (ASSETS_DIR / "figures.js").read_text()


def test_rebuild_is_byte_identical(tmp_path):
    """The committed bundle is what plotly-bundle/build.mjs makes from the locked packages."""
    # Needs node and `npm ci` in plotly-bundle/ (175 MB, from the npm registry), which the book and
    # the other tests do not: it runs where they are installed, and must where this is set.
    strict = "LIVINGREVIEW_REQUIRE_PLOTLY_BUNDLE"
    node = shutil.which("node")
    require(node is not None, "node is not installed", strict_env=strict)
    installed = (BUNDLE_DIR / "node_modules" / "plotly.js").is_dir()
    require(installed, "run `npm ci` in plotly-bundle/ first", strict_env=strict)
    result = subprocess.run([node, "build.mjs", str(tmp_path)], cwd=BUNDLE_DIR, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / SERVED.name).read_bytes() == SERVED.read_bytes()


@pytest.mark.book
@pytest.mark.browser
def test_pages_load_plotly_js_only_where_charts_are(browser, built_book):
    """In the browser: a page with charts fetches the partial bundle, whose registered trace types
    are the header's (plus scatter, part of plotly.js core); a page without charts fetches none."""
    for name, charts in (("analysis", True), ("index", False), ("studies", False), ("methods", False)):
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        requested: list[str] = []
        page.on("request", lambda r, requested=requested: requested.append(r.url))
        page.goto((built_book / "book" / f"{name}.html").as_uri(), wait_until="load")
        plotly = [url for url in requested if "plotly" in url.rsplit("/", 1)[-1]]
        if charts:
            page.locator(".lr-figure").first.scroll_into_view_if_needed()
            page.wait_for_function("window.Plotly && document.querySelector('.lr-figure .main-svg')", timeout=20000)
            plotly = [url for url in requested if "plotly" in url.rsplit("/", 1)[-1]]
            # Downloaded ahead (a prefetch), then run: the one partial bundle, from the book itself.
            assert set(plotly) == {(built_book / "_static" / "lr" / upstream.PLOTLY_JS).as_uri()}
            registered = set(page.evaluate("Object.keys(Plotly.PlotSchema.get().traces)"))
            assert registered == header()["traces"] | {"scatter"}
        else:
            page.wait_for_timeout(300)
            assert plotly == [], name
            assert page.evaluate("typeof window.Plotly") == "undefined"
        page.close()
