"""Probe calls that the Python, Go and JavaScript client tests send to the stand-in deployment.

`probe_calls(model)` picks one method per service and gives the exact request a
correct client must send for it. `assert_probes_received` compares what the
stand-in recorded with those expectations.

Path arguments are percent-encoded the way Taskcluster clients do it, which is
JavaScript's `encodeURIComponent`: the characters A-Z a-z 0-9 - _ . ! ~ * ' ( )
stay as they are, and every other character, "/" included, becomes %XX of its
UTF-8 bytes (uppercase hex). Example: "x/y z" -> "x%2Fy%20z", "ü" -> "%C3%BC",
"(a*b)!" -> "(a*b)!". All three generated clients must produce this encoding.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.model import Method, Model, Service
from generator.standin import RecordedRequest

# Characters encodeURIComponent leaves unencoded besides letters, digits and "_.-~",
# which urllib.parse.quote never encodes.
URI_COMPONENT_SAFE = "!*'()"

# A value that each client must encode: a slash, a space, a non-ASCII letter, and
# characters that encodeURIComponent keeps but other encoders escape ("!*'()")
# or that it escapes but other encoders keep ("+@:$&=,;").
ARG_VALUE_SUFFIX = "/x y+ü@:$&=,;!*'()~"
QUERY_VALUE_SUFFIX = " q/ü&="

# Query parameters left out of the comparison, because they carry credentials, not API input.
AUTH_QUERY_PARAMETERS = ("bewit",)


def encode_uri_component(value: str) -> str:
    """Percent-encode a path argument like JavaScript's encodeURIComponent."""
    return urllib.parse.quote(value, safe=URI_COMPONENT_SAFE, encoding="utf-8")


@dataclass(frozen=True)
class ProbeCall:
    """One API call a client test makes, and the request the stand-in must record for it."""

    service: str
    method: str
    args: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]
    body: Any | None
    expected_path: str
    verb: str

    @property
    def label(self) -> str:
        return f"{self.service}.{self.method}"


def probe_calls(model: Model) -> list[ProbeCall]:
    """Build one probe call per service that has methods, in service order."""
    return [_probe(service, _richest_method(service)) for service in model.services if service.methods]


def _richest_method(service: Service) -> Method:
    """Pick the method with the most path arguments, then query parameters, then an input body.

    Ties go to the method whose name sorts first, so the choice is the same on every run.
    """
    ranked = sorted(
        service.methods,
        key=lambda method: (-len(method.args), -len(method.query), method.input is None, method.name),
    )
    return ranked[0]


def _probe(service: Service, method: Method) -> ProbeCall:
    args = tuple((name, f"{name}{ARG_VALUE_SUFFIX}") for name in method.args)
    query = tuple((name, f"{name}{QUERY_VALUE_SUFFIX}") for name in method.query)
    values = dict(args)
    path = "".join(
        encode_uri_component(values[piece]) if kind == "arg" else piece
        for kind, piece in method.path_template
    )
    return ProbeCall(
        service=service.name,
        method=method.name,
        args=args,
        query=query,
        body={"probe": f"{service.name}.{method.name}"} if method.input else None,
        expected_path=f"/api/{service.name}/{service.api_version}{path}",
        verb=method.verb.upper(),
    )


def assert_probes_received(
    requests: Sequence[RecordedRequest],
    probes: Sequence[ProbeCall],
    *,
    authenticated: bool = True,
) -> None:
    """Check that the stand-in recorded exactly one matching request for every probe."""
    for probe in probes:
        matching = [
            request
            for request in requests
            if request.service == probe.service and request.method == probe.method
        ]
        assert len(matching) == 1, (
            f"probe {probe.label}: expected 1 recorded request, got {len(matching)}; "
            f"recorded: {[f'{r.verb} {r.raw_path}' for r in requests]}"
        )
        _assert_request_matches(probe, matching[0], authenticated)


def _assert_request_matches(probe: ProbeCall, request: RecordedRequest, authenticated: bool) -> None:
    label = probe.label
    assert request.verb == probe.verb, f"probe {label}: verb {request.verb!r} != expected {probe.verb!r}"
    assert request.raw_path == probe.expected_path, (
        f"probe {label}: raw_path {request.raw_path!r} != expected {probe.expected_path!r} "
        "(path arguments must be encoded like encodeURIComponent)"
    )
    query = {key: value for key, value in request.query.items() if key not in AUTH_QUERY_PARAMETERS}
    expected_query = {name: [value] for name, value in probe.query}
    assert query == expected_query, f"probe {label}: query {query!r} != expected {expected_query!r}"
    assert request.body == probe.body, f"probe {label}: body {request.body!r} != expected {probe.body!r}"
    assert request.authenticated == authenticated, (
        f"probe {label}: authenticated is {request.authenticated}, expected {authenticated} "
        f"(client_id {request.client_id!r})"
    )
