"""Tests of the embedded default deployment (specs/default) and of the meta-schemas it ships.

The README's main command and many tests run on the default deployment, so
these tests pin down the features it must exercise. Among them are both kinds
of service name, every stability and every scope-expression form. Others are
path arguments, pagination, bodies in every combination, exchanges and
cross-file `$ref`s.
The meta-schemas under specs/default/schemas/common/ must accept every real
Taskcluster reference and reject malformed ones.
"""

from __future__ import annotations

import copy
import json
import shutil
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema
import pytest

from generator.errors import TcgenError
from generator.model import Model, Service
from generator.pipeline import load_model
from generator.source import Documents, document_path

DEFAULT = Path(__file__).resolve().parents[1] / "specs" / "default"
COMMON = DEFAULT / "schemas" / "common"
DRAFT_06 = "http://json-schema.org/draft-06/schema#"
META_SCHEMAS = {
    "api-reference-v0": ("api", 0),
    "exchanges-reference-v0": ("exchanges", 0),
    "manifest-v3": ("manifest", 3),
    "logs-reference-v0": ("logs", 0),
}
SERVICE_NAMES = ("alerts", "readings", "station-registry")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def meta_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = read_json(COMMON / f"{name}.json")
    return schema


def meta_schema_errors(name: str, document: Any) -> list[jsonschema.ValidationError]:
    return list(jsonschema.Draft6Validator(meta_schema(name)).iter_errors(document))


def meta_schema_name(document: dict[str, Any]) -> str:
    """'/schemas/common/api-reference-v0.json#' -> 'api-reference-v0'."""
    uri: str = document["$schema"]
    return uri.split("#")[0].rsplit("/", 1)[-1].removesuffix(".json")


def scope_forms(expression: Any) -> Iterator[str]:
    """Yield the form of every node of a scope expression: string, AnyOf, AllOf, if, else, for."""
    if isinstance(expression, str):
        yield "string"
    elif "AnyOf" in expression or "AllOf" in expression:
        key = "AnyOf" if "AnyOf" in expression else "AllOf"
        yield key
        for item in expression[key]:
            yield from scope_forms(item)
    elif "if" in expression:
        yield "if"
        yield from scope_forms(expression["then"])
        if "else" in expression:
            yield "else"
            yield from scope_forms(expression["else"])
    elif "for" in expression:
        yield "for"


def schema_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            elif key not in ("enum", "const", "default"):
                yield from schema_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from schema_refs(item)


SCHEMA_MAPS = ("properties", "definitions")
SCHEMA_LISTS = ("oneOf", "anyOf", "allOf")
SCHEMA_VALUES = ("items", "additionalProperties", "not")


def schema_keywords(schema: Any) -> Iterator[tuple[str, Any]]:
    """Yield every (keyword, value) pair of a schema and of its subschemas, skipping property names."""
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        yield key, value
        if key in SCHEMA_MAPS:
            for subschema in value.values():
                yield from schema_keywords(subschema)
        elif key in SCHEMA_LISTS:
            for subschema in value:
                yield from schema_keywords(subschema)
        elif key in SCHEMA_VALUES:
            yield from schema_keywords(value)


def resolve_pointer(document: Any, fragment: str) -> Any:
    node = document
    for token in fragment.lstrip("/").split("/") if fragment else []:
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def all_methods(model: Model) -> list[tuple[Service, Any]]:
    return [(service, method) for service in model.services for method in service.methods]


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(str(DEFAULT))


# -- the deployment directory ----------------------------------------------


def test_deployment_json_names_packages() -> None:
    config = read_json(DEFAULT / "deployment.json")

    assert config["name"] == "default"
    assert config["rootUrl"] == "https://taskcluster.example.invalid"
    assert config["packages"]["python"] == {
        "distribution": "tc-default-client",
        "package": "tc_default_client",
    }
    assert config["packages"]["go"] == {"module": "example.invalid/tc-client-generator/clients/default/go"}
    assert config["packages"]["js"] == {"name": "@tc-client-generator/default-client"}


