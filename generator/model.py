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
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import TcgenError, join_pointer
from .source import MANIFEST_PATH, Documents, document_path, service_schema_uri
from .validate import Reference, ValidatedSource

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


_Entry = TypeVar("_Entry", Method, Exchange)


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
        """Render the model as deterministic JSON text, with schemas as parsed documents."""
        data = dataclasses.asdict(self)
        data["schemas"] = {schema.id: schema.parsed() for schema in self.schemas}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def only(self, service_names: Iterable[str]) -> Model:
        """Return a model with only the named services; schemas stay, since they are shared."""
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


# -- text -------------------------------------------------------------------

# Text that breaks generated source: line breaks other than LF, C0 controls
# other than tab and LF, U+FEFF, and lone surrogates (legal in JSON as escapes).
_UNSAFE_TEXT = re.compile("\r\n?|[\u0085\u2028\u2029]|[\x00-\x08\x0b-\x1f\ufeff]|[\ud800-\udfff]")


def free_text(text: str) -> str:
    """Make markdown text safe in any output language: LF line ends and no invisible controls."""
    return _UNSAFE_TEXT.sub(_replace_unsafe, text)


def one_line_text(text: str) -> str:
    """Make text safe like `free_text`, then join its lines with spaces."""
    return free_text(text).replace("\n", " ")


def _replace_unsafe(match: re.Match[str]) -> str:
    character = match.group()[0]
    if character in "\r\u0085\u2028\u2029":
        return "\n"
    if "\ud800" <= character <= "\udfff":
        return "\ufffd"
    return ""


def _unsafe_in_name(character: str) -> str:
    """Why a character may not appear in a name or wire string, or "" when it may."""
    category = unicodedata.category(character)
    if category == "Cs":
        return "a lone surrogate"
    if category == "Cc":
        return "a control character"
    if category in ("Zl", "Zp"):
        return "a line or paragraph separator"
    if character.isspace() or category == "Zs":
        return "whitespace"
    if category == "Cf":
        return "an invisible format character"
    return ""


@dataclass(frozen=True)
class _Place:
    """A document and a JSON pointer in it, for error messages."""

    document: str
    pointer: str = ""

    def at(self, *tokens: str | int) -> _Place:
        return _Place(self.document, self.pointer + join_pointer(*tokens))


def _name(value: str, field: str, place: _Place) -> str:
    """Return an identifier or wire string unchanged, or raise if it contains an unsafe character."""
    for character in value:
        problem = _unsafe_in_name(character)
        if problem:
            excerpt = value if len(value) <= 60 else value[:57] + "..."
            raise TcgenError(
                f"{field} {excerpt!r} contains {problem} (U+{ord(character):04X})",
                document=place.document,
                pointer=place.pointer,
                hint=f"remove U+{ord(character):04X} from the {field}: names, routes and other strings "
                "sent on the wire may not contain control characters, whitespace, invisible format "
                "characters (such as U+FEFF), line or paragraph separators, or lone surrogates",
            )
    return value


def _names(values: list[str], field: str, place: _Place) -> tuple[str, ...]:
    return tuple(_name(value, field, place.at(index)) for index, value in enumerate(values))


# -- building -----------------------------------------------------------------


def build_model(validated: ValidatedSource) -> Model:
    """Build the model from validated references, resolving every schema they reach."""
    documents = validated.documents
    by_service = _references_by_service(validated.references)
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


def _references_by_service(references: Iterable[Reference]) -> dict[str, dict[str, Reference]]:
    """Group references by service name, at most one of each kind per service."""
    by_service: dict[str, dict[str, Reference]] = {}
    for reference in references:
        place = _Place(reference.path, "/serviceName")
        service = _name(reference.document["serviceName"], "service name", place)
        parts = by_service.setdefault(service, {})
        earlier = parts.get(reference.kind)
        if earlier is not None:
            raise TcgenError(
                f"service {service!r} has two {reference.kind} references: "
                f"{earlier.path} and {reference.path}",
                document=MANIFEST_PATH,
                pointer=reference.manifest_pointer,
                hint=f"list one {reference.kind} reference per service in the manifest, "
                "or give the services distinct serviceName values",
            )
        parts[reference.kind] = reference
    return by_service


