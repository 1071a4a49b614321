"""Reject Go declarations that would clash: two services in one package, or two names in one scope.

Every name comes from targets.go.naming, which depends only on the entry it
names. So a clash is raised as an error that names both entries, never
resolved by renaming one of them depending on the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import TcgenError
from generator.model import Method, Model, Service
from targets.reference_names import (
    argument_at,
    exchange_name_at,
    method_name_at,
    routing_key_part_at,
    service_name_at,
)

from .naming import GoNaming

ENTRY_HINT = "rename one of the entries in the reference so their Go names differ"
SERVICE_HINT = (
    "the Go client type is the service name in PascalCase, so rename the service, "
    "or generate the Go module for the other services only (--service NAME for each)"
)


@dataclass(frozen=True)
class Declaration:
    """One Go name, with what declares it and where that comes from ("document#pointer")."""

    name: str
    origin: str
    where: str
    hint: str = ENTRY_HINT


def check_packages(model: Model, naming: GoNaming) -> None:
    """Raise when two services would be generated into the same Go package directory."""
    owners: dict[str, Service] = {}
    for service in model.services:
        package = naming.package(service)
        other = owners.setdefault(package, service)
        if other is service:
            continue
        first, second = (_reference(other), _reference(service))
        document, _, pointer = service_name_at(service).partition("#")
        raise TcgenError(
            f"Go: services {other.name!r} ({first}) and {service.name!r} ({second}) "
            f"would both be generated into package {package!r}",
            document=document,
            pointer=pointer,
            hint=(
                "a Go package name is the service name in lowercase without separators, "
                "with a 'tc' prefix for reserved names. Rename one of the services, or generate "
                "them into separate Go modules with --service"
            ),
        )


def check_service(service: Service, naming: GoNaming) -> None:
    """Raise when two package-level names, two client methods or two exchange methods of a service clash."""
    service_at = service_name_at(service)
    declared: list[Declaration] = []
    if service.api_reference is not None:
        declared += [
            Declaration("New", "the constructor New", service_at),
            Declaration("NewFromEnv", "the constructor NewFromEnv", service_at),
            Declaration(
                naming.client_type(service),
                f"the client type of service {service.name!r}",
                service_at,
                SERVICE_HINT,
            ),
        ]
        declared += [
            Declaration(
                naming.options_type(service, method),
                f"the options type of method {method.name!r}",
                method_name_at(method),
            )
            for method in service.methods
            if method.query
        ]
    if service.exchanges_reference is not None:
        declared.append(Declaration("Events", "the events type Events", service_at))
        declared += [
            Declaration(
                naming.routing_key_type(service, exchange),
                f"the routing-key type of exchange {exchange.name!r}",
                exchange_name_at(exchange),
            )
            for exchange in service.exchanges
        ]
    _check_distinct(declared, f"in package {naming.package(service)!r}")
    methods = [
        Declaration(naming.method(service, method), f"method {method.name!r}", method_name_at(method))
        for method in service.methods
    ]
    _check_distinct(methods, f"as methods of {naming.client_type(service)}")
    exchanges = [
        Declaration(
            naming.exchange(service, exchange), f"exchange {exchange.name!r}", exchange_name_at(exchange)
        )
        for exchange in service.exchanges
    ]
    _check_distinct(exchanges, "as methods of Events")


def check_parameters(method: Method, naming: GoNaming) -> None:
    """Raise when two path arguments of a method get the same Go parameter name."""
    declared = [
        Declaration(naming.argument(name, where), f"path argument {name!r}", where)
        for where, name in ((argument_at(method, index), name) for index, name in enumerate(method.args))
    ]
    _check_distinct(declared, f"as parameters of method {method.name!r}")


def check_routing_key_fields(service: Service, naming: GoNaming) -> None:
    """Raise when two routing-key parts of an exchange get the same Go field name."""
    for exchange in service.exchanges:
        declared = [
            Declaration(
                naming.routing_key_field(part.name, routing_key_part_at(exchange, index)),
                f"routing-key part {part.name!r}",
                routing_key_part_at(exchange, index),
            )
            for index, part in enumerate(exchange.routing_key)
            if part.constant is None
        ]
        _check_distinct(declared, f"as fields of {naming.routing_key_type(service, exchange)}")


def _check_distinct(declared: list[Declaration], scope: str) -> None:
    """Raise at the second of two declarations with the same name; `scope` names where both are declared."""
    seen: dict[str, Declaration] = {}
    for declaration in declared:
        first = seen.setdefault(declaration.name, declaration)
        if first is declaration:
            continue
        document, _, pointer = declaration.where.partition("#")
        raise TcgenError(
            f"Go: {first.origin} and {declaration.origin} would both be named {declaration.name!r} {scope}",
            document=document,
            pointer=pointer,
            hint=SERVICE_HINT if SERVICE_HINT in (first.hint, declaration.hint) else ENTRY_HINT,
        )


def _reference(service: Service) -> str:
    return service.api_reference or service.exchanges_reference or "no reference"
