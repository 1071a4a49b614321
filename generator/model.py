"""The language-neutral intermediate model every emitter reads.

Frozen dataclasses, built once from validated references and never changed.
Names are as the references spell them (`createTask`, `purge-cache`); each
emitter's naming layer turns them into its own case. A tiny example:

    {"name": "ping", "method": "get", "route": "/ping", "args": [], ...}
    -> Method(name="ping", verb="get", route="/ping", args=(), ...)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import TcgenError, join_pointer
from .source import Documents, document_path, service_schema_uri
from .validate import ValidatedSource

log = logging.getLogger(__name__)

STABILITIES = ("experimental", "stable", "deprecated")


@dataclass(frozen=True)
class Method:
    """One API method: an HTTP call with path arguments, query and bodies."""

    name: str
    title: str
    description: str
    category: str
    stability: str
    verb: str
    route: str
    args: tuple[str, ...]
    query: tuple[str, ...]
    input: str | None
    output: str | None
    output_kind: str
    scopes: str | None
    pointer: str

    @property
    def path_template(self) -> tuple[tuple[str, str], ...]:
        """The route as ("text", "/task/") and ("arg", "taskId") pieces, in order."""
        return split_route(self.route)

    @property
    def paginated(self) -> bool:
        return "continuationToken" in self.query


@dataclass(frozen=True)
class RoutingKeyPart:
    """One word (or, with `multiple_words`, any number of words) of a routing key."""

    name: str
    summary: str
    constant: str | None
    required: bool
    multiple_words: bool


@dataclass(frozen=True)
class Exchange:
    """One topic exchange a service publishes to."""

    name: str
    exchange: str
    title: str
    description: str
    routing_key: tuple[RoutingKeyPart, ...]
    schema: str
    pointer: str


@dataclass(frozen=True)
class Service:
    """A service: its API methods and, if it has an exchanges reference, its exchanges."""

    name: str
    api_version: str
    title: str
    description: str
    api_reference: str | None
    methods: tuple[Method, ...]
    exchanges_reference: str | None
    exchange_prefix: str
    exchanges_title: str
    exchanges_description: str
    exchanges: tuple[Exchange, ...]


@dataclass(frozen=True)
class Schema:
    """A JSON schema document a method or exchange uses, as canonical JSON text."""

    id: str
    document: str

    def parsed(self) -> Any:
        return json.loads(self.document)


@dataclass(frozen=True)
class Skipped:
    """A reference of a kind that is not built (logs, metrics, ...)."""

    path: str
    kind: str
    version: int


@dataclass(frozen=True)
class Model:
    """A deployment: its services, the schemas they use and the references skipped."""

    root_url: str
    services: tuple[Service, ...]
    schemas: tuple[Schema, ...]
    skipped: tuple[Skipped, ...]

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def to_json(self) -> str:
        """The model as deterministic JSON text (schemas as parsed documents)."""
        data = dataclasses.asdict(self)
        data["schemas"] = {schema.id: schema.parsed() for schema in self.schemas}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def only(self, service_names: Iterable[str]) -> Model:
        """A model with only the named services; schemas stay, since they are shared."""
        wanted = set(service_names)
        missing = sorted(wanted - {service.name for service in self.services})
        if missing:
            known = ", ".join(service.name for service in self.services)
            raise TcgenError(
                f"unknown service {', '.join(missing)}",
                hint=f"choose from: {known}",
            )
        services = tuple(service for service in self.services if service.name in wanted)
        return dataclasses.replace(self, services=services)


def scope_lines(scopes: str | None) -> list[str]:
    """Render a scope expression (canonical JSON) as indented lines for documentation."""
    if scopes is None:
        return []
    lines: list[str] = []

    def render(node: Any, depth: int) -> None:
        pad = "  " * depth
        if isinstance(node, str):
            lines.append(pad + node)
        elif "AllOf" in node or "AnyOf" in node:
            key = "AllOf" if "AllOf" in node else "AnyOf"
            lines.append(pad + ("All of:" if key == "AllOf" else "Any of:"))
            for item in node[key]:
                render(item, depth + 1)
        elif "if" in node:
            lines.append(f"{pad}If {node['if']}:")
            render(node["then"], depth + 1)
            if "else" in node:
                lines.append(pad + "Else:")
                render(node["else"], depth + 1)
        elif "for" in node:
            lines.append(f"{pad}For each {node['for']} in {node['in']}: {node['each']}")

    render(json.loads(scopes), 0)
    return lines


# -- building -----------------------------------------------------------------


def build_model(validated: ValidatedSource) -> Model:
    """Build the model from validated references, resolving every schema they reach."""
    documents = validated.documents
    by_service: dict[str, dict[str, Any]] = {}
    for reference in validated.references:
        service = reference.document["serviceName"]
        by_service.setdefault(service, {})[reference.kind] = reference
    services = tuple(
        _service(name, parts.get("api"), parts.get("exchanges"))
        for name, parts in sorted(by_service.items())
    )
    schema_ids = _schema_ids_used(services)
    schemas = _collect_schemas(documents, services, schema_ids)
    skipped = tuple(
        Skipped(item.path, item.kind, item.version)
        for item in sorted(validated.skipped, key=lambda item: item.path)
    )
    model = Model(documents.root_url, services, schemas, skipped)
    log.info(
        "model: %d services, %d methods, %d exchanges, %d schemas",
        len(services),
        sum(len(service.methods) for service in services),
        sum(len(service.exchanges) for service in services),
        len(schemas),
    )
    return model


def _service(name: str, api: Any, exchanges: Any) -> Service:
    api_doc = api.document if api else {}
    exchanges_doc = exchanges.document if exchanges else {}
    methods = tuple(
        _method(name, api.path, index, entry)
        for index, entry in enumerate(api_doc.get("entries", []))
    ) if api else ()
    _check_unique(api.path if api else "", [method.name for method in methods])
    events = tuple(
        _exchange(name, exchanges.path, index, entry)
        for index, entry in enumerate(exchanges_doc.get("entries", []))
    ) if exchanges else ()
    _check_unique(exchanges.path if exchanges else "", [exchange.name for exchange in events])
    return Service(
        name=name,
        api_version=api_doc.get("apiVersion") or exchanges_doc.get("apiVersion", "v1"),
        title=api_doc.get("title", exchanges_doc.get("title", name)),
        description=api_doc.get("description", ""),
        api_reference=api.path if api else None,
        methods=methods,
        exchanges_reference=exchanges.path if exchanges else None,
        exchange_prefix=exchanges_doc.get("exchangePrefix", ""),
        exchanges_title=exchanges_doc.get("title", ""),
        exchanges_description=exchanges_doc.get("description", ""),
        exchanges=events,
    )


def _check_unique(path: str, names: list[str]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise TcgenError(
                f"duplicate entry name {name!r}",
                document=path,
                pointer=join_pointer("entries", index, "name"),
                hint="give every entry of a reference a distinct name",
            )
        seen.add(name)


def _method(service: str, path: str, index: int, entry: dict[str, Any]) -> Method:
    pointer = join_pointer("entries", index)
    args = tuple(entry.get("args", []))
    route = entry["route"]
    in_route = tuple(piece for kind, piece in split_route(route) if kind == "arg")
    if in_route != args:
        raise TcgenError(
            f"method {entry['name']!r}: args {list(args)} do not match the route's "
            f"<arguments> {list(in_route)}",
            document=path,
            pointer=pointer + "/args",
            hint="list every <argument> of the route in 'args', in route order",
        )
    output: str | None = entry.get("output")
    output_kind = "none" if output is None else ("blob" if output == "blob" else "json")
    scopes = entry.get("scopes")
    return Method(
        name=entry["name"],
        title=entry.get("title", ""),
        description=entry.get("description", ""),
        category=entry.get("category", ""),
        stability=entry.get("stability", "experimental"),
        verb=entry["method"],
        route=route,
        args=args,
        query=tuple(entry.get("query", [])),
        input=service_schema_uri(service, entry["input"]) if "input" in entry else None,
        output=service_schema_uri(service, output) if output is not None and output_kind == "json" else None,
        output_kind=output_kind,
        scopes=None if scopes is None else json.dumps(scopes, sort_keys=True, separators=(",", ":")),
        pointer=f"{path}#{pointer}",
    )


def split_route(route: str) -> tuple[tuple[str, str], ...]:
    """Split '/task/<taskId>/runs' into ("text", "/task/"), ("arg", "taskId"), ("text", "/runs")."""
    pieces: list[tuple[str, str]] = []
    rest = route
    while "<" in rest:
        before, _, after = rest.partition("<")
        name, _, rest = after.partition(">")
        if before:
            pieces.append(("text", before))
        pieces.append(("arg", name))
    if rest:
        pieces.append(("text", rest))
    return tuple(pieces)


def _exchange(service: str, path: str, index: int, entry: dict[str, Any]) -> Exchange:
    parts = tuple(
        RoutingKeyPart(
            name=part["name"],
            summary=part.get("summary", ""),
            constant=part.get("constant"),
            required=bool(part.get("required", False)),
            multiple_words=bool(part.get("multipleWords", False)),
        )
        for part in entry.get("routingKey", [])
    )
    return Exchange(
        name=entry["name"],
        exchange=entry["exchange"],
        title=entry.get("title", ""),
        description=entry.get("description", ""),
        routing_key=parts,
        schema=service_schema_uri(service, entry["schema"]),
        pointer=f"{path}#{join_pointer('entries', index)}",
    )


def _schema_ids_used(services: Iterable[Service]) -> dict[str, str]:
    """Map each body schema id to the pointer of the first entry that uses it."""
    used: dict[str, str] = {}
    for service in services:
        for method in service.methods:
            if method.input:
                used.setdefault(document_path(method.input), method.pointer + "/input")
            if method.output:
                used.setdefault(document_path(method.output), method.pointer + "/output")
        for exchange in service.exchanges:
            used.setdefault(document_path(exchange.schema), exchange.pointer + "/schema")
    return used


def _collect_schemas(
    documents: Documents, services: tuple[Service, ...], roots: dict[str, str]
) -> tuple[Schema, ...]:
    """Every schema reachable from the bodies, with every `$ref` checked to resolve."""
    collected: dict[str, Any] = {}
    pending = [(path, *where.split("#", 1)) for path, where in sorted(roots.items())]
    while pending:
        path, needed_by, pointer = pending.pop()
        if path in collected:
            continue
        document = documents.require(
            path,
            needed_by=needed_by,
            pointer=pointer,
        )
        collected[path] = document
        for ref, ref_pointer in _refs_with_pointers(document, ""):
            target = urllib.parse.urljoin(document.get("$id", path) if isinstance(document, dict) else path, ref)
            target_path = document_path(target)
            target_document = documents.require(target_path, needed_by=path, pointer=ref_pointer)
            _resolve_fragment(target_document, target, path, ref_pointer)
            if target_path not in collected:
                pending.append((target_path, path, ref_pointer))
    return tuple(
        Schema(path, json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
        for path, document in sorted(collected.items())
    )


def _refs_with_pointers(node: Any, pointer: str) -> Iterable[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            child = pointer + join_pointer(key)
            if key == "$ref" and isinstance(value, str):
                yield value, child
            elif key not in ("enum", "const", "default", "examples"):
                yield from _refs_with_pointers(value, child)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _refs_with_pointers(item, pointer + join_pointer(index))


def _resolve_fragment(document: Any, target: str, needed_by: str, pointer: str) -> None:
    """Check that the fragment of a `$ref` (a JSON pointer) exists in its document."""
    fragment = urllib.parse.unquote(target.partition("#")[2])
    node = document
    for token in [t for t in fragment.split("/") if t != ""] if fragment.startswith("/") else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise TcgenError(
                f"$ref {target!r} does not resolve: no {token!r} in {document_path(target)}",
                document=needed_by,
                pointer=pointer,
                hint="fix the $ref so it names an existing schema and JSON pointer",
            )
    if fragment and not fragment.startswith("/"):
        raise TcgenError(
            f"$ref {target!r} uses a plain-name fragment, which is not supported",
            document=needed_by,
            pointer=pointer,
            hint="refer to a definition by JSON pointer, such as #/definitions/name",
        )
