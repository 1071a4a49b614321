"""A deployment's configuration: `specs/<name>/deployment.json`.

    {"name": "default", "rootUrl": "https://taskcluster.example.invalid",
     "packages": {"python": {"distribution": "tc-default-client", "package": "tc_default_client"},
                  "go": {"module": "example.invalid/clients/default/go"},
                  "js": {"name": "@example/default-client"}}}
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .emit import PackageOptions
from .errors import TcgenError, join_pointer
from .source import parse_json

CONFIG_FILE = "deployment.json"

# (section, key, attribute of PackageOptions, pattern the value must match)
PACKAGE_FIELDS = (
    ("python", "distribution", "python_distribution", r"[A-Za-z0-9][A-Za-z0-9._-]*"),
    ("python", "package", "python_package", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("go", "module", "go_module", r"[A-Za-z0-9.-]+(/[A-Za-z0-9._~-]+)+"),
    ("js", "name", "js_package", r"(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*"),
)


@dataclass(frozen=True)
class DeploymentConfig:
    """Name, root URL, directory and package names of one deployment under specs/."""

    name: str
    root_url: str
    directory: Path
    packages: PackageOptions


def read_config(directory: Path) -> DeploymentConfig:
    """Read `<directory>/deployment.json`, checking every field it sets."""
    path = directory / CONFIG_FILE
    if not path.is_file():
        raise TcgenError(
            f"no {CONFIG_FILE} in {directory}",
            document=str(directory),
            hint=f"add {CONFIG_FILE} with name, rootUrl and packages (see specs/README.md)",
        )
    data = parse_json(path.read_bytes(), document=str(path))
    if not isinstance(data, dict):
        raise TcgenError(
            "deployment config must be a JSON object",
            document=str(path),
            hint='write an object with name, rootUrl and packages, such as '
            '{"name": "default", "rootUrl": "https://tc.example.com", "packages": {}}',
        )
    name = _string(data, "name", path, "")
    root_url = _string(data, "rootUrl", path, "")
    options = PackageOptions(deployment=name)
    packages = _object(data, "packages", path)
    for section, key, attribute, pattern in PACKAGE_FIELDS:
        value = _object(packages, section, path, "packages").get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise TcgenError(
                f"invalid package name {value!r}",
                document=str(path),
                pointer=join_pointer("packages", section, key),
                hint=f"use a name matching {pattern}",
            )
        options = dataclasses.replace(options, **{attribute: value})
    return DeploymentConfig(name, root_url, directory, options)


def _object(data: dict[str, Any], key: str, path: Path, *parents: str) -> dict[str, Any]:
    """Return the object at data[key], or {} when the key is missing. Raise when it is not an object."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise TcgenError(
            f"'{key}' must be a JSON object",
            document=str(path),
            pointer=join_pointer(*parents, key),
            hint=f"set '{key}' to an object, or remove it (specs/README.md shows a full {CONFIG_FILE})",
        )
    return value


def _string(data: dict[str, Any], key: str, path: Path, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise TcgenError(
            f"'{key}' must be a non-empty string",
            document=str(path),
            pointer=join_pointer(key),
            hint=f"set '{key}' in {CONFIG_FILE}",
        )
    return value


def find_deployments(specs: Path, only: str | None = None) -> list[DeploymentConfig]:
    """Read every deployment under `specs/` (or just the one named), sorted by name."""
    if not specs.is_dir():
        raise TcgenError(f"specs directory {specs} not found", hint="run from the repository root or pass --specs")
    configs = [read_config(path.parent) for path in sorted(specs.glob(f"*/{CONFIG_FILE}"))]
    if only is not None:
        configs = [config for config in configs if config.name == only]
        if not configs:
            known = ", ".join(config.name for config in find_deployments(specs))
            raise TcgenError(
                f"no deployment named {only!r} under {specs}",
                hint=f"choose one of: {known}",
            )
    if not configs:
        raise TcgenError(f"no deployments under {specs}", hint=f"add specs/<name>/{CONFIG_FILE}")
    return configs
