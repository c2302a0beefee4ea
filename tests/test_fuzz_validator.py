"""Property tests: whatever bytes a contributor's editor saves, `python -m livingreview validate`
ends with exit 0, 1 or 2 and a message a person can act on: never a traceback, never a hang.

Most examples run in-process through livingreview.cli.main (fast); the CLI catches any exception
as "internal error", so that text counts as a failure too, and the library call underneath
(livingreview.data.validation.validate) may raise DataFileError only. A few run as real subprocesses.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from livingreview.cli import main  # noqa: E402
from livingreview.data.schema import expected_columns  # noqa: E402
from livingreview.data.validation import MAX_BYTES, DataFileError, validate  # noqa: E402

from conftest import FIXTURES, ROOT  # noqa: E402

VALID = (ROOT / "data" / "studies.csv").read_bytes()
SMALL_VALID = (FIXTURES / "valid.csv").read_bytes()
#: A wall-clock bound per input: the validator reads at most MAX_BYTES, so anything slower hangs.
SECONDS = 30

FUZZ = settings(
    max_examples=int(os.environ.get("LR_FUZZ_EXAMPLES", "60")),
    deadline=timedelta(seconds=SECONDS),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    derandomize=bool(os.environ.get("CI")),  # reproducible in CI, exploring on a laptop
)


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int):
    """Fail (rather than hang the suite) when the validator runs longer than `seconds`."""

    def expire(signum, frame):
        raise Hang(f"the validator ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_outcome(path: Path, code: int, out: str, err: str, shown: str | None = None, *, github: bool = False) -> None:
    """The CLI's contract: exit 0/1/2, a message, one line per problem, never a traceback."""
    shown = shown or str(path)
    both = out + err
    assert "Traceback" not in both, both[-3000:]
    assert "internal error" not in both, f"the CLI caught a bug of ours: {both[-2000:]}"
    assert code in (0, 1, 2), (code, both[-2000:])
    if code == 0:
        assert out.startswith(f"{shown}: valid: "), out
        assert out.count("\n") == 1, out
        return
    if github:
        # Workflow commands: one ::error line per problem on stdout, nothing else there. The
        # runner splits stdout at line feeds only, so other control characters may stay raw.
        annotations = out.split("\n")[:-1] if out.endswith("\n") else out.split("\n")
        assert annotations, f"exit {code} without an annotation"
        for line in annotations:
            assert re.fullmatch(r"::error file=[^,:\r\n]+(,line=\d+)?,title=[^:\r\n]*::[^\r\n]+", line), line[:300]
        if code == 2:
            assert len(annotations) == 1, out[:2000]
        return
    if code == 1:
        lines = err.splitlines()
        assert len(lines) >= 2, err
        assert re.fullmatch(rf"{re.escape(shown)}: [\d,]+ problems? found; nothing was changed", lines[-1]), lines[-1]
        problem = re.compile(rf"{re.escape(shown)}:\d+: column '.*': \S.*")
        for line in lines[:-1]:
            assert problem.fullmatch(line), f"not one problem per line: {line[:300]!r}\n(all: {err[:2000]!r})"
    else:
        assert err.strip(), "exit 2 without a message"
        assert err.count("\n") == 1, f"exit 2 must print one line: {err[:2000]!r}"
        assert err.startswith(shown), err


def run_in_process(data: bytes, *extra: str) -> tuple[int, str, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "studies.csv"
        path.write_bytes(data)
        # The library underneath: only DataFileError may escape it, nothing else.
        with time_limit(SECONDS):
            try:
                validate(path)
            except DataFileError as exc:
                assert str(exc) and "\n" not in str(exc), repr(str(exc))
        out, err = io.StringIO(), io.StringIO()
        with time_limit(SECONDS), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path), *extra])
        check_outcome(path, code, out.getvalue(), err.getvalue(), github="github" in extra)
        if "--format" not in extra:
            # The github format carries the same verdict, one ::error line per problem.
            out2, err2 = io.StringIO(), io.StringIO()
            with time_limit(SECONDS), contextlib.redirect_stdout(out2), contextlib.redirect_stderr(err2):
                code2 = main(["validate", str(path), "--format", "github"])
            assert code2 == code
            check_outcome(path, code2, out2.getvalue(), err2.getvalue(), github=True)
        return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------------------------
