"""Development sessions: tests, lint, typecheck, build (the sample review), samples."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
# Debian packages the build needs (WeasyPrint's Pango and HarfBuzz, fonts for every
# script a review may use, colour emoji) and those only the tests need (LibreOffice
# opens our workbooks and documents, pandoc reads our documents as another reader).
# Installed with apt-get when missing (as root).
BUILD_PACKAGES = [
    "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fontconfig",
    "fonts-noto-core", "fonts-dejavu-core", "fonts-noto-color-emoji",
]
TEST_PACKAGES = [*BUILD_PACKAGES, "libreoffice-calc-nogui", "libreoffice-writer-nogui", "poppler-utils", "chromium", "pandoc"]


def _installed(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False)
    return result.stdout.strip().endswith("installed")


def _system_packages(session: nox.Session, packages: list[str]) -> None:
    """Install the Debian packages that are missing."""
    if shutil.which("dpkg-query") is None:
        session.warn(f"Not a Debian system: make sure these are installed: {' '.join(packages)}")
        return
    missing = [pkg for pkg in packages if not _installed(pkg)]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        session.error(f"Please install these system packages first: {' '.join(missing)}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-q", external=True, env=env)
    session.run("apt-get", "install", "-y", "-q", "--no-install-recommends", *missing, external=True, env=env)


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Run the test suite (installs fonts, Pango and LibreOffice when missing)."""
    _system_packages(session, TEST_PACKAGES)
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def build(session: nox.Session) -> None:
    """Build the sample review in inputs/ into build/ (the main job on the sample workspace)."""
    _system_packages(session, BUILD_PACKAGES)
    session.install(".")
    session.run("gcmreview", "build", ".")


@nox.session(python="3.11")
def serve(session: nox.Session) -> None:
    """Serve the sample review as a web app on http://127.0.0.1:8765 (Ctrl+C to stop)."""
    _system_packages(session, BUILD_PACKAGES)
    session.install(".")
    session.run("gcmreview", "serve", ".", *session.posargs)


@nox.session(python="3.11")
def samples(session: nox.Session) -> None:
    """Regenerate the sample workbooks (inputs/, examples/*/inputs/) from their JSON sources."""
    session.install(".")
    for workspace in [".", *sorted(str(p.parent) for p in Path("examples").glob("*/inputs"))]:
        for source in sorted(Path(workspace, "inputs", "sources").glob("*.json")):
            session.run("gcmreview", "import", str(source), "-w", workspace, "--force")


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """Lint and format-check with ruff."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", "gcmreview", "tests", "noxfile.py")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "typecheck"))
    session.run("mypy", "gcmreview")


@nox.session(python="3.11")
def catalogs(session: nox.Session) -> None:
    """Refresh the translation template and catalogs in gcmreview/locale/."""
    session.install("-e", ".")
    session.run("python", "-m", "gcmreview.catalogs")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmark the pipeline on synthetic reviews of 1-300 contributors (not part of the tests)."""
    _system_packages(session, [*BUILD_PACKAGES, "libreoffice-writer-nogui"])
    session.install(".", "rich", "pyinstrument")
    session.run("python", "benchmarks/bench.py", *session.posargs)