def test_manifest_lists_every_reference_file() -> None:
    manifest = read_json(DEFAULT / "references" / "manifest.json")
    on_disk = {
        "/" + path.relative_to(DEFAULT).as_posix()
        for path in (DEFAULT / "references").rglob("*.json")
        if path.name != "manifest.json"
    }

    assert manifest["$schema"] == "/schemas/common/manifest-v3.json#"
    assert manifest["references"] == sorted(manifest["references"])
    assert set(manifest["references"]) == on_disk


def test_schema_files_have_ids_and_draft_06(model: Model) -> None:
    for path in sorted((DEFAULT / "schemas").rglob("*.json")):
        document = read_json(path)
        expected_id = "/" + path.relative_to(DEFAULT).as_posix() + "#"

        assert document["$id"] == expected_id, path
        assert document["$schema"] == DRAFT_06, path
        jsonschema.Draft6Validator.check_schema(document)


def test_every_service_schema_is_used(model: Model) -> None:
    on_disk = {
        "/" + path.relative_to(DEFAULT).as_posix()
        for path in (DEFAULT / "schemas").rglob("*.json")
        if path.parent != COMMON
    }

    assert {schema.id for schema in model.schemas} == on_disk


def test_model_json_is_deterministic(model: Model) -> None:
    assert load_model(str(DEFAULT)).to_json() == model.to_json()


# -- services and methods ---------------------------------------------------


def test_services_have_hyphenated_and_plain_names(model: Model) -> None:
    names = tuple(service.name for service in model.services)

    assert names == SERVICE_NAMES
    assert model.root_url == "https://taskcluster.example.invalid"
    assert any("-" in name for name in names)
    assert any(name.isalpha() for name in names)


def test_services_have_six_to_ten_methods(model: Model) -> None:
    for service in model.services:
        assert 6 <= len(service.methods) <= 10, service.name
        assert service.api_version == "v1"
        assert service.title and service.description


def test_methods_cover_every_stability(model: Model) -> None:
    stabilities = {method.stability for _, method in all_methods(model)}

    assert stabilities == {"experimental", "stable", "deprecated"}


def test_methods_cover_get_put_post_delete(model: Model) -> None:
    verbs = {method.verb for _, method in all_methods(model)}

    assert verbs == {"get", "put", "post", "delete"}


def test_methods_take_zero_one_and_two_path_args(model: Model) -> None:
    counts = {len(method.args) for _, method in all_methods(model)}

    assert counts == {0, 1, 2}


def test_methods_cover_every_body_combination(model: Model) -> None:
    combinations = {(method.input is not None, method.output is not None) for _, method in all_methods(model)}

    assert combinations == {(True, True), (True, False), (False, True), (False, False)}


def test_outputs_are_schemas_not_blobs(model: Model) -> None:
    for _, method in all_methods(model):
        assert method.output_kind == ("json" if method.output else "none"), method.name


def test_list_methods_paginate_with_limit(model: Model) -> None:
    paginated = [method for _, method in all_methods(model) if method.paginated]

    assert len(paginated) >= 3
    for method in paginated:
        assert method.verb == "get", method.name
        assert "limit" in method.query, method.name
        assert method.output is not None, method.name


def test_query_parameters_besides_pagination(model: Model) -> None:
    others = {name for _, method in all_methods(model) for name in method.query} - {
        "continuationToken",
        "limit",
    }

    assert {"since", "until", "before", "type"} <= others


def test_methods_have_categories_and_markdown(model: Model) -> None:
    for _, method in all_methods(model):
        assert method.category, method.name
        assert method.title, method.name
        assert method.description, method.name
    descriptions = [method.description for _, method in all_methods(model)]

    assert any("\n\n" in text for text in descriptions)
    assert any("`" in text for text in descriptions)
    assert any("\n* " in text for text in descriptions)
    assert len({method.category for _, method in all_methods(model)}) >= 5


