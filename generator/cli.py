"""The `tcgen` command: generate, model, diff, release, snapshot, serve."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .config import find_deployments, read_config
from .diff import compare
from .emit import LANGUAGES, PackageOptions, generate, write_trees
from .errors import TcgenError
from .model import build_model
from .pipeline import load_model
from .report import FORMATS, render
from .source import environment_timeout, load_source, write_directory
from .surface import build_surface
from .validate import validate

log = logging.getLogger("tcgen")

EXIT_BAD_INPUT = 2
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
    """A name for a source without deployment.json: its host, or its file or directory name."""
    if source.startswith(("http://", "https://")):
        return urllib.parse.urlsplit(source).netloc or source
    return Path(source).resolve().stem


def _generate(args: argparse.Namespace) -> int:
    model = load_model(args.source)
    if args.service:
        model = model.only(args.service)
    languages = tuple(dict.fromkeys(args.language or LANGUAGES))
    trees = generate(model, _options_for(args), languages)
    write_trees(trees, args.out)
    for language in languages:
        print(f"{language}: {len(trees[language])} files in {args.out / language}")
    return 0


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
    documents = load_source(args.source, timeout=environment_timeout())
    build_model(validate(documents))
    if args.out.exists() and any(args.out.iterdir()):
        raise TcgenError(
            f"{args.out} is not empty",
            hint="snapshot into a new directory, or remove the old snapshot first",
        )
    count = write_directory(documents, args.out)
    print(f"wrote {count} documents to {args.out}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .standin import serve_forever

    clients = dict(item.split(":", 1) for item in args.client if ":" in item) or {"tester": "no-secret"}
    serve_forever(args.source, args.port, clients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
