"""Shared fixtures: the real Taskcluster reference bundles, their models and the stand-in deployment.

`bundle_path` is a session-scoped fixture parametrized over every bundle, so a test
(or a module-scoped fixture) that takes it runs once per Taskcluster release.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from generator.model import Model, build_model
from generator.source import Documents, load_source
from generator.standin import StandinDeployment
from generator.validate import validate

SPECS_ENVIRONMENT_VARIABLE = "TCGEN_SHARED_SPECS"
BUNDLE_PATTERN = "references-*.json"


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key from a bundle name such as references-106.0.0.json -> (106, 0, 0)."""
    return tuple(int(part) for part in re.findall(r"\d+", path.name))


def find_bundle_paths() -> list[Path]:
    """Return the reference bundles, oldest release first.

    They are read from ../shared/specs/taskcluster beside the repository, or from
    the directory in TCGEN_SHARED_SPECS when that one does not exist.
    """
    directory = Path(__file__).resolve().parents[2] / "shared/specs/taskcluster"
    if not directory.is_dir() and os.environ.get(SPECS_ENVIRONMENT_VARIABLE):
        directory = Path(os.environ[SPECS_ENVIRONMENT_VARIABLE])
    return sorted(directory.glob(BUNDLE_PATTERN), key=_version_key)


def _require_bundles() -> list[Path]:
    paths = find_bundle_paths()
    if not paths:
        pytest.fail(
            f"no {BUNDLE_PATTERN} found: put the Taskcluster reference bundles in "
            f"../shared/specs/taskcluster or set {SPECS_ENVIRONMENT_VARIABLE} to their directory",
            pytrace=False,
        )
    return paths


def _bundle_parameters() -> list[Path | None]:
    """Bundles to parametrize over; one None makes the tests fail with the fix if there are none."""
    paths: list[Path | None] = [*find_bundle_paths()]
    return paths or [None]


@pytest.fixture(scope="session")
def bundle_paths() -> list[Path]:
    """Every reference bundle, oldest release first."""
    return _require_bundles()


@pytest.fixture(
    scope="session",
    params=_bundle_parameters(),
    ids=lambda path: path.stem.removeprefix("references-") if path else "missing",
)
def bundle_path(request: pytest.FixtureRequest) -> Path:
    """One reference bundle; tests that use it run once per bundle."""
    if request.param is None:
        _require_bundles()
    path: Path = request.param
    return path


DEFAULT_DEPLOYMENT = Path(__file__).resolve().parents[1] / "specs" / "default"


@pytest.fixture(
    scope="session",
    params=[*find_bundle_paths(), DEFAULT_DEPLOYMENT],
    ids=lambda path: path.stem.removeprefix("references-"),
)
def client_source(request: pytest.FixtureRequest) -> Path:
    """A source clients are generated from: each real bundle, then the project's default deployment.

    The default deployment adds what the real references lack, such as names that
    are reserved words in a target language.
    """
    _require_bundles()
    path: Path = request.param
    return path


@pytest.fixture(scope="session")
def load_bundle_documents() -> Callable[[Path | str], Documents]:
    """Load a bundle's documents once per session."""
    cache: dict[str, Documents] = {}

    def load(path: Path | str) -> Documents:
        key = str(path)
        if key not in cache:
            cache[key] = load_source(key)
        return cache[key]

    return load


@pytest.fixture(scope="session")
def load_bundle_model(load_bundle_documents: Callable[[Path | str], Documents]) -> Callable[[Path | str], Model]:
    """Build a bundle's model once per session."""
    cache: dict[str, Model] = {}

    def load(path: Path | str) -> Model:
        key = str(path)
        if key not in cache:
            cache[key] = build_model(validate(load_bundle_documents(key)))
        return cache[key]

    return load


StandinFactory = Callable[..., StandinDeployment]


@pytest.fixture
def standin(
    load_bundle_documents: Callable[[Path | str], Documents],
    load_bundle_model: Callable[[Path | str], Model],
) -> Iterator[StandinFactory]:
    """Start stand-in deployments for source paths; each one stops at teardown.

    Call it as `standin(path)` or `standin(path, clients={"id": "token"})`; the
    default client is "tester" with access token "no-secret".
    """
    started: list[StandinDeployment] = []

    def start(path: Path | str, *, clients: Mapping[str, str] | None = None) -> StandinDeployment:
        deployment = StandinDeployment(load_bundle_documents(path), load_bundle_model(path), clients=clients)
        started.append(deployment.start())
        return deployment

    yield start
    for deployment in started:
        deployment.stop()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/golden/*/expected from the current generator",
    )
