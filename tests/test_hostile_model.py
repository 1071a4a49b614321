"""Hostile references: the model builds safe values or raises a TcgenError saying what, where and what to do.

Each test edits a deployment directory made from a real bundle, so everything
else in it is a real Taskcluster reference.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from generator.errors import TcgenError
from generator.model import Model, build_model, free_text, one_line_text
from generator.pipeline import load_model
from generator.source import load_source, write_directory
from generator.validate import validate

BASE_RELEASE = "references-106.0.0.json"
API = "/references/purge-cache/v1/api.json"
EXCHANGES = "/references/github/v1/exchanges.json"
MANIFEST = "/references/manifest.json"
API_META = "/schemas/common/api-reference-v0.json"
EXCHANGES_META = "/schemas/common/exchanges-reference-v0.json"
# A meta-schema that only names its kind: it lets any document through.
STUB_META = {"$id": API_META + "#", "metadata": {"name": "api", "version": 0}}
STUB_EXCHANGES_META = {"$id": EXCHANGES_META + "#", "metadata": {"name": "exchanges", "version": 0}}
# purgeCache: route /purge-cache/<workerPoolId>, input v1/purge-cache-request.json#.
PURGE_CACHE = 3

Document = dict[str, Any]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, bundle_paths: list[Path]) -> Path:
    bundle = next(path for path in bundle_paths if path.name == BASE_RELEASE)
    directory = tmp_path_factory.mktemp("template") / "deployment"
    write_directory(load_source(str(bundle)), directory)
    return directory


@pytest.fixture
def deployment(tmp_path: Path, template: Path) -> Path:
    """A writable deployment directory made from the base release."""
    directory = tmp_path / "deployment"
    shutil.copytree(template, directory)
    return directory


def write(directory: Path, path: str, content: Any) -> None:
    """Write `content` as the JSON document at `path`."""
    file = directory / path.lstrip("/")
    file.parent.mkdir(parents=True, exist_ok=True)
    # ensure_ascii (the default) writes lone surrogates as \\u escapes, which JSON allows.
    file.write_text(json.dumps(content))


def edit(directory: Path, path: str, change: Callable[[Document], Any]) -> None:
    """Change the JSON document at `path` in place with `change`."""
    document = json.loads((directory / path.lstrip("/")).read_text())
    change(document)
    write(directory, path, document)


def stub_api_meta_schema(directory: Path) -> None:
    write(directory, API_META, STUB_META)


def build_edited(directory: Path, path: str, change: Callable[[Document], Any]) -> Model:
    """Build the model after changing a document in memory, past the checks of reading JSON files.

    tcgen's reader rejects some strings, such as lone surrogates. The model
    checks them as well, so that no source can pass them on.
    """
    documents = load_source(str(directory))
    change(documents.by_path[path])
    return build_model(validate(documents))


def model_error(directory: Path, build: Callable[[], Any] | None = None) -> TcgenError:
    with pytest.raises(TcgenError) as caught:
        build() if build else load_model(str(directory))
    error = caught.value
    assert error.hint, f"no hint in: {error}"
    return error


def purge_cache_entry(change: Callable[[Document], Any]) -> Callable[[Document], None]:
    return lambda document: change(document["entries"][PURGE_CACHE])


def first_exchange(change: Callable[[Document], Any]) -> Callable[[Document], None]:
    return lambda document: change(document["entries"][0])


# -- tcgen's own structural schemas -------------------------------------------


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (lambda doc: doc.update(entries="x"), "/entries", "'x' is not of type 'array'"),
        (lambda doc: doc.pop("serviceName"), "", "'serviceName' is a required property"),
        (purge_cache_entry(lambda entry: entry.update(route=5)), f"/entries/{PURGE_CACHE}/route", "5 is not"),
        (
            purge_cache_entry(lambda entry: entry.update(scopes=5)),
            f"/entries/{PURGE_CACHE}/scopes",
            "5 is not",
        ),
        (
            purge_cache_entry(lambda entry: entry.update(scopes={"weird": 1})),
            f"/entries/{PURGE_CACHE}/scopes",
            "",
        ),
        (
            purge_cache_entry(lambda entry: entry.update(stability="bogus")),
            f"/entries/{PURGE_CACHE}/stability",
            "'bogus'",
        ),
        (purge_cache_entry(lambda entry: entry.update(args="xy")), f"/entries/{PURGE_CACHE}/args", "'xy'"),
        (
            purge_cache_entry(lambda entry: entry.update(method="GET")),
            f"/entries/{PURGE_CACHE}/method",
            "'GET'",
        ),
    ],
    ids=[
        "entries-string",
        "no-service-name",
        "route-number",
        "scopes-number",
        "scopes-unknown-object",
        "unknown-stability",
        "args-string",
        "upper-case-verb",
    ],
)
def test_stub_meta_schema_still_checked(
    deployment: Path, change: Callable[[Document], Any], pointer: str, words: str
) -> None:
    stub_api_meta_schema(deployment)
    edit(deployment, API, change)
    error = model_error(deployment)
    assert error.document == API
    assert error.pointer == pointer
    assert "tcgen's built-in api-reference-v0.json" in error.message
    assert words in error.message


def test_stub_manifest_meta_schema_still_checked(deployment: Path) -> None:
    write(deployment, "/schemas/common/manifest-v3.json", {"metadata": {"name": "manifest", "version": 3}})
    edit(deployment, MANIFEST, lambda doc: doc.update(references={"a": API}))
    error = model_error(deployment)
    assert error.document == MANIFEST
    assert error.pointer == "/references"
    assert "tcgen's built-in manifest-v3.json" in error.message


def test_stub_exchanges_meta_schema_still_checked(deployment: Path) -> None:
    write(deployment, EXCHANGES_META, STUB_EXCHANGES_META)
    edit(deployment, EXCHANGES, first_exchange(lambda entry: entry["routingKey"][0].update(required="yes")))
    error = model_error(deployment)
    assert error.document == EXCHANGES
    assert error.pointer == "/entries/0/routingKey/0/required"


@pytest.mark.parametrize(
    ("broken", "pointer", "words"),
    [
        ({"type": 5}, "/type", "not valid"),
        ({"properties": {"title": {"pattern": "(("}}}, "/properties/title/pattern", "regex"),
    ],
    ids=["type-number", "bad-regex"],
)
def test_invalid_meta_schema_named(deployment: Path, broken: Document, pointer: str, words: str) -> None:
    write(deployment, API_META, {**STUB_META, **broken})
    error = model_error(deployment)
    assert error.document == API_META
    assert error.pointer == pointer
    assert "meta-schema is not a valid JSON schema" in error.message
    assert words in error.message


def test_meta_schema_bad_regex_in_ref_named(deployment: Path) -> None:
    """A broken schema that the meta-schema reaches only through $ref still names the meta-schema."""
    write(deployment, "/schemas/common/broken.json", {"pattern": "(("})
    write(deployment, API_META, {**STUB_META, "properties": {"title": {"$ref": "broken.json#"}}})
    error = model_error(deployment)
    assert error.document == API_META
    assert "meta-schema is not a valid JSON schema" in error.message


# -- one reference of each kind per service -----------------------------------


def test_two_api_references_for_one_service(deployment: Path) -> None:
    second = "/references/purge-cache/v2/api.json"
    shutil.copytree(deployment / "references/purge-cache/v1", deployment / "references/purge-cache/v2")
    edit(deployment, MANIFEST, lambda doc: doc["references"].append(second))
    error = model_error(deployment)
    references = json.loads((deployment / "references/manifest.json").read_text())["references"]
    assert error.document == MANIFEST
    assert error.pointer == f"/references/{references.index(second)}"
    assert API in error.message
    assert second in error.message


# -- text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "free", "one_line"),
    [
        ("a\r\nb\rc", "a\nb\nc", "a b c"),
        ("a\u2028b\u2029c\u0085d", "a\nb\nc\nd", "a b c d"),
        ("a\x00b\x1bc\x7fd", "abc\x7fd", "abc\x7fd"),
        ("\ufeffa\tb", "a\tb", "a\tb"),
        ("a\udfffb", "a\ufffdb", "a\ufffdb"),
        ("plain `markdown` text", "plain `markdown` text", "plain `markdown` text"),
    ],
    ids=["cr", "separators", "controls", "bom-tab", "lone-surrogate", "unchanged"],
)
def test_text_sanitizing(raw: str, free: str, one_line: str) -> None:
    assert free_text(raw) == free
    assert one_line_text(raw) == one_line


def hostile_text(document: Document, text: str) -> None:
    """Put `text` in every free-text and one-line field of an api or exchanges reference."""
    document.update(title=text, description=text)
    for entry in document["entries"]:
        entry.update(title=text, description=text)
        if "category" in entry:
            entry["category"] = text
        for part in entry.get("routingKey", []):
            part["summary"] = text


def test_text_fields_sanitized_in_model(deployment: Path) -> None:
    text = "a\x00b\r\nc\u2028d\ufeffe\udfff"
    free, one_line = "ab\nc\nde\ufffd", "ab c de\ufffd"
    documents = load_source(str(deployment))
    hostile_text(documents.by_path[API], text)
    hostile_text(documents.by_path[EXCHANGES], text)
    model = build_model(validate(documents))
    service = model.service("purge-cache")
    github = model.service("github")
    assert (service.title, service.description) == (one_line, free)
    for method in service.methods:
        assert (method.title, method.description, method.category) == (one_line, free, one_line)
    assert (github.exchanges_title, github.exchanges_description) == (one_line, free)
    for exchange in github.exchanges:
        assert (exchange.title, exchange.description) == (one_line, free)
        assert {part.summary for part in exchange.routing_key} == {one_line}


def method_field(field: str, value: Any) -> Callable[[Document], None]:
    return purge_cache_entry(lambda entry: entry.update({field: value}))


@pytest.mark.parametrize(
    ("path", "change", "pointer", "code_point"),
    [
        (API, lambda doc: doc.update(serviceName="purge\u200bcache"), "/serviceName", "U+200B"),
        (API, lambda doc: doc.update(serviceName="purge cache"), "/serviceName", "U+0020"),
        (API, lambda doc: doc.update(apiVersion="v1\n"), "/apiVersion", "U+000A"),
        (API, method_field("name", "purge\ufeffCache"), f"/entries/{PURGE_CACHE}/name", "U+FEFF"),
        (
            API,
            method_field("route", "/purge-cache/<workerPoolId>\n// x"),
            f"/entries/{PURGE_CACHE}/route",
            "U+000A",
        ),
        (
            API,
            method_field("route", "/purge cache/<workerPoolId>"),
            f"/entries/{PURGE_CACHE}/route",
            "U+0020",
        ),
        (API, method_field("query", ["limit", "a\u2028b"]), f"/entries/{PURGE_CACHE}/query/1", "U+2028"),
        (
            API,
            method_field("input", "v1/purge-cache-request.json#\x00"),
            f"/entries/{PURGE_CACHE}/input",
            "U+0000",
        ),
        (
            EXCHANGES,
            lambda doc: doc.update(exchangePrefix="exchange/\ngithub/v1/"),
            "/exchangePrefix",
            "U+000A",
        ),
        (
            EXCHANGES,
            first_exchange(lambda entry: entry.update(name="pull\rRequest")),
            "/entries/0/name",
            "U+000D",
        ),
        (
            EXCHANGES,
            first_exchange(lambda entry: entry.update(exchange="pull-\u2029request")),
            "/entries/0/exchange",
            "U+2029",
        ),
        (
            EXCHANGES,
            first_exchange(lambda entry: entry["routingKey"][0].update(name="kind\t")),
            "/entries/0/routingKey/0/name",
            "U+0009",
        ),
        (
            EXCHANGES,
            first_exchange(lambda entry: entry["routingKey"][0].update(constant="pri\x00mary")),
            "/entries/0/routingKey/0/constant",
            "U+0000",
        ),
    ],
    ids=[
        "service-name",
        "service-name-space",
        "api-version",
        "method-name",
        "route-newline",
        "route-space",
        "query-name",
        "input",
        "exchange-prefix",
        "exchange-name",
        "exchange",
        "routing-key-name",
        "routing-key-constant",
    ],
)
def test_unsafe_character_in_name_rejected(
    deployment: Path, path: str, change: Callable[[Document], Any], pointer: str, code_point: str
) -> None:
    """Checked by the model even where the deployment's meta-schemas allow anything."""
    stub_api_meta_schema(deployment)
    write(deployment, EXCHANGES_META, STUB_EXCHANGES_META)
    edit(deployment, path, change)
    error = model_error(deployment)
    assert error.document == path
    assert error.pointer == pointer
    assert f"({code_point})" in error.message