def test_scopes_use_every_expression_form(model: Model) -> None:
    forms: set[str] = set()
    for _, method in all_methods(model):
        if method.scopes is not None:
            forms.update(scope_forms(json.loads(method.scopes)))

    assert forms == {"string", "AnyOf", "AllOf", "if", "else", "for"}
    assert any(method.scopes is None for _, method in all_methods(model))


def test_routes_unique_per_verb(model: Model) -> None:
    for service in model.services:
        pairs = [(method.verb, method.route) for method in service.methods]

        assert len(pairs) == len(set(pairs)), service.name


# -- skipped references and exchanges ----------------------------------------


def test_logs_references_are_skipped(model: Model) -> None:
    skipped = {(item.path, item.kind, item.version) for item in model.skipped}

    assert skipped == {
        ("/references/readings/v1/logs.json", "logs", 0),
        ("/references/station-registry/v1/logs.json", "logs", 0),
    }


def test_two_services_publish_exchanges(model: Model) -> None:
    publishing = [service for service in model.services if service.exchanges]

    assert [service.name for service in publishing] == ["alerts", "readings"]
    for service in publishing:
        assert service.exchange_prefix == f"exchange/skywatch-{service.name}/v1/"
        assert service.exchanges_title and service.exchanges_description
    assert model.service("station-registry").exchanges_reference is None


def test_routing_keys_cover_every_part_kind(model: Model) -> None:
    parts = [
        part for service in model.services for exchange in service.exchanges for part in exchange.routing_key
    ]

    assert any(part.constant == "primary" and part.required for part in parts)
    assert any(part.constant is None and part.required and not part.multiple_words for part in parts)
    assert any(not part.required and not part.multiple_words for part in parts)
    assert any(part.multiple_words for part in parts)
    for service in model.services:
        for exchange in service.exchanges:
            assert exchange.routing_key[0].constant == "primary", exchange.name
            assert [part.multiple_words for part in exchange.routing_key][:-1] == [False] * (
                len(exchange.routing_key) - 1
            ), f"{exchange.name}: only the last part may span several words"


def test_exchange_schema_shared_with_method_output(model: Model) -> None:
    alerts = model.service("alerts")
    message_schemas = {document_path(exchange.schema) for exchange in alerts.exchanges}

    outputs = {document_path(method.output) for method in alerts.methods if method.output}

    assert message_schemas == {"/schemas/alerts/v1/alert-message.json"}
    assert message_schemas <= outputs


# -- schemas -------------------------------------------------------------------


def test_cross_file_refs_resolve_into_model(model: Model) -> None:
    by_id = {schema.id: schema.parsed() for schema in model.schemas}
    forms: set[str] = set()
    for schema_id, document in by_id.items():
        for ref in schema_refs(document):
            target = urllib.parse.urljoin(document["$id"], ref)
            path, _, fragment = target.partition("#")

            assert path in by_id, f"{schema_id}: $ref {ref} points outside the model's schemas"
            assert resolve_pointer(by_id[path], fragment) is not None
            if ref.startswith("common-types.json#/definitions/"):
                forms.add("definition in another file")
            elif ref.endswith(".json#"):
                forms.add("whole other file")
            elif ref.startswith("#/"):
                forms.add("same file")

    assert forms == {"definition in another file", "whole other file", "same file"}


def test_common_types_reached_only_by_ref(model: Model) -> None:
    bodies = {
        uri.split("#")[0] for _, method in all_methods(model) for uri in (method.input, method.output) if uri
    } | {exchange.schema.split("#")[0] for service in model.services for exchange in service.exchanges}
    ids = {schema.id for schema in model.schemas}

    for name in SERVICE_NAMES:
        common_types = f"/schemas/{name}/v1/common-types.json"
        assert common_types in ids
        assert common_types not in bodies


