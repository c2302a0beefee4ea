"""The set-up says the truth.

- One Python version, the one the pinned packages need, in every place that states it.
- `make` on a too-old Python stops at once with one line, before any pip work.
- The book build prints no line twice (no per-page noise).
- Launch buttons open something that runs.
- Binder's build of this repository, reproduced as far as this machine can (no container engine):
  the Python version picked by repo2docker's own rules, requirements installed into a fresh venv
  of that Python, postBuild run, then the explorer rendered and the chapters opened and executed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from conftest import BUILD_OUTPUT, ROOT

RUNTIME_TXT = ROOT / "binder" / "runtime.txt"
REQUIREMENTS = ROOT / "requirements.txt"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")
BINDER_LINK = re.compile(r"https://mybinder\.org/v2/gh/[^\s\"'()<>]+")


# --- repo2docker's rules, as its source states them (jupyterhub/repo2docker, read 2026) ---

#: CondaBuildPack.major_pythons (repo2docker/buildpacks/conda/__init__.py): what a bare major
#: version means, and ["3"] the Python used when a repository names none: 3.10 since
#: jupyterhub/repo2docker#1219 ("Switch default python to 3.10").
R2D_MAJOR_PYTHONS = {"2": "2.7", "3": "3.10"}
#: Files that make a buildpack tried before PythonBuildPack take the repository (the order of
#: Repo2Docker.buildpacks in repo2docker/app.py: Docker, Julia, Nix, R, conda, Pipfile, Python).
R2D_EARLIER_BUILDPACK_FILES = [
    "Dockerfile",
    "Project.toml",
    "JuliaProject.toml",
    "REQUIRE",
    "default.nix",
    "environment.yml",
    "Pipfile",
    "Pipfile.lock",
]


@dataclass
class BinderPlan:
    """What repo2docker's Python buildpack does with a repository."""

    config_dir: Path
    python_version: str
    python_source: str
    requirements: Path | None
    install_package: bool
    post_build: Path | None


def repo2docker_plan(repo: Path) -> BinderPlan:
    # BuildPack.binder_dir (buildpacks/base.py): binder/ or .binder/ (never both), else the root.
    folders = [repo / name for name in ("binder", ".binder") if (repo / name).is_dir()]
    if len(folders) > 1:
        raise RuntimeError("binder/ and .binder/ are exclusive")
    config_dir = folders[0] if folders else repo
    for name in R2D_EARLIER_BUILDPACK_FILES:
        assert not (config_dir / name).exists(), f"{name} would make repo2docker use another buildpack"

    # BuildPack.runtime: runtime.txt is name-version, name-version-yyyy-mm-dd or name-yyyy-mm-dd.
    name = version = None
    runtime_txt = config_dir / "runtime.txt"
    if runtime_txt.exists():
        parts = runtime_txt.read_text().strip().split("-")
        if len(parts) not in (2, 4, 5) or not all(parts):
            raise ValueError(f"invalid runtime.txt: {runtime_txt.read_text()!r}")
        name = parts[0]
        version = parts[1] if len(parts) in (2, 5) else None
    assert name in (None, "python"), f"runtime.txt names {name!r}: repo2docker would not build Python"

    # PythonBuildPack.python_version (buildpacks/python/__init__.py).
    if name is None or version is None:
        python_version, source = R2D_MAJOR_PYTHONS["3"], "repo2docker's default"
    elif len(Version(version).release) <= 1:
        python_version, source = R2D_MAJOR_PYTHONS[version], "repo2docker's default for that major"
    else:
        python_version, source = version, str(runtime_txt.relative_to(repo))

    # Without a binder folder, pyproject.toml's requires-python must admit that version
    # (else RuntimeError "runtime.txt version not supported by pyproject.toml"), and a
    # pyproject.toml with [project] and [build-system] is also `pip install .`-ed after the
    # requirements (PythonBuildPack._is_python_package, jupyterhub/repo2docker#1444).
    install_package = False
    pyproject = repo / "pyproject.toml"
    if config_dir == repo and pyproject.exists():
        project = tomllib.loads(pyproject.read_text())
        requires = project.get("project", {}).get("requires-python")
        if requires and Version(python_version) not in SpecifierSet(requires):
            raise RuntimeError(f"runtime.txt version not supported by pyproject.toml ({requires})")
        install_package = "project" in project and "build-system" in project
    install_package = install_package or (config_dir == repo and (repo / "setup.py").exists())

    requirements = config_dir / "requirements.txt"
    post_build = config_dir / "postBuild"
    return BinderPlan(
        config_dir=config_dir,
        python_version=python_version,
        python_source=source,
        requirements=requirements if requirements.exists() else None,
        install_package=install_package,
        post_build=post_build if post_build.exists() else None,
    )


