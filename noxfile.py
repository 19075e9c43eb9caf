"""Development sessions: tests, lint, typecheck, build (the sample review), samples."""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
# System packages the tests need; installed with apt-get when missing (as root, on Debian).
SYSTEM_PACKAGES = {"soffice": ["libreoffice-calc-nogui"]}


def _system_packages(session: nox.Session, needs: dict[str, list[str]]) -> None:
    """Install the Debian packages providing the given commands, when they are missing."""
    missing = [pkg for cmd, pkgs in needs.items() if shutil.which(cmd) is None for pkg in pkgs]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        session.error(f"Please install these system packages first: {' '.join(missing)}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-q", external=True, env=env)
    session.run("apt-get", "install", "-y", "-q", "--no-install-recommends", *missing, external=True, env=env)


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Run the test suite (installs LibreOffice for the workbook-opening test)."""
    _system_packages(session, SYSTEM_PACKAGES)
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def build(session: nox.Session) -> None:
    """Check the sample review in inputs/ (the main job on the sample workspace)."""
    session.install(".")
    session.run("gcmreview", "check", ".")


@nox.session(python="3.11")
def samples(session: nox.Session) -> None:
    """Regenerate the sample workbooks in inputs/ from their JSON sources."""
    session.install(".")
    for source in sorted(os.listdir("inputs/sources")):
        if source.endswith(".json"):
            session.run("gcmreview", "import", f"inputs/sources/{source}", "--force")


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