def test_schemas_cover_type_model_features(model: Model) -> None:
    keywords = [pair for schema in model.schemas for pair in schema_keywords(schema.parsed())]
    types = [value for key, value in keywords if key == "type"]
    formats = {value for key, value in keywords if key == "format"}

    assert {"object", "array", "string", "integer", "number", "boolean"} <= {
        t for t in types if isinstance(t, str)
    }
    assert ["string", "null"] in types
    assert ["number", "null"] in types
    assert {"date-time", "uri", "email"} <= formats
    assert any(key == "oneOf" for key, _ in keywords)
    assert any(key == "const" for key, _ in keywords)
    assert any(key == "enum" for key, _ in keywords)
    assert any(key == "additionalProperties" and isinstance(value, dict) for key, value in keywords)
    assert any(key == "additionalProperties" and value is True for key, value in keywords)


# -- meta-schemas ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(META_SCHEMAS))
def test_meta_schema_header(name: str) -> None:
    schema = meta_schema(name)
    kind, version = META_SCHEMAS[name]

    assert schema["$id"] == f"/schemas/common/{name}.json#"
    assert schema["$schema"] == DRAFT_06
    assert schema["metadata"] == {"name": kind, "version": version}
    jsonschema.Draft6Validator.check_schema(schema)


def test_meta_schemas_accept_real_references(
    bundle_path: Path, load_bundle_documents: Callable[[Path | str], Documents]
) -> None:
    documents = load_bundle_documents(bundle_path)
    checked = {name: 0 for name in META_SCHEMAS}
    for path, document in documents.by_path.items():
        if not path.startswith("/references/") or meta_schema_name(document) not in META_SCHEMAS:
            continue
        errors = meta_schema_errors(meta_schema_name(document), document)

        assert not errors, f"{path}: {errors[0].message} at {list(errors[0].absolute_path)}"
        checked[meta_schema_name(document)] += 1

    assert checked["manifest-v3"] == 1
    assert checked["api-reference-v0"] >= 9
    assert checked["exchanges-reference-v0"] >= 6
    assert checked["logs-reference-v0"] >= 11


def test_default_references_match_taskcluster_meta_schemas(
    bundle_paths: list[Path], load_bundle_documents: Callable[[Path | str], Documents]
) -> None:
    real = load_bundle_documents(bundle_paths[-1])
    for path in sorted((DEFAULT / "references").rglob("*.json")):
        document = read_json(path)
        taskcluster_meta = real.by_path[document["$schema"].split("#")[0]]
        if path.name == "manifest.json":
            # Taskcluster's manifest-v3 declares no '$schema', yet deployments serve one.
            document = {key: value for key, value in document.items() if key != "$schema"}
        errors = list(jsonschema.Draft6Validator(taskcluster_meta).iter_errors(document))

        assert not errors, f"{path}: {errors[0].message}"


def api_reference() -> dict[str, Any]:
    document: dict[str, Any] = read_json(DEFAULT / "references" / "alerts" / "v1" / "api.json")
    return document


def exchanges_reference() -> dict[str, Any]:
    document: dict[str, Any] = read_json(DEFAULT / "references" / "alerts" / "v1" / "exchanges.json")
    return document


def without(document: dict[str, Any], *path: str | int) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node: Any = changed
    for token in path[:-1]:
        node = node[token]
    del node[path[-1]]
    return changed


