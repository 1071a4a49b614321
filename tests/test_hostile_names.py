"""Reference names the emitters cannot use as they are: clear located errors, or output the tools accept.

Each test builds a small deployment directory from a real bundle (the purge-cache
API reference and the github exchanges reference), edits names in it, and runs
the model and the emitters on it. A name no language may use raises a TcgenError
with the reference document, the JSON pointer of the name and a fix; a name that
gets another spelling (`main` -> package `tcmain`, `then` -> `then_`) must give
output that gofmt, go vet, node and mypy accept.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.emit import PackageOptions, generate, write_trees
from generator.errors import TcgenError
from generator.model import Model
from generator.pipeline import load_model
from generator.source import load_source, write_directory
from generator.surface import build_surface

BASE_RELEASE = "references-106.0.0.json"
API = "/references/purge-cache/v1/api.json"
EXCHANGES = "/references/github/v1/exchanges.json"
GO_ENVIRONMENT = {"GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOWORK": "off"}
INSTALL_HINTS = {
    "go": "install Go 1.21 or later (https://go.dev/dl/) and put `go` and `gofmt` on PATH",
    "gofmt": "install Go 1.21 or later (https://go.dev/dl/) and put `go` and `gofmt` on PATH",
    "node": "install Node.js 18 or later and put `node` on PATH",
}
LANGUAGE_NAMES = {"python": "Python", "go": "Go", "js": "JavaScript"}

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def base_directory(tmp_path_factory: pytest.TempPathFactory, bundle_paths: list[Path]) -> Path:
    """A deployment directory whose manifest lists only purge-cache's API and github's exchanges."""
    bundle = next(path for path in bundle_paths if path.name == BASE_RELEASE)
    directory = tmp_path_factory.mktemp("hostile") / "deployment"
    write_directory(load_source(str(bundle)), directory)
    write_manifest(directory, [API, EXCHANGES])
    return directory


@pytest.fixture
def deployment(tmp_path: Path, base_directory: Path) -> Path:
    """A private copy of the base deployment directory that a test may edit."""
    directory = tmp_path / "deployment"
    shutil.copytree(base_directory, directory)
    return directory


def write_manifest(directory: Path, references: list[str]) -> None:
    manifest = {"$schema": "/schemas/common/manifest-v3.json#", "references": references}
    (directory / "references/manifest.json").write_text(json.dumps(manifest))


def edit(directory: Path, reference: str, change: Edit) -> None:
    path = directory / reference.lstrip("/")
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def add_services(directory: Path, names: list[str], *, exchanges: bool = False) -> list[str]:
    """Copy purge-cache's API reference (and github's exchanges) under each new service name."""
    references = []
    for name in names:
        api = json.loads((directory / API.lstrip("/")).read_text())
        api["serviceName"] = name
        api["entries"] = [entry for entry in api["entries"] if "input" not in entry and "output" not in entry]
        target = directory / f"references/{name}/v1/api.json"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(api))
        references.append(f"/references/{name}/v1/api.json")
        if exchanges:
            references.append(_copy_exchanges(directory, name))
    write_manifest(directory, references)
    return references


def _copy_exchanges(directory: Path, name: str) -> str:
    """Copy github's exchanges reference and its message schemas to service `name`."""
    document = json.loads((directory / EXCHANGES.lstrip("/")).read_text())
    document["serviceName"] = name
    target = directory / f"references/{name}/v1/exchanges.json"
    target.write_text(json.dumps(document))
    for schema in (directory / "schemas/github").rglob("*.json"):
        copy = directory / "schemas" / name / schema.relative_to(directory / "schemas/github")
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(schema.read_text().replace("/schemas/github/", f"/schemas/{name}/"))
    return f"/references/{name}/v1/exchanges.json"


def rename_method(name: str, index: int = 0) -> Edit:
    return lambda api: api["entries"][index].update(name=name)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed: {INSTALL_HINTS[name]}")
    return path