def test_lone_surrogate_in_name_rejected(deployment: Path) -> None:
    error = model_error(
        deployment, lambda: build_edited(deployment, API, method_field("name", "purge\udfff"))
    )
    assert error.document == API
    assert error.pointer == f"/entries/{PURGE_CACHE}/name"
    assert "a lone surrogate (U+DFFF)" in error.message


def test_argument_name_with_space_rejected(deployment: Path) -> None:
    edit(deployment, API, method_field("args", ["worker pool"]))
    error = model_error(deployment)
    assert error.pointer == f"/entries/{PURGE_CACHE}/args/0"
    assert "(U+0020)" in error.message


# -- routes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "args", "words"),
    [
        ("purge-cache/<workerPoolId>", ["workerPoolId"], "does not start with '/'"),
        ("", [], "does not start with '/'"),
        ("/a/<x", ["x"], "without a matching '>'"),
        ("/a/<x/<y>", ["x", "y"], "without a matching '>'"),
        ("/a/<>", [], "empty argument name"),
        ("/a/x>", [], "'>' without a '<'"),
        ("/a/<x>>", ["x"], "'>' without a '<'"),
    ],
    ids=["no-slash", "empty", "unclosed", "nested", "empty-argument", "stray-close", "double-close"],
)
def test_malformed_route_rejected(deployment: Path, route: str, args: list[str], words: str) -> None:
    edit(deployment, API, purge_cache_entry(lambda entry: entry.update(route=route, args=args)))
    error = model_error(deployment)
    assert error.document == API
    assert error.pointer == f"/entries/{PURGE_CACHE}/route"
    assert words in error.message