def replaced(document: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node: Any = changed
    for token in path[:-1]:
        node = node[token]
    node[path[-1]] = value
    return changed


def readings_logs_reference() -> dict[str, Any]:
    document: dict[str, Any] = read_json(DEFAULT / "references" / "readings" / "v1" / "logs.json")
    return document


class Rejection(NamedTuple):
    """A malformed reference, the meta-schema that must reject it, and the rule and place of the error."""

    meta_schema: str
    document: Callable[[], dict[str, Any]]
    rule: str
    path: list[str | int]


REJECTED = {
    "api without serviceName": Rejection(
        "api-reference-v0", lambda: without(api_reference(), "serviceName"), "required", []
    ),
    "api entry without route": Rejection(
        "api-reference-v0",
        lambda: without(api_reference(), "entries", 1, "route"),
        "required",
        ["entries", 1],
    ),
    "api entry without stability": Rejection(
        "api-reference-v0",
        lambda: without(api_reference(), "entries", 1, "stability"),
        "required",
        ["entries", 1],
    ),
    "api verb fetch": Rejection(
        "api-reference-v0",
        lambda: replaced(api_reference(), "fetch", "entries", 1, "method"),
        "enum",
        ["entries", 1, "method"],
    ),
    "api verb in upper case": Rejection(
        "api-reference-v0",
        lambda: replaced(api_reference(), "GET", "entries", 1, "method"),
        "enum",
        ["entries", 1, "method"],
    ),
    "api stability beta": Rejection(
        "api-reference-v0",
        lambda: replaced(api_reference(), "beta", "entries", 1, "stability"),
        "enum",
        ["entries", 1, "stability"],
    ),
    "api entry with unknown field": Rejection(
        "api-reference-v0",
        lambda: replaced(api_reference(), "x", "entries", 1, "verb"),
        "additionalProperties",
        ["entries", 1],
    ),
    "api for/each/in outside a list": Rejection(
        "api-reference-v0",
        lambda: replaced(api_reference(), {"for": "a", "in": "b", "each": "c:<a>"}, "entries", 1, "scopes"),
        "oneOf",
        ["entries", 1, "scopes"],
    ),
    "exchanges without exchangePrefix": Rejection(
        "exchanges-reference-v0", lambda: without(exchanges_reference(), "exchangePrefix"), "required", []
    ),
    "routing key part without multipleWords": Rejection(
        "exchanges-reference-v0",
        lambda: without(exchanges_reference(), "entries", 0, "routingKey", 1, "multipleWords"),
        "required",
        ["entries", 0, "routingKey", 1],
    ),
    "exchange entry without schema": Rejection(
        "exchanges-reference-v0",
        lambda: without(exchanges_reference(), "entries", 0, "schema"),
        "required",
        ["entries", 0],
    ),
    "manifest without references": Rejection(
        "manifest-v3", lambda: {"$schema": "/schemas/common/manifest-v3.json#"}, "required", []
    ),
    "logs type without level": Rejection(
        "logs-reference-v0",
        lambda: without(readings_logs_reference(), "types", 0, "level"),
        "required",
        ["types", 0],
    ),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_meta_schema_rejects(case: str) -> None:
    rejection = REJECTED[case]
    errors = meta_schema_errors(rejection.meta_schema, rejection.document())

    assert errors, f"{case}: the document was accepted"
    found = [(error.validator, list(error.absolute_path)) for error in errors]
    assert (rejection.rule, rejection.path) in found


PIPELINE_REJECTED = {
    "verb": ("method", "fetch", "/entries/1/method"),
    "stability": ("stability", "beta", "/entries/1/stability"),
    "missing title": ("title", None, "/entries/1"),
}


@pytest.mark.parametrize("case", sorted(PIPELINE_REJECTED))
def test_pipeline_rejects_invalid_default_copy(case: str, tmp_path: Path) -> None:
    field, value, pointer = PIPELINE_REJECTED[case]
    copy_root = tmp_path / "default"
    shutil.copytree(DEFAULT, copy_root)
    api_path = copy_root / "references" / "alerts" / "v1" / "api.json"
    document = read_json(api_path)
    if value is None:
        del document["entries"][1][field]
    else:
        document["entries"][1][field] = value
    api_path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(TcgenError) as caught:
        load_model(str(copy_root))

    assert caught.value.document == "/references/alerts/v1/api.json"
    assert caught.value.pointer == pointer
    assert "/schemas/common/api-reference-v0.json" in caught.value.message
