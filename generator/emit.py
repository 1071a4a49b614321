"""Run the language emitters and write their files: in memory first, then to disk at once.

Each emitter (`targets/<language>/`) returns `{relative path: text}`; nothing
touches the disk until every requested language has been generated, and then
each language directory is written beside its final place and moved into it,
so a failure never leaves a half-written package behind.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import TcgenError
from .model import Exchange, Method, Model, Service

log = logging.getLogger(__name__)

LANGUAGES = ("python", "go", "js")

Files = dict[str, str]


@dataclass(frozen=True)
class PackageOptions:
    """What a generated package is called and which version it carries.

    The defaults serve sources without a deployment.json; they are chosen not to
    clash with Taskcluster's own published packages.
    """

    deployment: str = "default"
    version: str = "1.0.0"
    python_distribution: str = "tc-generated-client"
    python_package: str = "tc_generated_client"
    go_module: str = "example.invalid/tc-generated-client/go"
    js_package: str = "tc-generated-client"


class Naming(Protocol):
    """How one language names what the model holds; the surface is built from it."""

    def client_class(self, service: Service) -> str:
        """Public name of the service's API client (Python `PurgeCache`, Go `purgecache.Client`)."""

    def events_class(self, service: Service) -> str:
        """Public name of the service's exchange helper."""

    def method(self, service: Service, method: Method) -> str:
        """Public name of an API method on the client."""

    def argument(self, name: str) -> str:
        """Name of a path argument as callers see it."""

    def query(self, name: str) -> str:
        """Name of a query parameter as callers pass it."""

    def exchange(self, service: Service, exchange: Exchange) -> str:
        """Public name of an exchange's helper method."""


class Target(Protocol):
    """One language emitter."""

    language: str
    naming: Naming

    def emit(self, model: Model, options: PackageOptions) -> Files:
        """Return every file of the package, keyed by path relative to the package root."""


def load_target(language: str) -> Target:
    """Import `targets.<language>` and return its TARGET."""
    if language not in LANGUAGES:
        raise TcgenError(
            f"unknown language {language!r}",
            hint=f"choose from: {', '.join(LANGUAGES)}",
        )
    module = importlib.import_module(f"targets.{language}")
    target: Target = module.TARGET
    return target


def generate(model: Model, options: PackageOptions, languages: tuple[str, ...]) -> dict[str, Files]:
    """Emit every requested language in memory."""
    trees: dict[str, Files] = {}
    for language in languages:
        files = load_target(language).emit(model, options)
        trees[language] = dict(sorted(files.items()))
        log.info("%s: %d files", language, len(files))
    return trees


def write_trees(trees: dict[str, Files], out: Path) -> None:
    """Write each language under `out/<language>`, replacing what was there whole."""
    out.mkdir(parents=True, exist_ok=True)
    for language, files in sorted(trees.items()):
        final = out / language
        staging = Path(tempfile.mkdtemp(prefix=f".{language}-", dir=out))
        try:
            for relative, text in files.items():
                path = staging / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8", newline="\n")
            os.chmod(staging, 0o755)
            _replace_directory(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _replace_directory(new: Path, final: Path) -> None:
    """Move `new` to `final`; the old `final` is removed only once the new one is in place."""
    if not final.exists():
        new.rename(final)
        return
    if not final.is_dir():
        raise TcgenError(
            f"{final} exists and is not a directory",
            hint="remove it or choose another --out",
        )
    old = final.with_name(f".{final.name}-old-{os.getpid()}")
    final.rename(old)
    new.rename(final)
    shutil.rmtree(old)