def _service(name: str, api: Reference | None, exchanges: Reference | None) -> Service:
    methods = _entries(api, lambda path, index, entry: _method(name, path, index, entry))
    events = _entries(exchanges, lambda path, index, entry: _exchange(name, path, index, entry))
    api_doc = api.document if api else {}
    exchanges_doc = exchanges.document if exchanges else {}
    api_version = _api_version(api) or _api_version(exchanges) or "v1"
    prefix_place = _Place(exchanges.path if exchanges else "", "/exchangePrefix")
    return Service(
        name=name,
        api_version=api_version,
        title=one_line_text(api_doc.get("title", exchanges_doc.get("title", name))),
        description=free_text(api_doc.get("description", "")),
        api_reference=api.path if api else None,
        methods=methods,
        exchanges_reference=exchanges.path if exchanges else None,
        exchange_prefix=_name(exchanges_doc.get("exchangePrefix", ""), "exchange prefix", prefix_place),
        exchanges_title=one_line_text(exchanges_doc.get("title", "")),
        exchanges_description=free_text(exchanges_doc.get("description", "")),
        exchanges=events,
    )


def _api_version(reference: Reference | None) -> str:
    if reference is None:
        return ""
    place = _Place(reference.path, "/apiVersion")
    return _name(reference.document.get("apiVersion", ""), "API version", place)


def _entries(
    reference: Reference | None, build: Callable[[str, int, dict[str, Any]], _Entry]
) -> tuple[_Entry, ...]:
    """Build every entry of a reference, checking that entry names are distinct."""
    if reference is None:
        return ()
    entries = enumerate(reference.document["entries"])
    built = tuple(build(reference.path, index, entry) for index, entry in entries)
    _check_unique(reference.path, [item.name for item in built])
    return built


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
    place = _Place(path, join_pointer("entries", index))
    name = _name(entry["name"], "method name", place.at("name"))
    route = _route(entry["route"], place.at("route"))
    args = _names(entry.get("args", []), "argument name", place.at("args"))
    in_route = tuple(piece for kind, piece in split_route(route) if kind == "arg")
    if in_route != args:
        raise TcgenError(
            f"method {name!r}: args {list(args)} do not match the route's <arguments> {list(in_route)}",
            document=path,
            pointer=place.pointer + "/args",
            hint="list every <argument> of the route in 'args', in route order",
        )
    output: str | None = entry.get("output")
    if output is None:
        output_kind = "none"
    elif output == "blob":
        output_kind = "blob"
    else:
        output_kind = "json"
    output_uri = _body_uri(service, output, place.at("output")) if output_kind == "json" and output else None
    scopes = entry.get("scopes")
    return Method(
        name=name,
        title=one_line_text(entry.get("title", "")),
        description=free_text(entry.get("description", "")),
        category=one_line_text(entry.get("category", "")),
        stability=entry.get("stability", "experimental"),
        verb=entry["method"],
        route=route,
        args=args,
        query=_names(entry.get("query", []), "query parameter name", place.at("query")),
        input=_body_uri(service, entry["input"], place.at("input")) if "input" in entry else None,
        output=output_uri,
        output_kind=output_kind,
        scopes=None if scopes is None else json.dumps(scopes, sort_keys=True, separators=(",", ":")),
        pointer=f"{path}#{place.pointer}",
    )


def _route(route: str, place: _Place) -> str:
    """Return a route after checking that it starts with '/' and that every '<name>' is well formed."""
    _name(route, "route", place)
    problem = "" if route.startswith("/") else "does not start with '/'"
    rest = route
    while not problem and ("<" in rest or ">" in rest):
        before, opening, after = rest.partition("<")
        argument, closing, rest = after.partition(">")
        if ">" in before or not opening:
            problem = "has a '>' without a '<' before it"
        elif not closing or "<" in argument:
            problem = "has a '<' without a matching '>'"
        elif not argument:
            problem = "has an empty argument name '<>'"
    if problem:
        raise TcgenError(
            f"route {route!r} {problem}",
            document=place.document,
            pointer=place.pointer,
            hint="write the route as a path starting with '/', each path argument as <name>",
        )
    return route


def _body_uri(service: str, relative: str, place: _Place) -> str:
    """Resolve an input, output or message schema URI; it must name a document under /schemas/."""
    uri = service_schema_uri(service, _name(relative, "schema URI", place))
    if not document_path(uri).startswith("/schemas/"):
        raise TcgenError(
            f"schema {relative!r} resolves to {document_path(uri)}, which is not under /schemas/",
            document=place.document,
            pointer=place.pointer,
            hint=f"name a JSON schema, relative to /schemas/{service}/, such as v1/request.json#",
        )
    return uri


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
    place = _Place(path, join_pointer("entries", index))
    parts = tuple(
        _routing_key_part(part, place.at("routingKey", number))
        for number, part in enumerate(entry.get("routingKey", []))
    )
    return Exchange(
        name=_name(entry["name"], "exchange name", place.at("name")),
        exchange=_name(entry["exchange"], "exchange", place.at("exchange")),
        title=one_line_text(entry.get("title", "")),
        description=free_text(entry.get("description", "")),
        routing_key=parts,
        schema=_body_uri(service, entry["schema"], place.at("schema")),
        pointer=f"{path}#{place.pointer}",
    )