# --- What the pins need ---


def pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line, following `-r` includes."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            found.update(pins(path.parent / line[2:].strip()))
        elif match := PIN.match(line):
            found[match[1]] = match[2]
    return found


def python_needed_by_pins() -> tuple[Version, dict[str, SpecifierSet]]:
    """The oldest 3.x that every pinned distribution admits, from their own Requires-Python."""
    requires = {}
    for name, version in pins(DEV_REQUIREMENTS).items():
        dist = metadata.distribution(name)
        assert dist.version == version, f"{name}: installed {dist.version}, pinned {version}; run make"
        requires[name] = SpecifierSet(dist.metadata.get("Requires-Python") or "")
    admitted = [v for v in (Version(f"3.{minor}") for minor in range(30)) if all(v in s for s in requires.values())]
    assert admitted, f"no Python 3.x admitted by every pin: {requires}"
    return min(admitted), requires


def major_minor(text: str) -> str:
    return ".".join(text.split(".")[:2])


def test_binder_picks_the_python_the_pins_need():
    needed, requires = python_needed_by_pins()
    plan = repo2docker_plan(ROOT)
    assert plan.python_source == "binder/runtime.txt"
    assert Version(plan.python_version) == needed, (
        f"Binder would run Python {plan.python_version} ({plan.python_source}); the pins need {needed}: "
        + ", ".join(f"{n} {s}" for n, s in sorted(requires.items()) if Version(plan.python_version) not in s)
    )
    assert plan.requirements is not None
    # Binder installs the very requirements.txt that `make book` and CI install.
    assert pins(plan.requirements) == pins(REQUIREMENTS)
    assert not plan.install_package, "repo2docker would also `pip install .`, away from data/"


def test_every_place_states_the_same_python():
    needed, _ = python_needed_by_pins()
    version = str(needed)

    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    admitted = [v for v in (Version(f"3.{minor}") for minor in range(30)) if v in SpecifierSet(requires)]
    assert min(admitted) == needed, f"pyproject.toml requires-python {requires!r}; the pins need {version}"

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"## Quick start \(fresh machine: Python (\d+\.\d+)\+", readme) == [version]
    assert "`binder/runtime.txt`" in readme
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert re.findall(r"You need Python (\d+\.\d+) or newer", contributing) == [version]

    # The Makefile and .ci/run read binder/runtime.txt rather than repeat the number.
    assert "binder/runtime.txt" in (ROOT / "Makefile").read_text()
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert "binder/runtime.txt" in ci_run and 'make test PYTHON="$python"' in ci_run


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_run_the_binder_python(path):
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    env = workflow.get("env", {})
    versions = []
    for job in workflow["jobs"].values():
        image = (job.get("container") or {}).get("image", "")
        versions += re.findall(r"^python:(\d+\.\d+)", image)
        for step in job.get("steps", []):
            if "setup-python" in step.get("uses", ""):
                value = str(step["with"]["python-version"])
                value = re.sub(r"\$\{\{\s*env\.(\w+)\s*\}\}", lambda m: str(env[m[1]]), value)
                versions.append(value)
    runtime = repo2docker_plan(ROOT).python_version
    assert versions, f"{path.name} names no Python"
    assert {major_minor(v) for v in versions} == {runtime}


# --- make on an old Python ---