def run(command: list[str], cwd: Path | None = None, go: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a tool and return its result; the test asserts on the exit status and output."""
    environment = {**os.environ, **GO_ENVIRONMENT} if go else None
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment, check=False)


def emit(model: Model, language: str) -> dict[str, str]:
    return generate(model, PackageOptions(), (language,))[language]


def emit_error(model: Model, language: str) -> TcgenError:
    with pytest.raises(TcgenError) as caught:
        emit(model, language)
    return caught.value


def write_language(model: Model, language: str, out: Path) -> Path:
    write_trees({language: emit(model, language)}, out)
    return out / language


def go_check(module: Path) -> None:
    """gofmt lists no file and go vet passes on every package of the module."""
    gofmt = run([require_tool("gofmt"), "-l", "."], module)
    assert gofmt.returncode == 0, gofmt.stderr
    assert gofmt.stdout == ""
    vet = run([require_tool("go"), "vet", "./..."], module, go=True)
    assert vet.returncode == 0, vet.stderr


def go_packages(module: Path) -> list[str]:
    """Import paths that `go list ./...` finds, relative to the module path."""
    listed = run([require_tool("go"), "list", "-f", "{{.ImportPath}} {{.Name}}", "./..."], module, go=True)
    assert listed.returncode == 0, listed.stderr
    prefix = PackageOptions().go_module + "/"
    return sorted(line.removeprefix(prefix) for line in listed.stdout.splitlines())


# -- Go package names --------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [("ab", "a-b"), ("go", "tcgo")])
def test_go_packages_collide(deployment: Path, first: str, second: str) -> None:
    references = add_services(deployment, [first, second])
    model = load_model(str(deployment))

    error = emit_error(model, "go")

    assert error.message.startswith("Go: services ")
    for reference in references:
        assert reference in error.message
    assert error.document in references
    assert error.pointer == "/serviceName"
    assert "package" in error.message
    assert "Rename one of the services" in error.hint


def test_go_collision_ignores_other_languages(deployment: Path) -> None:
    add_services(deployment, ["ab", "a-b"])
    model = load_model(str(deployment))

    python = emit(model, "python")
    javascript = emit(model, "js")

    assert "tc_generated_client/ab.py" in python
    assert "tc_generated_client/a_b.py" in python
    assert "src/ab.js" in javascript
    assert "src/a-b.js" in javascript


def test_go_tool_package_names(deployment: Path, tmp_path: Path) -> None:
    names = ["internal", "main", "testdata", "vendor"]
    add_services(deployment, names, exchanges=True)
    model = load_model(str(deployment))
    naming_surface = build_surface(model, "go", PackageOptions())["services"]

    module = write_language(model, "go", tmp_path / "out")

    go_check(module)
    packages = go_packages(module)
    for name in names:
        assert f"tc{name} tc{name}" in packages
        assert naming_surface[name]["client"] == f"tc{name}.{name.capitalize()}"
        assert naming_surface[name]["events"] == f"tc{name}.Events"
        assert f"package tc{name}\n" in (module / f"tc{name}/client.go").read_text()
        assert not (module / name).exists()


def test_go_events_service_error(deployment: Path) -> None:
    references = add_services(deployment, ["events"], exchanges=True)
    model = load_model(str(deployment))

    error = emit_error(model, "go")

    assert error.message.startswith("Go: ")
    assert "service 'events'" in error.message
    assert "'Events'" in error.message
    assert error.document == references[0]
    assert error.pointer == "/serviceName"
    assert "service name" in error.hint


# -- JavaScript then ---------------------------------------------------------


def test_js_then_not_thenable(deployment: Path, tmp_path: Path) -> None:
    edit(deployment, API, rename_method("then"))
    edit(deployment, EXCHANGES, lambda exchanges: exchanges["entries"][0].update(name="then"))
    model = load_model(str(deployment))
    surface = build_surface(model, "js", PackageOptions())["services"]

    package = write_language(model, "js", tmp_path / "out")
    script = """
        import { PurgeCache, GithubEvents } from './index.js';
        const client = new PurgeCache({ rootUrl: 'https://tc.example.com' });
        const events = new GithubEvents();
        const awaited = await client;
        const awaitedEvents = await events;
        console.log(JSON.stringify([
          awaited === client, awaitedEvents === events,
          typeof client.then, typeof client.then_, typeof events.then, typeof events.then_,
        ]));
    """
    node = require_tool("node")
    for path in sorted(package.rglob("*.js")):
        checked = run([node, "--check", str(path)])
        assert checked.returncode == 0, checked.stderr
    result = run([node, "--input-type=module", "-e", script], package)

    assert surface["purge-cache"]["methods"]["then"]["symbol"] == "then_"
    assert surface["github"]["exchanges"]["then"]["symbol"] == "then_"
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, True, "undefined", "function", "undefined", "function"]


def test_js_promise_service_error(deployment: Path) -> None:
    references = add_services(deployment, ["promise"])
    model = load_model(str(deployment))

    error = emit_error(model, "js")

    assert error.message.startswith("JavaScript: the service name 'promise'")
    assert "Promise" in error.message
    assert error.document == references[0]
    assert error.pointer == "/serviceName"
    assert "--service" in error.hint


# -- names no language may use -----------------------------------------------

BAD_NAMES = [
    ("1task", "starts with a digit", "starts with an ASCII letter"),
    ("_", "no ASCII letters or digits", "starts with an ASCII letter"),
    ("тест", "'т' (U+0442) is not an ASCII character", "ASCII letters, digits"),
    ("🚀", "(U+1F680) is not an ASCII character", "ASCII letters, digits"),
    ("grüße", "'ü' (U+00FC) is not an ASCII character", "ASCII letters, digits"),
    ("ñame", "'ñ' (U+00F1) is not an ASCII character", "ASCII letters, digits"),
]


def _method_name(name: str) -> tuple[str, Edit, str]:
    return API, rename_method(name), "/entries/0/name"


def _argument(name: str) -> tuple[str, Edit, str]:
    def change(api: dict[str, Any]) -> None:
        api["entries"][0].update(route=f"/ping/<{name}>", args=[name])

    return API, change, "/entries/0/args/0"


def _query(name: str) -> tuple[str, Edit, str]:
    return API, lambda api: api["entries"][0].update(query=["limit", name]), "/entries/0/query/1"


def _exchange(name: str) -> tuple[str, Edit, str]:
    return EXCHANGES, lambda document: document["entries"][1].update(name=name), "/entries/1/name"


def _routing_key_part(name: str) -> tuple[str, Edit, str]:
    def change(document: dict[str, Any]) -> None:
        document["entries"][0]["routingKey"][1]["name"] = name

    return EXCHANGES, change, "/entries/0/routingKey/1/name"


PLACES = {
    "method": (_method_name, ("python", "go", "js")),
    "path argument": (_argument, ("python", "go", "js")),
    "query parameter": (_query, ("python", "go")),
    "exchange": (_exchange, ("python", "go", "js")),
    "routing-key part": (_routing_key_part, ("python", "go")),
}
CASES = [
    (kind, language, bad)
    for kind, (_, languages) in PLACES.items()
    for language in languages
    for bad in BAD_NAMES
]


@pytest.mark.parametrize(("kind", "language", "bad"), CASES, ids=[f"{k}-{lang}-{b[0]}" for k, lang, b in CASES])
def test_unusable_name_located(deployment: Path, kind: str, language: str, bad: tuple[str, str, str]) -> None:
    name, reason, hint = bad
    place, _ = PLACES[kind]
    reference, change, pointer = place(name)
    edit(deployment, reference, change)
    model = load_model(str(deployment))

    error = emit_error(model, language)

    assert error.message.startswith(f"cannot make a {LANGUAGE_NAMES[language]} name from the {kind} name {name!r}: ")
    assert reason in error.message
    assert error.document == reference
    assert error.pointer == pointer
    assert hint in error.hint
    assert kind in error.hint


def test_non_ascii_service_rejected_by_model(deployment: Path) -> None:
    add_services(deployment, ["grüße"])

    with pytest.raises(TcgenError) as caught:
        load_model(str(deployment))

    assert caught.value.document == "/references/grüße/v1/api.json"
    assert caught.value.pointer == "/serviceName"


@pytest.mark.parametrize("language", ["python", "go", "js"])
def test_unusable_service_name_located(deployment: Path, language: str) -> None:
    """The emitters check service names themselves too, for models built without the meta-schema."""
    model = load_model(str(deployment))
    service = dataclasses.replace(model.service("purge-cache"), name="grüße")
    model = dataclasses.replace(model, services=(service,))

    error = emit_error(model, language)

    assert error.message.startswith(f"cannot make a {LANGUAGE_NAMES[language]} name from the service name 'grüße'")
    assert "'ü' (U+00FC) is not an ASCII character" in error.message
    assert error.document == API
    assert error.pointer == "/serviceName"


@pytest.mark.parametrize("language", ["python", "go", "js"])
def test_surface_error_located(deployment: Path, language: str) -> None:
    _, change, pointer = _argument("1d")
    edit(deployment, API, change)
    model = load_model(str(deployment))

    with pytest.raises(TcgenError) as caught:
        build_surface(model, language, PackageOptions())

    assert caught.value.document == API
    assert caught.value.pointer == pointer
    assert "starts with a digit" in caught.value.message


def test_empty_name_located(deployment: Path) -> None:
    edit(deployment, API, rename_method(""))

    with pytest.raises(TcgenError) as caught:
        load_model(str(deployment))

    assert caught.value.document == API
    assert caught.value.pointer == "/entries/0/name"


def test_separators_dropped_output_valid(deployment: Path, tmp_path: Path) -> None:
    edit(deployment, API, rename_method("a.b$c"))
    model = load_model(str(deployment))
    trees = generate(model, PackageOptions(), ("python", "go", "js"))
    write_trees(trees, tmp_path / "out")

    go_check(tmp_path / "out/go")
    mypy = run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "."], tmp_path / "out/python")
    checked = run([require_tool("node"), "--check", str(tmp_path / "out/js/src/purge-cache.js")])

    assert "def a_b_c(" in trees["python"]["tc_generated_client/purge_cache.py"]
    assert "func (client *PurgeCache) ABC(" in trees["go"]["purgecache/client.go"]
    assert "  aBC(): Promise<void>;" in trees["js"]["src/purge-cache.d.ts"]
    assert mypy.returncode == 0, mypy.stdout
    assert checked.returncode == 0, checked.stderr
