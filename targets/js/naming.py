"""JavaScript names for what the model holds: the public names callers of the generated package write.

Every name depends only on the thing it names (and its own service), so adding a
method or a service never renames an existing one:

    service "purge-cache"      -> class PurgeCache, events class PurgeCacheEvents
    method "createTask"        -> queue.createTask(...)
    path argument "default"    -> parameter default_ in the declaration
    query parameter "limit"    -> options key limit
"""

from __future__ import annotations

import re

from generator.model import Exchange, Method, Service

# ECMAScript reserved words, the strict-mode ones, and `arguments` and `eval`, which strict code
# cannot bind. An ES module is strict code, so none of them can name a parameter.
RESERVED_WORDS = frozenset(
    [
        "arguments",
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "eval",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
    ]
)

# Members every generated client or events class already has. A reference name equal to one
# of them gets a trailing underscore, because a method of that name would replace the member.
CLIENT_MEMBERS = frozenset({"constructor", "use"})
EVENTS_MEMBERS = frozenset({"constructor"})

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_WORD = re.compile(r"[A-Za-z0-9]+")


def is_identifier(name: str) -> bool:
    """Whether `name` is an ASCII JavaScript identifier name (reserved words included)."""
    return bool(_IDENTIFIER.match(name))


def pascal_case(name: str) -> str:
    """`purge-cache` -> `PurgeCache`, `workerManager` -> `WorkerManager`."""
    words = _WORD.findall(name)
    text = "".join(word[:1].upper() + word[1:] for word in words)
    if not text or text[0].isdigit():
        text = "S" + text
    return text


def camel_case(name: str) -> str:
    """A valid identifier close to `name`: kept as is when it already is one."""
    if is_identifier(name):
        return name
    pascal = pascal_case(name)
    return pascal[:1].lower() + pascal[1:]


class JsNaming:
    """The Naming protocol for the JavaScript package."""

    def client_class(self, service: Service) -> str:
        return pascal_case(service.name)

    def events_class(self, service: Service) -> str:
        return pascal_case(service.name) + "Events"

    def method(self, service: Service, method: Method) -> str:
        name = camel_case(method.name)
        return name + "_" if name in CLIENT_MEMBERS else name

    def argument(self, name: str) -> str:
        identifier = camel_case(name)
        return identifier + "_" if identifier in RESERVED_WORDS else identifier

    def query(self, name: str) -> str:
        # Query parameters are keys of the options object, so any string works unchanged.
        return name

    def exchange(self, service: Service, exchange: Exchange) -> str:
        name = camel_case(exchange.name)
        return name + "_" if name in EVENTS_MEMBERS else name
