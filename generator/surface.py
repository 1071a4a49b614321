"""The public API surface of one generated package, as its language's users see it.

A surface is plain JSON, stored with every release, and is all the diff needs:
for each service the public names (from the language's naming layer) beside
the wire facts from the references (verb, route, arguments, query, bodies,
stability, scopes, routing keys) and the JSON pointer each came from.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from typing import Any

from .emit import Naming, PackageOptions, load_target
from .model import Exchange, Method, Model, Schema, Service
from .source import document_path

SURFACE_FORMAT = 1


def build_surface(model: Model, language: str, options: PackageOptions) -> dict[str, Any]:
    """Surface of the `language` package generated from `model`."""
    naming = load_target(language).naming
    shapes = _ShapeReader(model.schemas)
    return {
        "format": SURFACE_FORMAT,
        "language": language,
        "services": {
            service.name: _service(service, naming, shapes) for service in model.services
        },
    }


def surface_json(surface: dict[str, Any]) -> str:
    return json.dumps(surface, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def digest(text: str) -> str:
    """Short stable fingerprint of a text (descriptions are compared, not stored)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _service(service: Service, naming: Naming, shapes: _ShapeReader) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "api_version": service.api_version,
        "pointer": service.api_reference or service.exchanges_reference,
        "description": digest(service.description),
    }
    if service.methods:
        entry["client"] = naming.client_class(service)
        entry["methods"] = {
            method.name: _method(service, method, naming, shapes) for method in service.methods
        }
    if service.exchanges:
        entry["events"] = naming.events_class(service)
        entry["exchange_prefix"] = service.exchange_prefix
        entry["exchanges"] = {
            exchange.name: _exchange(service, exchange, naming, shapes) for exchange in service.exchanges
        }
    return entry


def _method(service: Service, method: Method, naming: Naming, shapes: _ShapeReader) -> dict[str, Any]:
    return {
        "symbol": naming.method(service, method),
        "pointer": method.pointer,
        "verb": method.verb,
        "route": method.route,
        "args": [[name, naming.argument(name)] for name in method.args],
        "query": {name: naming.query(name) for name in method.query},
        "input": method.input,
        "input_shape": shapes.shape(method.input),
        "output": method.output,
        "output_kind": method.output_kind,
        "output_shape": shapes.shape(method.output),
        "stability": method.stability,
        "scopes": method.scopes,
        "title": method.title,
        "description": digest(method.description),
    }


def _exchange(service: Service, exchange: Exchange, naming: Naming, shapes: _ShapeReader) -> dict[str, Any]:
    return {
        "symbol": naming.exchange(service, exchange),
        "pointer": exchange.pointer,
        "exchange": exchange.exchange,
        "routing_key": [
            {
                "name": part.name,
                "constant": part.constant,
                "required": part.required,
                "multiple_words": part.multiple_words,
            }
            for part in exchange.routing_key
        ],
        "schema": exchange.schema,
        "schema_shape": shapes.shape(exchange.schema),
        "title": exchange.title,
        "description": digest(exchange.description),
    }


class _ShapeReader:
    """Top-level shape of a body schema: its properties and which are required."""

    def __init__(self, schemas: tuple[Schema, ...]) -> None:
        self._texts = {schema.id: schema.document for schema in schemas}
        self._parsed: dict[str, Any] = {}

    def _document(self, path: str) -> Any:
        if path not in self._parsed and path in self._texts:
            self._parsed[path] = json.loads(self._texts[path])
        return self._parsed.get(path)

    def shape(self, schema_id: str | None) -> dict[str, Any] | None:
        if schema_id is None:
            return None
        node = self._resolve(schema_id)
        if not isinstance(node, dict) or not isinstance(node.get("properties"), dict):
            return {"type": node.get("type") if isinstance(node, dict) else None}
        return {
            "type": "object",
            "properties": sorted(node["properties"]),
            "required": sorted(node.get("required", [])),
            "additional": node.get("additionalProperties", True) is not False,
        }

    def _resolve(self, uri: str, depth: int = 0) -> Any:
        node: Any = self._document(document_path(uri))
        if node is None:
            return None
        base = node.get("$id", uri) if isinstance(node, dict) else uri
        fragment = urllib.parse.unquote(uri.partition("#")[2])
        for token in [t for t in fragment.split("/") if t]:
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 16:
            return self._resolve(urllib.parse.urljoin(base, node["$ref"]), depth + 1)
        return node