def _routing_key_part(part: dict[str, Any], place: _Place) -> RoutingKeyPart:
    constant = part.get("constant")
    return RoutingKeyPart(
        name=_name(part["name"], "routing-key part name", place.at("name")),
        summary=one_line_text(part.get("summary", "")),
        constant=None if constant is None else _name(constant, "routing-key constant", place.at("constant")),
        required=bool(part.get("required", False)),
        multiple_words=bool(part.get("multipleWords", False)),
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
    """Collect every schema reachable from the bodies, checking that every `$ref` resolves."""
    # TODO(#2): text inside schemas (titles, descriptions, property names) is kept as
    # published, so control characters there still reach generated type docs and names.
    collected: dict[str, Any] = {}
    pending = [(path, *where.split("#", 1)) for path, where in sorted(roots.items())]
    while pending:
        path, needed_by, pointer = pending.pop()
        if path in collected:
            continue
        document = _schema_document(documents, path, _Place(needed_by, pointer))
        collected[path] = document
        for ref, ref_pointer in _refs_with_pointers(document, ""):
            target = _ref_target(document, path, ref, ref_pointer)
            target_path = document_path(target)
            target_document = _schema_document(documents, target_path, _Place(path, ref_pointer))
            _resolve_fragment(target_document, target, path, ref_pointer)
            if target_path not in collected:
                pending.append((target_path, path, ref_pointer))
    return tuple(
        Schema(path, json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
        for path, document in sorted(collected.items())
    )


def _schema_document(documents: Documents, path: str, needed_by: _Place) -> Any:
    """Return the schema at `path`, checking that it is a JSON object or boolean under /schemas/."""
    if not path.startswith("/schemas/"):
        raise TcgenError(
            f"{path} is used as a JSON schema, but it is not under /schemas/",
            document=needed_by.document,
            pointer=needed_by.pointer,
            hint="refer only to JSON schemas the deployment publishes under /schemas/",
        )
    if path not in documents.by_path:
        documents.require(path, needed_by=needed_by.document, pointer=needed_by.pointer)
    document = documents.by_path[path]
    if not isinstance(document, dict | bool):
        raise TcgenError(
            f"{path} is used as a JSON schema, but it is a JSON {_json_type(document)}, "
            "not an object or a boolean",
            document=needed_by.document,
            pointer=needed_by.pointer,
            hint=f"make {path} a JSON schema object, or refer to another schema",
        )
    _schema_base(document, path)
    return document


def _schema_base(document: Any, path: str) -> str:
    """Return the URI that a schema's relative `$ref`s resolve against: its `$id`, else its path."""
    identifier = document.get("$id", path) if isinstance(document, dict) else path
    if not isinstance(identifier, str):
        raise TcgenError(
            f"$id is a JSON {_json_type(identifier)}, not a string",
            document=path,
            pointer="/$id",
            hint="make $id the schema's URI, such as /schemas/<service>/v1/<name>.json#, or remove it",
        )
    return identifier


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _refs_with_pointers(node: Any, pointer: str) -> Iterable[tuple[Any, str]]:
    """Yield every `$ref` value with its pointer. A dict under "$ref" is a property of that name."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = pointer + join_pointer(key)
            if key == "$ref" and not isinstance(value, dict):
                yield value, child
            elif key not in ("enum", "const", "default", "examples"):
                yield from _refs_with_pointers(value, child)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _refs_with_pointers(item, pointer + join_pointer(index))


def _ref_target(document: Any, path: str, ref: Any, pointer: str) -> str:
    """Resolve a `$ref` against the schema's base URI, checking that it is a string."""
    if not isinstance(ref, str):
        raise TcgenError(
            f"$ref is a JSON {_json_type(ref)}, not a string",
            document=path,
            pointer=pointer,
            hint="make $ref a URI reference such as other.json#/definitions/name",
        )
    return urllib.parse.urljoin(_schema_base(document, path), _name(ref, "$ref", _Place(path, pointer)))


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