# -- schemas ------------------------------------------------------------------

REQUEST_SCHEMA = "/schemas/purge-cache/v1/purge-cache-request.json"


@pytest.mark.parametrize(
    ("content", "kind"),
    [([1, 2], "array"), ("x", "string"), (5, "number"), (None, "null")],
    ids=["array", "string", "number", "null"],
)
def test_body_schema_not_an_object_rejected(deployment: Path, content: Any, kind: str) -> None:
    write(deployment, REQUEST_SCHEMA, content)
    error = model_error(deployment)
    assert error.document == API
    assert error.pointer == f"/entries/{PURGE_CACHE}/input"
    assert f"JSON {kind}, not an object or a boolean" in error.message


def test_referenced_schema_not_an_object_rejected(deployment: Path) -> None:
    write(deployment, "/schemas/purge-cache/v1/list.json", [1])
    edit(deployment, REQUEST_SCHEMA, lambda doc: doc["properties"].update(extra={"$ref": "list.json#"}))
    error = model_error(deployment)
    assert error.document == REQUEST_SCHEMA
    assert error.pointer == "/properties/extra/$ref"
    assert "JSON array" in error.message


def test_boolean_body_schema_accepted(deployment: Path) -> None:
    write(deployment, REQUEST_SCHEMA, True)
    model: Model = load_model(str(deployment))
    schemas = {schema.id: schema.parsed() for schema in model.schemas}
    assert schemas[REQUEST_SCHEMA] is True


