"""Sessions for maintainers and CI: tests, lint, release."""

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True


def install_project(session: nox.Session) -> None:
    session.install("-e", ".[test]")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite, with TypeScript installed for the JS declaration checks."""
    install_project(session)
    session.run("npm", "ci", "--prefix", "tools", "--no-audit", "--no-fund", external=True)
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check the generator's own code with ruff and mypy."""
    install_project(session)
    session.run("ruff", "check", "generator", "targets", "tests", "benchmarks", "noxfile.py")
    session.run("mypy", "generator")


@nox.session
def release(session: nox.Session) -> None:
    """Plan the next release of every client (dry run); pass `-- --publish` to publish."""
    install_project(session)
    session.run("tcgen", "release", *session.posargs)


@nox.session
def benchmark(session: nox.Session) -> None:
    """Time generation of all three clients on the largest real references bundle."""
    install_project(session)
    session.run("python", "benchmarks/generate.py", *session.posargs)