FAKE_OLD_PYTHON = """#!{real}
# Stands in for an old python3: answers version questions as Python 3.10.13 and records every call.
import sys

with open({log!r}, "a") as log:
    print(" ".join(sys.argv[1:]), file=log)
if sys.argv[1:2] != ["-c"]:
    sys.exit("the fake Python 3.10 was asked to do real work: " + " ".join(sys.argv[1:]))
sys.version_info = (3, 10, 13, "final", 0)
sys.version = "3.10.13 (main, Jan  1 2024, 00:00:00) [GCC 12.2.0]"
exec(sys.argv[2])
"""


def top_level_make_env() -> dict[str, str]:
    """The environment of `make` typed at a prompt: not a sub-make of `make test` (which would
    add "Entering directory" lines and pass on its flags)."""
    return {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEFILES"}}


def mini_checkout(path: Path) -> Path:
    """The files the Makefile's install rule reads, without a .venv."""
    for name in ["Makefile", "requirements.txt", "requirements-dev.txt", "pyproject.toml", "binder/runtime.txt"]:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, path / name)
    return path


def test_make_stops_at_once_on_an_old_python(tmp_path):
    checkout = mini_checkout(tmp_path / "checkout")
    calls = tmp_path / "calls.log"
    fake = tmp_path / "python3"
    fake.write_text(FAKE_OLD_PYTHON.format(real=sys.executable, log=str(calls)))
    fake.chmod(0o755)
    needed = repo2docker_plan(ROOT).python_version

    for target in ["book", "test", "validate"]:
        result = subprocess.run(
            ["make", target, f"PYTHON={fake}"],
            cwd=checkout,
            env=top_level_make_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        lines = (result.stdout + result.stderr).strip().splitlines()
        assert result.returncode != 0
        assert len(lines) == 1, lines
        assert f"Python {needed} or newer is needed" in lines[0] and "is Python 3.10.13" in lines[0]
        assert f"make PYTHON=python{needed}" in lines[0]
    assert not (checkout / ".venv").exists()
    # The fake was only ever asked its version: no venv, no pip.
    assert all(call.startswith("-c ") for call in calls.read_text().splitlines())

    missing = subprocess.run(
        ["make", "book", f"PYTHON={tmp_path / 'no-such-python'}"],
        cwd=checkout,
        env=top_level_make_env(),
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "no-such-python is not found" in missing.stderr


def test_make_plans_the_install_with_a_new_enough_python(tmp_path):
    checkout = mini_checkout(tmp_path / "checkout")
    result = subprocess.run(
        ["make", "-n", "book", f"PYTHON={sys.executable}"],
        cwd=checkout,
        env=top_level_make_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    plan = result.stdout
    assert f"{sys.executable} -m venv --clear .venv" in plan
    assert ".venv/bin/python -m pip install -r requirements-dev.txt" in plan
    # pip reports its progress: the long install is not run quietly.
    assert "install --quiet -r requirements-dev.txt" not in plan
    # A line per step, each numbered out of the same total.
    steps = set(re.findall(r"==> \[(\d+)/(\d+)\]", plan))
    total = len(steps)
    assert total >= 3 and steps == {(str(n), str(total)) for n in range(1, total + 1)}, steps


# --- A quiet build ---


@pytest.mark.book
def test_the_book_build_prints_no_line_twice(built_book):
    """Every executed page used to add the same ipykernel warning; any line printed twice is noise."""
    output = (built_book.parent.parent / BUILD_OUTPUT).read_text(encoding="utf-8")
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in output.splitlines()]
    worded = [line for line in lines if re.search(r"[A-Za-z]", line)]
    repeated = {line for line in worded if worded.count(line) > 1}
    assert not repeated, repeated
    assert "Kernel is running over TCP" not in output
    assert "Executed notebook" in output  # the pages did run


# --- Launch buttons ---


def binder_links(text: str) -> list[tuple[str, str]]:
    """(repository/branch part, urlpath) of every Binder launch link in an HTML or Markdown text."""
    links = []
    for url in BINDER_LINK.findall(text.replace("&amp;", "&")):
        parsed = urlparse(url)
        links.append((parsed.path.removeprefix("/v2/gh/"), parse_qs(parsed.query)["urlpath"][0]))
    return links


def expected_binder_repo() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    return urlparse(config["url"]).path.strip("/") + "/" + config.get("branch", "main")


def check_binder_target(repo_part: str, urlpath: str) -> Path:
    """The file a Binder link opens: in this repository, and of a kind Binder can run."""
    import jupytext
    from jupyter_client.kernelspec import find_kernel_specs

    assert repo_part == expected_binder_repo()
    interface, _, relative = urlpath.partition("/tree/") if "/tree/" in urlpath else urlpath.partition("/render/")
    target = ROOT / relative
    assert target.is_file(), f"{urlpath}: no {relative} in the repository"
    if interface == "voila":
        assert target.suffix == ".ipynb"  # Voila serves notebooks only
        assert "voila" in pins(REQUIREMENTS)
    else:
        assert interface == "lab", urlpath
        notebook = jupytext.read(target)
        kernel = notebook.metadata["kernelspec"]["name"]
        assert kernel in find_kernel_specs(), f"{relative}: kernel {kernel!r} is not installed"
        assert any(cell.cell_type == "code" for cell in notebook.cells), f"{relative} has no code to run"
        assert "jupytext" in pins(REQUIREMENTS)
    return target


@pytest.mark.book
def test_launch_buttons_open_notebooks_that_exist_and_run(built_book):
    targets = set()
    for page in built_book.rglob("*.html"):
        for repo_part, urlpath in binder_links(page.read_text(encoding="utf-8")):
            targets.add(check_binder_target(repo_part, urlpath))
    # Every executed chapter has one (the theme adds them to notebook pages only).
    notebooks = {p for p in (ROOT / "book").glob("*.md") if "kernelspec:" in p.read_text(encoding="utf-8")}
    assert notebooks <= targets
    assert ROOT / "book" / "explore.ipynb" in targets


def test_readme_binder_badge_opens_the_explorer_in_voila():
    links = binder_links((ROOT / "README.md").read_text(encoding="utf-8"))
    assert links, "no Binder badge in README.md"
    for repo_part, urlpath in links:
        assert urlpath == "voila/render/book/explore.ipynb"
        check_binder_target(repo_part, urlpath)


def test_binder_makes_markdown_open_as_notebooks(tmp_path):
    """binder/postBuild sets JupyterLab's default viewer for .md to jupytext's notebook."""
    plan = repo2docker_plan(ROOT)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path), PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "data")  # postBuild trusts the explorer there, not in ~/.local
    result = subprocess.run([str(plan.post_build)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    settings = json.loads((tmp_path / "labconfig" / "default_setting_overrides.json").read_text())
    viewers = settings["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["markdown"] == viewers["myst"] == "Jupytext Notebook"


# --- Binder's build, reproduced ---


def export_checkout(dest: Path) -> Path:
    """The files Binder would clone if this tree were pushed now: tracked and new, not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is gone
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 120) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8")


def run(command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def output_of(result: subprocess.CompletedProcess) -> str:
    return (result.stdout + result.stderr)[-5000:]


@pytest.mark.slow
def test_binder_build_reproduced(tmp_path):
    """As repo2docker builds this repository for Binder, minus the container (no Docker here).

    Not reproduced: the base conda environment (JupyterLab, Notebook) repo2docker installs first;
    pip's download cache is used where repo2docker passes --no-cache-dir (same packages, faster)."""
    repo = export_checkout(tmp_path / "repo")
    plan = repo2docker_plan(repo)
    python = shutil.which(f"python{plan.python_version}")
    if python is None:
        pytest.fail(
            f"Binder would run Python {plan.python_version} ({plan.python_source}); "
            f"python{plan.python_version} is not installed here, so its build cannot be reproduced"
        )
    env_dir = tmp_path / "env"
    created = run([python, "-m", "venv", str(env_dir)])
    assert created.returncode == 0, output_of(created)
    bin_dir = env_dir / "bin"
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "LIVINGREVIEW_DATA"}}
    env.update(
        PATH=f"{bin_dir}:{env['PATH']}",
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    version = run([bin_dir / "python", "-c", "import platform; print(platform.python_version())"], env=env)
    assert major_minor(version.stdout.strip()) == plan.python_version

    # repo2docker: `${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "<binder dir>/requirements.txt"`,
    # from the repository folder, then `pip install .` for a Python package, then postBuild.
    requirements = str(plan.requirements.relative_to(repo))
    installed = run([bin_dir / "pip", "install", "-r", requirements], cwd=repo, env=env, timeout=1200)
    assert installed.returncode == 0, output_of(installed)
    assert "Editable installation" not in installed.stdout + installed.stderr  # setuptools' banner
    if plan.install_package:
        package = run([bin_dir / "pip", "install", "."], cwd=repo, env=env, timeout=600)
        assert package.returncode == 0, output_of(package)
    if plan.post_build:
        post_build = run([plan.post_build], cwd=repo, env=env, timeout=300)
        assert post_build.returncode == 0, output_of(post_build)

    # The package a kernel imports reads this repository's data (kernels run in the notebook's folder).
    root = run(
        [bin_dir / "python", "-c", "import livingreview.data.paths as p; print(p.ROOT)"], cwd=repo / "book", env=env
    )
    assert root.returncode == 0, output_of(root)
    assert Path(root.stdout.strip()) == repo
    extensions = run([bin_dir / "jupyter", "server", "extension", "list"], cwd=repo, env=env)
    for name in ["voila", "jupyterlab_jupytext"]:
        assert re.search(rf"{name}\b.*enabled", output_of(extensions)), output_of(extensions)

    # Binder starts a Jupyter server in the repository and opens the link's urlpath.
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "server.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(
            [bin_dir / "jupyter", "server", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}"]
            + [f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"],
            cwd=repo,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)

        # The README badge and the explorer page: voila/render/book/explore.ipynb.
        status, page = get(f"{base}/voila/render/book/explore.ipynb?token={token}")
        assert status == 200
        assert "application/vnd.jupyter.widget-view+json" in page, page[-3000:]
        assert "Traceback" not in page and "application/vnd.jupyter.stderr" not in page, page[-3000:]

        # A chapter's launch button: JupyterLab asks the server for the .md as a notebook (jupytext).
        chapters = sorted(p for p in (repo / "book").glob("*.md") if "kernelspec:" in p.read_text(encoding="utf-8"))
        assert chapters
        for chapter in chapters:
            relative = chapter.relative_to(repo).as_posix()
            status, body = get(f"{base}/api/contents/{relative}?type=notebook&content=1&token={token}")
            model = json.loads(body)
            assert status == 200 and model["type"] == "notebook", relative
            assert model["content"]["metadata"]["kernelspec"]["name"] == "python3", relative
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    # ... and the notebook it opens runs, top to bottom, in this environment.
    execute = (
        "import sys, jupytext, nbclient\n"
        "for path in sys.argv[1:]:\n"
        "    nbclient.execute(jupytext.read(path), cwd='book')\n"
    )
    executed = run([bin_dir / "python", "-c", execute, *map(str, chapters)], cwd=repo, env=env, timeout=900)
    assert executed.returncode == 0, output_of(executed)


def test_the_pinned_jsonschema_keeps_the_validator_fast():
    """requirements.txt pins a jsonschema whose format-nongpl extra (asked for by Voilà's
    jupyter-events) does not pull in rfc3987-syntax: its import costs seconds in every process
    that validates data (see the comment beside the pin)."""
    import importlib.metadata

    extra = [
        requirement
        for requirement in importlib.metadata.requires("jsonschema") or []
        if "extra == 'format-nongpl'" in requirement.replace('"', "'")
    ]
    assert extra, "jsonschema no longer has a format-nongpl extra: revisit the pin in requirements.txt"
    assert not any(requirement.startswith("rfc3987-syntax") for requirement in extra), (
        f"jsonschema {importlib.metadata.version('jsonschema')} installs rfc3987-syntax with format-nongpl: "
        "pin the last version that does not (requirements.txt)"
    )
