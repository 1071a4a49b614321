"""Plan a release: for each deployment and language, the next version from the surface diff.

Every package lives at `clients/<deployment>/<language>/` in this repository,
is tagged `clients/<deployment>/<language>/v<version>` (the form Go requires
for a module in a subdirectory) and carries its surface as `tcgen-surface.json`,
so the last release's surface is read from the commit its tag points at.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import semver

from .config import DeploymentConfig
from .diff import Report, compare, shift_below_one
from .emit import LANGUAGES, PackageOptions, generate
from .errors import TcgenError
from .pipeline import load_model
from .source import parse_json
from .surface import build_surface, surface_json

log = logging.getLogger(__name__)

SURFACE_FILE = "tcgen-surface.json"
FIRST_VERSION = "1.0.0"


@dataclass(frozen=True)
class PlannedRelease:
    """One package's next release, or why there is none."""

    deployment: str
    language: str
    package: str
    old_version: str | None
    new_version: str | None
    bump: str
    tag: str | None
    report: Report

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "language": self.language,
            "package": self.package,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "bump": self.bump,
            "tag": self.tag,
            "changes": len(self.report.changes),
        }


def package_directory(deployment: str, language: str) -> str:
    return f"clients/{deployment}/{language}"


def tag_prefix(deployment: str, language: str) -> str:
    return f"{package_directory(deployment, language)}/v"


def package_name(options: PackageOptions, language: str, version: str) -> str:
    """Return the name users install: distribution, npm name, or Go module path with its /vN suffix."""
    if language == "python":
        return options.python_distribution
    if language == "js":
        return options.js_package
    return go_module_path(options.go_module, version)


def go_module_path(module: str, version: str) -> str:
    """Go's major-version rule: from v2 on the module path ends in /vN."""
    major = semver.Version.parse(version).major
    return f"{module}/v{major}" if major >= 2 else module


def open_repository(path: Path) -> git.Repo:
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise TcgenError(
            f"{path} is not inside a git repository",
            hint="run tcgen release from a clone of the repository that holds the release tags",
        ) from None


def latest_version(repo: git.Repo, prefix: str) -> tuple[str, str] | None:
    """(version, tag) of the highest tag `<prefix><semver>`, or None when there is none."""
    found: list[tuple[semver.Version, str]] = []
    for reference in repo.tags:
        if reference.name.startswith(prefix):
            try:
                found.append((semver.Version.parse(reference.name[len(prefix):]), reference.name))
            except ValueError:
                log.warning("ignoring tag %s: not a semantic version after %s", reference.name, prefix)
    if not found:
        return None
    newest, name = max(found)
    return str(newest), name


def released_surface(repo: git.Repo, tag: str, path: str) -> dict[str, Any]:
    """Read the surface file stored in the commit a release tag points at."""
    try:
        text = repo.git.show(f"{tag}:{path}")
    except git.GitCommandError:
        raise TcgenError(
            f"release tag {tag} has no {path}",
            document=tag,
            hint=f"the tagged commit must contain {path}; re-tag the release or delete the tag",
        ) from None
    surface: dict[str, Any] = parse_json(text, document=f"{tag}:{path}")
    return surface


def plan_package(repo: git.Repo, config: DeploymentConfig, language: str, surface: dict[str, Any]) -> PlannedRelease:
    """Compare one package's new surface with its last release and pick the next version."""
    prefix = tag_prefix(config.name, language)
    latest = latest_version(repo, prefix)
    if latest is None:
        report = compare({}, {language: surface})
        name = package_name(config.packages, language, FIRST_VERSION)
        return PlannedRelease(config.name, language, name, None, FIRST_VERSION, "initial",
                              prefix + FIRST_VERSION, report)
    old_version, tag = latest
    old_surface = released_surface(repo, tag, f"{package_directory(config.name, language)}/{SURFACE_FILE}")
    report = compare({language: old_surface}, {language: surface})
    bump = report.bump(language)
    if semver.Version.parse(old_version).major == 0:
        bump = shift_below_one(bump)
    if bump == "none":
        name = package_name(config.packages, language, old_version)
        return PlannedRelease(config.name, language, name, old_version, None, "none", None, report)
    new_version = str(semver.Version.parse(old_version).next_version(part=bump))
    name = package_name(config.packages, language, new_version)
    return PlannedRelease(config.name, language, name, old_version, new_version, bump, prefix + new_version, report)


def plan_deployment(repo: git.Repo, config: DeploymentConfig,
                    languages: tuple[str, ...] = LANGUAGES) -> tuple[list[PlannedRelease], dict[str, dict[str, str]]]:
    """Plan every language of one deployment and generate each package at its new version."""
    model = load_model(str(config.directory))
    plans: list[PlannedRelease] = []
    trees: dict[str, dict[str, str]] = {}
    for language in languages:
        surface = build_surface(model, language, config.packages)
        plan = plan_package(repo, config, language, surface)
        plans.append(plan)
        version = plan.new_version or plan.old_version or FIRST_VERSION
        options = dataclasses.replace(config.packages, version=version)
        files = generate(model, options, (language,))[language]
        files[SURFACE_FILE] = surface_json(surface)
        trees[language] = files
    return plans, trees


def render_plan(plans: list[PlannedRelease]) -> str:
    """Render the plan as a fixed-width table, one line per package."""
    header = ("deployment", "language", "package", "old", "new", "bump", "tag")
    rows = [header] + [
        (p.deployment, p.language, p.package, p.old_version or "-", p.new_version or "-", p.bump, p.tag or "-")
        for p in plans
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"