# Strategies: random bytes, and mutations of the real table


def _split(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _join(records: list[list[str]], line_end: str = "\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=line_end).writerows(records)
    return out.getvalue().encode("utf-8")


cell_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(list(',;"\r\n\t\x00\ufeff \u2028')),
    max_size=40,
)


@st.composite
def mutated_table(draw):
    """The shipped table (or the small fixture) after 1-4 random edits of the kinds people make."""
    records = _split(draw(st.sampled_from([VALID, SMALL_VALID])))
    raw_edits = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                [
                    "shuffle-columns",
                    "delete-column",
                    "duplicate-column",
                    "rename-column",
                    "random-cell",
                    "huge-field",
                    "many-columns",
                    "delete-rows",
                    "duplicate-row",
                    "short-row",
                    "long-row",
                    "empty-cells",
                    "whitespace-cells",
                    "raw-quote",
                    "truncate",
                    "bom",
                    "nul",
                    "line-ends",
                    "encoding",
                    "blank-lines",
                    "trailing-garbage",
                ]
            )
        )
        width = len(records[0]) if records and records[0] else 1
        if kind == "shuffle-columns" and records:
            order = draw(st.permutations(range(width)))
            records = [[r[i] if i < len(r) else "" for i in order] for r in records]
        elif kind == "delete-column" and records:
            i = draw(st.integers(0, width - 1))
            records = [r[:i] + r[i + 1 :] for r in records]
        elif kind == "duplicate-column" and records:
            i = draw(st.integers(0, width - 1))
            records = [r + [r[i] if i < len(r) else ""] for r in records]
        elif kind == "rename-column" and records:
            i = draw(st.integers(0, width - 1))
            records[0] = list(records[0])
            if i < len(records[0]):
                records[0][i] = draw(cell_text)
        elif kind == "random-cell" and len(records) > 1:
            r = draw(st.integers(0, len(records) - 1))
            if records[r]:
                c = draw(st.integers(0, len(records[r]) - 1))
                records[r] = list(records[r])
                records[r][c] = draw(
                    cell_text
                    | st.sampled_from(
                        [
                            "2025",
                            "-1",
                            "0",
                            "99999999999999999999",
                            "1e3",
                            "2025.0",
                            "NaN",
                            "2026-02-30",
                            "10.1/x",
                            "https://",
                            "http://x",
                            "a;;b",
                            ";",
                            "gan;gan",
                            " gan ",
                            "GAN",
                            "None",
                            "null",
                        ]
                    )
                )
        elif kind == "huge-field" and len(records) > 1:
            r = draw(st.integers(1, len(records) - 1))
            records[r] = list(records[r])
            c = draw(st.integers(0, len(records[r]) - 1)) if records[r] else 0
            if records[r]:
                records[r][c] = draw(st.sampled_from(["x", "é", '"', ",", "\n", "<"])) * draw(
                    st.integers(10_000, 300_000)
                )
        elif kind == "many-columns" and records:
            extra = draw(st.integers(50, 3000))
            records = [list(r) + [f"c{i}" if n == 0 else "" for i in range(extra)] for n, r in enumerate(records)]
        elif kind == "delete-rows" and len(records) > 1:
            keep = draw(st.lists(st.booleans(), min_size=len(records) - 1, max_size=len(records) - 1))
            records = [records[0]] + [r for r, k in zip(records[1:], keep) if k]
        elif kind == "duplicate-row" and len(records) > 1:
            r = draw(st.integers(1, len(records) - 1))
            records.insert(r, list(records[r]))
        elif kind == "short-row" and len(records) > 1:
            r = draw(st.integers(1, len(records) - 1))
            records[r] = records[r][: draw(st.integers(0, max(0, len(records[r]) - 1)))]
        elif kind == "long-row" and len(records) > 1:
            r = draw(st.integers(1, len(records) - 1))
            records[r] = list(records[r]) + draw(st.lists(cell_text, min_size=1, max_size=5))
        elif kind == "empty-cells" and len(records) > 1:
            r = draw(st.integers(1, len(records) - 1))
            records[r] = ["" for _ in records[r]]
        elif kind == "whitespace-cells" and len(records) > 1:
            r = draw(st.integers(1, len(records) - 1))
            records[r] = [f" {c}\t" for c in records[r]]
        else:
            raw_edits.append(kind)
    line_end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    data = _join(records, line_end)
    for kind in raw_edits:
        if kind == "raw-quote" and data:
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.sampled_from([b'"', b'""', b'"""', b'\\"', b"'"])) + data[at:]
        elif kind == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        elif kind == "bom":
            data = (
                draw(st.sampled_from([b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])) + data
            )
        elif kind == "nul":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + b"\x00" + data[at:]
        elif kind == "line-ends":
            pieces = data.split(b"\n")
            rnd = draw(st.randoms(use_true_random=False))
            ends = [rnd.choice([b"\n", b"\r\n", b"\r", b"\n\r", b"\r\r\n"]) for _ in pieces[1:]]
            data = b"".join(p + e for p, e in zip(pieces, ends + [b""]))
        elif kind == "encoding":
            text = data.decode("utf-8", errors="replace")
            data = text.encode(
                draw(st.sampled_from(["latin-1", "utf-16", "utf-16-le", "cp1252", "utf-32"])), errors="replace"
            )
        elif kind == "blank-lines":
            data = data.replace(
                b"\n", b"\n" + draw(st.sampled_from([b"\n", b" \n", b",,,\n", b"\t\n"])), draw(st.integers(1, 5))
            )
        elif kind == "trailing-garbage":
            data += draw(st.binary(min_size=1, max_size=200))
    return data