def test_ref_not_a_string_rejected(deployment: Path) -> None:
    edit(deployment, REQUEST_SCHEMA, lambda doc: doc["properties"].update(extra={"$ref": 5}))
    error = model_error(deployment)
    assert error.document == REQUEST_SCHEMA
    assert error.pointer == "/properties/extra/$ref"
    assert "$ref is a JSON number, not a string" in error.message


def test_property_named_ref_accepted(deployment: Path) -> None:
    edit(deployment, REQUEST_SCHEMA, lambda doc: doc["properties"].update({"$ref": {"type": "string"}}))
    assert load_model(str(deployment)).service("purge-cache").methods[PURGE_CACHE].input


def test_id_not_a_string_rejected(deployment: Path) -> None:
    edit(deployment, REQUEST_SCHEMA, lambda doc: doc.update({"$id": 5}))
    error = model_error(deployment)
    assert error.document == REQUEST_SCHEMA
    assert error.pointer == "/$id"
    assert "$id is a JSON number, not a string" in error.message


@pytest.mark.parametrize(
    "relative",
    ["../../references/manifest.json", "/references/manifest.json", "http://127.0.0.1:9/x.json#"],
    ids=["dot-dot", "absolute-path", "other-host"],
)
def test_body_schema_outside_schemas_rejected(deployment: Path, relative: str) -> None:
    edit(deployment, API, method_field("input", relative))
    error = model_error(deployment)
    assert error.document == API
    assert error.pointer == f"/entries/{PURGE_CACHE}/input"
    assert "not under /schemas/" in error.message


def test_ref_outside_schemas_rejected(deployment: Path) -> None:
    edit(
        deployment,
        REQUEST_SCHEMA,
        lambda doc: doc["properties"].update(extra={"$ref": "/references/manifest.json"}),
    )
    error = model_error(deployment)
    assert error.document == REQUEST_SCHEMA
    assert error.pointer == "/properties/extra/$ref"
    assert "not under /schemas/" in error.message


# -- command line -------------------------------------------------------------


def test_cli_exits_2_with_location_and_fix(deployment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stub_api_meta_schema(deployment)
    edit(deployment, API, lambda doc: doc.update(entries="x"))
    assert main(["model", "--source", str(deployment)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("tcgen: error: invalid api.json")
    assert f"in: {API} at /entries" in error
    assert "fix:" in error
