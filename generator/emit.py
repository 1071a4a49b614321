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
    """Naming rules of one language: the public names the surface is built from."""

    def client_class(self, service: Service) -> str:
        """Public name of the service's API client (Python `PurgeCache`, Go `purgecache.PurgeCache`)."""

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
    """Write each language under `out/<language>`, replacing what was there whole.

    Every final path is checked and every language is written to a staging
    directory inside `out` before the first one is replaced. So a failure leaves
    the earlier contents of `out` as they were, though an `out` this call
    created may stay behind, empty.
    """
    finals = {language: out / language for language in sorted(trees)}
    _check_output_paths(out, list(finals.values()))
    _create_directory(out)
    staged: dict[Path, Path] = {}
    try:
        for language, files in sorted(trees.items()):
            staged[finals[language]] = _stage(language, files, out)
        _swap_all(staged)
    finally:
        for staging in staged.values():
            shutil.rmtree(staging, ignore_errors=True)


def _check_output_paths(out: Path, finals: list[Path]) -> None:
    """Raise if `out` exists but is not a directory, or an `out/<language>` is not a plain one."""
    for path in [out, *finals]:
        if path.exists() and not path.is_dir():
            problem = "exists and is not a directory"
        elif path != out and path.is_symlink():
            problem = "is a symbolic link, which tcgen does not replace"
        else:
            continue
        raise TcgenError(f"{path} {problem}", document=str(path), hint="remove it or choose another --out")


def _create_directory(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _write_error(out, error) from None


def _write_error(path: Path, error: OSError) -> TcgenError:
    return TcgenError(
        f"writing {path} failed: {error.strerror or error}",
        document=str(path),
        hint="check that --out names a directory you can write to, with no file in its path",
    )


def _stage(language: str, files: Files, out: Path) -> Path:
    """Write one language's files to a new directory inside `out` and return it."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{language}-", dir=out))
    except OSError as error:
        raise _write_error(out, error) from None
    try:
        for relative, text in files.items():
            _write_file(staging, relative, text)
        os.chmod(staging, 0o755)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _write_file(staging: Path, relative: str, text: str) -> None:
    path = staging / relative
    if not path.resolve().is_relative_to(staging.resolve()):
        raise TcgenError(f"generated file {relative!r} would be written outside its package directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    except UnicodeEncodeError as error:
        raise TcgenError(
            f"generated file {relative} contains text that is not valid Unicode ({error.reason})",
            hint="remove unpaired surrogate escapes (such as \\udfff) from the references",
        ) from None
    except OSError as error:
        raise _write_error(path, error) from None


def _swap_all(staged: dict[Path, Path]) -> None:
    """Move every staging directory to its final path; on failure, put back what was moved."""
    done: list[tuple[Path, Path, Path | None]] = []
    try:
        for final, staging in staged.items():
            old = _move_aside(final)
            try:
                staging.rename(final)
            except OSError:
                if old is not None:
                    old.rename(final)
                raise
            done.append((final, staging, old))
    except OSError as error:
        _put_back(done)
        raise _write_error(final, error) from None
    for _, _, old in done:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _move_aside(final: Path) -> Path | None:
    """Rename an existing `final` to a hidden name beside it and return that name."""
    if not final.exists():
        return None
    old = final.with_name(f".{final.name}-old-{os.getpid()}")
    final.rename(old)
    return old


def _put_back(done: list[tuple[Path, Path, Path | None]]) -> None:
    """Undo finished moves: each new directory goes back to staging, each old one to its place."""
    for final, staging, old in reversed(done):
        try:
            final.rename(staging)
            if old is not None:
                old.rename(final)
        except OSError as error:
            log.error("could not restore %s after a failed write: %s", final, error)