@st.composite
def random_table(draw):
    """A CSV written by csv.writer: a header of real and invented names, rows of random cells."""
    names = expected_columns()
    header = draw(st.lists(st.sampled_from(names) | cell_text, min_size=0, max_size=30))
    rows = draw(st.lists(st.lists(cell_text, max_size=30), max_size=8))
    return _join([header, *rows], draw(st.sampled_from(["\n", "\r\n"])))


# --------------------------------------------------------------------------------------------
# Properties


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    """Import frictionless and read the schema once, so the first example's deadline is fair."""
    run_in_process(SMALL_VALID)


@FUZZ
@given(st.binary(max_size=4096))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\x00")
@example(b'"')
@example(b"\r")
@example(b"id\n")
@example(b"id,id,id\n,,\n")
@example(SMALL_VALID[:-1] + b'"')
def test_random_bytes(data):
    run_in_process(data)


@FUZZ
@given(mutated_table())
def test_mutated_tables(data):
    run_in_process(data)


@FUZZ
@given(random_table())
def test_random_tables(data):
    run_in_process(data)


@settings(FUZZ, max_examples=40)
@given(mutated_table())
def test_mutated_tables_github_format(data):
    run_in_process(data, "--format", "github")


def test_unchanged_valid_table_stays_valid():
    code, out, _ = run_in_process(VALID)
    assert code == 0 and ": valid: " in out


# --------------------------------------------------------------------------------------------
# The size guard: a huge file is refused before it is read


