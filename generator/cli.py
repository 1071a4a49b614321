"""The `tcgen` command: generate, model, diff, release, snapshot, serve."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import re
import shutil
import sys
import tempfile
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

import semver

from . import __version__
from .config import find_deployments, read_config
from .diff import compare
from .emit import LANGUAGES, PackageOptions, generate, write_trees
from .errors import TcgenError
from .model import build_model
from .pipeline import load_model
from .report import FORMATS, render
from .source import Documents, environment_timeout, load_source, write_directory
from .surface import build_surface
from .validate import validate

log = logging.getLogger("tcgen")

EXIT_BAD_INPUT = 2
# PEP 440 accepts these SemVer pre-release forms, so they can go into a Python package's metadata.
PYTHON_PRERELEASE = re.compile(r"(a|alpha|b|beta|c|rc|pre|preview)([.-]?\d+)?", re.IGNORECASE)
SOURCE_HELP = "root URL (http:// or https://), deployment directory, or references bundle file"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="tcgen: %(message)s",
        stream=sys.stderr,
    )
    try:
        result: int = args.run(args)
        return result
    except TcgenError as error:
        print(f"tcgen: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tcgen", description="Generate Taskcluster clients from a deployment's references.")
    parser.add_argument("--version", action="version", version=f"tcgen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage did")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    command = commands.add_parser("generate", help="generate client packages")
    command.add_argument("--source", required=True, help=SOURCE_HELP)
    command.add_argument("--out", required=True, type=Path, help="output directory; packages go to OUT/<language>")
    command.add_argument("--language", action="append", choices=LANGUAGES, help="language to generate (repeatable; default all)")
    command.add_argument("--service", action="append", help="service to include (repeatable; default all)")
    command.add_argument("--config", type=Path, help="deployment.json with package names (default: the source directory's)")
    command.add_argument("--package-version", default="1.0.0", help="version written into the packages (default 1.0.0)")
    command.set_defaults(run=_generate)

    command = commands.add_parser("model", help="print the intermediate model as JSON")
    command.add_argument("--source", required=True, help=SOURCE_HELP)
    command.set_defaults(run=_model)

    command = commands.add_parser("surface", help="print a package's API surface as JSON")
    command.add_argument("--source", required=True, help=SOURCE_HELP)
    command.add_argument("--language", required=True, choices=LANGUAGES)
    command.set_defaults(run=_surface)

    command = commands.add_parser("diff", help="report API changes between two sources and the bump per language")
    command.add_argument("old", help="the older source: " + SOURCE_HELP)
    command.add_argument("new", help="the newer source: " + SOURCE_HELP)
    command.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    command.set_defaults(run=_diff)

    command = commands.add_parser("release", help="plan (dry run) or publish the next release of every package")
    command.add_argument("--deployment", help="only this deployment under specs/ (default all)")
    command.add_argument("--specs", type=Path, default=Path("specs"), help="directory of deployments (default ./specs)")
    command.add_argument("--repo", type=Path, default=Path("."), help="git repository holding the release tags (default .)")
    command.add_argument("--out", type=Path, help="also write the generated packages to OUT/<deployment>/<language>")
    command.add_argument("--format", choices=("text", "json"), default="text", help="plan format (default text)")
    command.add_argument("--publish", action="store_true", help="tag and publish instead of a dry run")
    command.set_defaults(run=_release)

    command = commands.add_parser("snapshot", help="save a deployment's references into a directory")
    command.add_argument("--source", required=True, help=SOURCE_HELP)
    command.add_argument("--out", required=True, type=Path, help="directory to write (e.g. specs/<deployment>)")
    command.set_defaults(run=_snapshot)

    command = commands.add_parser("serve", help="serve a stand-in deployment on 127.0.0.1 for testing clients")
    command.add_argument("--source", required=True, help=SOURCE_HELP)
    command.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    command.add_argument("--client", action="append", default=[], metavar="ID:TOKEN",
                         help="accepted credentials (repeatable; default tester:no-secret)")
    command.set_defaults(run=_serve)
    return parser


def _options_for(args: argparse.Namespace) -> PackageOptions:
    config_path = args.config
    if config_path is None and Path(args.source, "deployment.json").is_file():
        config_path = Path(args.source, "deployment.json")
    if config_path:
        options = read_config(config_path.parent).packages
    else:
        options = PackageOptions(deployment=_deployment_name(args.source))
    return dataclasses.replace(options, version=args.package_version)


def _deployment_name(source: str) -> str:
    """Name a source without deployment.json by its host, or its file or directory name."""
    if source.startswith(("http://", "https://")):
        return urllib.parse.urlsplit(source).netloc or source
    return Path(source).resolve().stem


def _generate(args: argparse.Namespace) -> int:
    languages = tuple(dict.fromkeys(args.language or LANGUAGES))
    _check_package_version(args.package_version, languages)
    _check_out_outside_source(args.source, args.out, languages)
    model = load_model(args.source)
    if args.service:
        model = model.only(args.service)
    trees = generate(model, _options_for(args), languages)
    write_trees(trees, args.out)
    for language in languages:
        print(f"{language}: {len(trees[language])} files in {args.out / language}")
    return 0


def _check_package_version(version: str, languages: tuple[str, ...]) -> None:
    """Raise unless `version` is a SemVer version every requested language can carry."""
    if not semver.Version.is_valid(version):
        raise TcgenError(
            f"--package-version {version!r} is not a semantic version",
            hint="give a version such as 1.2.3 or 1.2.3-rc.1 (MAJOR.MINOR.PATCH, see https://semver.org)",
        )
    prerelease = semver.Version.parse(version).prerelease
    if "python" in languages and prerelease and not PYTHON_PRERELEASE.fullmatch(prerelease):
        raise TcgenError(
            f"--package-version {version!r} has a pre-release part Python packages cannot carry",
            hint="use a pre-release such as -alpha.1, -beta.2 or -rc.1, which PEP 440 accepts",
        )


def _check_out_outside_source(source: str, out: Path, languages: tuple[str, ...] = ()) -> None:
    """Raise if writing to `out` would change the source, or a later read of it.

    Generated files inside a source directory would be read as part of it next
    time, and `out/<language>` is replaced whole, source and all.
    """
    source_path = Path(source)
    if not source_path.exists():
        return
    source_root, target = source_path.resolve(), out.resolve()
    if source_path.is_dir() and target.is_relative_to(source_root):
        raise TcgenError(
            f"--out {out} is inside the source directory {source}",
            hint="choose an --out outside the source directory, so that the output is not read as source",
        )
    for language in languages:
        if source_root.is_relative_to(target / language):
            raise TcgenError(
                f"the source {source} is inside {out / language}, which generate replaces",
                hint="move the source or choose another --out",
            )


def _model(args: argparse.Namespace) -> int:
    sys.stdout.write(load_model(args.source).to_json())
    return 0


def _surface(args: argparse.Namespace) -> int:
    surface = build_surface(load_model(args.source), args.language, PackageOptions())
    sys.stdout.write(json.dumps(surface, indent=2, sort_keys=True) + "\n")
    return 0


def _diff(args: argparse.Namespace) -> int:
    old_model, new_model = load_model(args.old), load_model(args.new)
    options = PackageOptions()
    old = {language: build_surface(old_model, language, options) for language in LANGUAGES}
    new = {language: build_surface(new_model, language, options) for language in LANGUAGES}
    sys.stdout.write(render(compare(old, new), args.format))
    return 0


def _release(args: argparse.Namespace) -> int:
    from . import release

    if args.publish:
        raise TcgenError(
            "publishing is not implemented in this version of tcgen",
            hint="run without --publish for the dry-run plan",
        )
    repo = release.open_repository(args.repo)
    plans = []
    for config in find_deployments(args.specs, args.deployment):
        deployment_plans, trees = release.plan_deployment(repo, config)
        plans += deployment_plans
        if args.out:
            write_trees(trees, args.out / config.name)
    if args.format == "json":
        sys.stdout.write(json.dumps([plan.to_json() for plan in plans], indent=2) + "\n")
        return 0
    sys.stdout.write("dry run: nothing tagged or published\n" + release.render_plan(plans))
    for plan in plans:
        if plan.bump != "initial" and plan.report.changes:
            sys.stdout.write(f"\n{plan.deployment} {plan.language} since {plan.old_version}:\n")
            sys.stdout.write(render(plan.report, "text"))
    return 0


def _snapshot(args: argparse.Namespace) -> int:
    _check_out_outside_source(args.source, args.out)
    _check_empty_directory(args.out)
    documents = load_source(args.source, timeout=environment_timeout())
    build_model(validate(documents))
    count = _write_snapshot(documents, args.out)
    print(f"wrote {count} documents to {args.out}")
    return 0


def _write_snapshot(documents: Documents, out: Path) -> int:
    """Write the snapshot beside `out` and move it into place, so a failure leaves no half of it."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as error:
        raise TcgenError(
            f"creating a directory beside {out} failed: {error.strerror or error}",
            hint="check that the parent of --out is a directory you can write to",
        ) from None
    try:
        count = write_directory(documents, staging)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def _check_empty_directory(out: Path) -> None:
    """Raise unless `out` is missing or an empty directory."""
    if out.exists() and not out.is_dir():
        raise TcgenError(
            f"--out {out} exists and is not a directory",
            hint="snapshot into a new directory",
        )
    try:
        empty = not out.exists() or not any(out.iterdir())
    except OSError as error:
        raise TcgenError(
            f"reading {out} failed: {error.strerror or error}",
            hint="snapshot into a new directory you can write to",
        ) from None
    if not empty:
        raise TcgenError(
            f"{out} is not empty",
            hint="snapshot into a new directory, or remove the old snapshot first",
        )


def _serve(args: argparse.Namespace) -> int:
    from .standin import serve_forever

    clients = dict(item.split(":", 1) for item in args.client if ":" in item) or {"tester": "no-secret"}
    serve_forever(args.source, args.port, clients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