def test_file_over_the_limit_is_refused_quickly(tmp_path, capsys):
    path = tmp_path / "studies.csv"
    with open(path, "wb") as handle:
        handle.write(SMALL_VALID)
        handle.truncate(MAX_BYTES + 1)  # sparse: instant to create, no disk used
    started = time.monotonic()
    code = main(["validate", str(path)])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2
    assert "limit" in err and f"{MAX_BYTES // 2**20} MB" in err, err
    assert err.count("\n") == 1, err
    assert elapsed < 2, f"the size guard took {elapsed:.1f} s: the file was read before it was refused"


def test_file_at_the_limit_is_read_and_judged(tmp_path, capsys):
    """Exactly MAX_BYTES is allowed through the guard; a sparse tail of NULs is then not CSV."""
    path = tmp_path / "studies.csv"
    with open(path, "wb") as handle:
        handle.write(SMALL_VALID)
        handle.truncate(MAX_BYTES)
    with time_limit(SECONDS):
        code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "NUL" in err, err


def test_many_rows_below_the_limit_finish(tmp_path, capsys):
    """2,000 rows (a large living review) are checked well inside the time limit."""
    header, *rows = SMALL_VALID.decode("utf-8").splitlines()
    first = next(csv.reader([rows[0]]))
    records = [next(csv.reader([header]))]
    for n in range(2000):
        row = list(first)
        row[0] = f"study-{n}"
        records.append(row)
    path = tmp_path / "studies.csv"
    path.write_bytes(_join(records))
    started = time.monotonic()
    with time_limit(SECONDS * 4):
        code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    check_outcome(path, code, out, err)
    assert code == 0, err[:2000]
    assert time.monotonic() - started < SECONDS * 2


# --------------------------------------------------------------------------------------------
# A few real subprocesses: what a contributor's terminal shows


SUBPROCESS_CASES = {
    "random-bytes": bytes(range(256)) * 4,
    "bom-crlf": b"\xef\xbb\xbf" + VALID.replace(b"\n", b"\r\n"),
    "mixed-line-ends": VALID.replace(b"\n", b"\r", 3),
    "unclosed-quote": VALID + b'"never closed,\n',
    "nul": VALID[:100] + b"\x00" + VALID[100:],
    "utf16": VALID.decode("utf-8").encode("utf-16"),
    "shuffled-columns": _join([list(reversed(r)) for r in _split(VALID)]),
    "huge-field": VALID.replace(b"Bhatt", b"B" * 2_000_000, 1),
    "valid": VALID,
}


def validate_in_a_process(path: Path, *, timeout: float) -> subprocess.CompletedProcess:
    """`python -m livingreview validate PATH`, run from PATH's folder as a contributor would."""
    return subprocess.run(
        [sys.executable, "-m", "livingreview", "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=path.parent,
        timeout=timeout,
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SUBPROCESS_CASES))
def test_cli_subprocess(name, tmp_path):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(SUBPROCESS_CASES[name])
    try:
        result = validate_in_a_process(path, timeout=SECONDS * 4)
    except subprocess.TimeoutExpired:
        pytest.fail(f"validate hung on {name}")
    check_outcome(path, result.returncode, result.stdout, result.stderr, shown=f"{name}.csv")
    if name in ("valid", "shuffled-columns"):  # columns go by name
        assert result.returncode == 0, result.stderr[:1000]
    elif name in ("bom-crlf", "mixed-line-ends"):  # as a spreadsheet saves it: named with its fix
        assert result.returncode == 1 and "python -m livingreview normalise" in result.stderr, result.stderr[:1000]
    elif name == "huge-field":  # a 2 MB cell: read, or refused as a whole with one line
        assert result.returncode in (0, 2), result.stderr[:1000]
    else:
        assert result.returncode in (1, 2), (name, result.stdout[:500])


@pytest.mark.slow
def test_cli_subprocess_over_the_limit(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.truncate(MAX_BYTES + 1024)
    started = time.monotonic()
    result = validate_in_a_process(path, timeout=SECONDS * 2)
    assert result.returncode == 2
    assert result.stderr.startswith("huge.csv: the file is") and "limit" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < SECONDS
