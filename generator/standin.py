"""A stand-in Taskcluster deployment on 127.0.0.1 for tests and `tcgen serve`.

It serves the documents of a source under their abstract paths, with the root
URL put back in front of `$id`, `$schema`, `$ref` and the manifest entries, the
way a real deployment publishes them. It responds to every API method of the model
at `/api/<service>/<apiVersion><route>` with a JSON echo of the request, checks
Hawk signatures (headers and bewits) against a fixed table of clients, and
records every API call so that tests can compare it with what they expected.
It has no data and enforces no scopes.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from .model import Method, Model, build_model
from .source import URI_KEYS, Documents, environment_timeout, load_source
from .validate import validate

log = logging.getLogger(__name__)

DEFAULT_CLIENTS: Mapping[str, str] = {"tester": "no-secret"}
MAX_CLOCK_SKEW_SECONDS = 15 * 60
API_PREFIX = "/api/"

# Attribute syntax of a Hawk Authorization header: name="value", values without quotes or backslashes.
HAWK_ATTRIBUTE = re.compile(r'(\w+)="([^"\\]*)"')
# A request target with a `bewit` query parameter: the part before it, the separator
# ("?" or "&"), the bewit, and the parameters after it.
BEWIT_PARAMETER = re.compile(r"^(/.*)([?&])bewit=([^&]*)(?:&(.+))?$")


class AuthenticationFailed(Exception):
    """A Hawk header or bewit that names an unknown client or does not verify."""


@dataclass(frozen=True)
class RecordedRequest:
    """One API call the stand-in received, as the client sent it.

    `raw_path` is the path still percent-encoded and without the query; `args`
    contains the decoded path arguments; `ext` is the decoded Hawk `ext` JSON.
    `status` is the HTTP status of the stand-in's response. Calls that match no
    method are recorded too, with an empty `method`.
    """

    service: str
    method: str
    verb: str
    raw_path: str
    args: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    content_type: str
    client_id: str | None
    authenticated: bool
    ext: Any
    status: int = 200


@dataclass(frozen=True)
class Route:
    """One API method as the stand-in matches it: upper-case verb and a pattern over the encoded path."""

    service: str
    method: Method
    verb: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Credentials:
    """Verified credentials of a request: client id, signing key and decoded `ext`."""

    client_id: str
    access_token: str
    ext: Any


# -- documents ----------------------------------------------------------------


def add_root_url(document: Any, root_url: str) -> Any:
    """Put the root URL in front of `/`-relative `$id`, `$schema`, `$ref` and manifest entries.

    This is the inverse of generator.source.strip_root_url.
    """
    prefix = root_url.rstrip("/")

    def absolute(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("/"):
            return prefix + value
        return value

    def walk(node: Any, in_manifest_list: bool = False) -> Any:
        if isinstance(node, dict):
            return {
                key: absolute(item) if key in URI_KEYS else walk(item, key == "references")
                for key, item in node.items()
            }
        if isinstance(node, list):
            return [absolute(item) if in_manifest_list else walk(item) for item in node]
        return node

    return walk(document)


def published_documents(documents: Documents, root_url: str) -> dict[str, bytes]:
    """Serialize every document as the deployment at `root_url` would serve it."""
    return {
        path: json.dumps(add_root_url(document, root_url), indent=2, sort_keys=True).encode("utf-8")
        for path, document in documents.by_path.items()
    }


# -- routes -------------------------------------------------------------------


def build_routes(model: Model) -> tuple[Route, ...]:
    """Build one route per API method; routes with fewer path arguments are tried first."""
    routes = []
    for service in model.services:
        for method in service.methods:
            pattern = "".join(
                "([^/]+)" if kind == "arg" else re.escape(piece) for kind, piece in method.path_template
            )
            prefix = re.escape(f"{API_PREFIX}{service.name}/{service.api_version}")
            routes.append(Route(service.name, method, method.verb.upper(), re.compile(prefix + pattern)))
    return tuple(sorted(routes, key=lambda route: len(route.method.args)))


def match_route(routes: tuple[Route, ...], verb: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
    """Find the route for a verb and a percent-encoded path, with its decoded arguments."""
    for route in routes:
        found = route.pattern.fullmatch(raw_path)
        if not found or route.verb != verb:
            continue
        try:
            decoded = [urllib.parse.unquote(value, errors="strict") for value in found.groups()]
        except UnicodeDecodeError:
            return None
        return route, dict(zip(route.method.args, decoded))
    return None


# -- Hawk ---------------------------------------------------------------------


def normalized_string(
    kind: str, ts: str, nonce: str, verb: str, resource: str, host: str, port: int, payload_hash: str, ext: str
) -> str:
    """Build the string a Hawk MAC signs; `kind` is "header" or "bewit"."""
    escaped_ext = ext.replace("\\", "\\\\").replace("\n", "\\n")
    return (
        f"hawk.1.{kind}\n{ts}\n{nonce}\n{verb.upper()}\n{resource}\n{host.lower()}\n{port}\n"
        f"{payload_hash}\n{escaped_ext}\n"
    )


def hawk_mac(access_token: str, normalized: str) -> str:
    """HMAC-SHA256 of a normalized string with the access token, base64."""
    digest = hmac.new(access_token.encode("utf-8"), normalized.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def payload_hash(content_type: str, body: bytes) -> str:
    """Hawk payload hash: SHA-256 of the content type without parameters and the body, base64."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    digest = hashlib.sha256(b"hawk.1.payload\n" + media_type.encode("utf-8") + b"\n" + body + b"\n")
    return base64.b64encode(digest.digest()).decode("ascii")


def temporary_access_token(issuer_access_token: str, seed: str) -> str:
    """Access token of temporary credentials: HMAC-SHA256 of the seed, base64url without padding."""
    digest = hmac.new(issuer_access_token.encode("utf-8"), seed.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def certificate_signature(issuer_access_token: str, certificate: Mapping[str, Any], client_id: str) -> str:
    """Signature of a temporary-credentials certificate as Taskcluster clients compute it.

    Named temporary credentials (those with an `issuer`) also sign the client id and issuer.
    """
    lines = [f"version:{certificate.get('version')}"]
    if "issuer" in certificate:
        lines += [f"clientId:{client_id}", f"issuer:{certificate['issuer']}"]
    lines += [
        f"seed:{certificate.get('seed')}",
        f"start:{certificate.get('start')}",
        f"expiry:{certificate.get('expiry')}",
        "scopes:",
    ]
    lines += [str(scope) for scope in certificate.get("scopes", [])]
    text = "\n".join(lines)
    digest = hmac.new(issuer_access_token.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def decode_ext(ext: str) -> Any:
    """Decode a Taskcluster `ext` value: base64 of a JSON object; empty means None."""
    if not ext:
        return None
    try:
        decoded = json.loads(base64.b64decode(ext, validate=True))
    except (binascii.Error, ValueError) as error:
        raise AuthenticationFailed(f"ext is not base64 of JSON: {error}") from None
    if not isinstance(decoded, dict):
        raise AuthenticationFailed("ext must decode to a JSON object")
    return decoded


def signing_key(clients: Mapping[str, str], client_id: str, ext: Any) -> str:
    """Return the key the client signed with: its access token, or the certificate's derived token."""
    certificate = ext.get("certificate") if isinstance(ext, dict) else None
    if certificate is None:
        if client_id not in clients:
            raise AuthenticationFailed(f"unknown client id {client_id!r}")
        return clients[client_id]
    if isinstance(certificate, str):
        try:
            certificate = json.loads(certificate)
        except ValueError:
            raise AuthenticationFailed("ext.certificate is not JSON") from None
    if not isinstance(certificate, dict):
        raise AuthenticationFailed("ext.certificate must be a JSON object")
    return _certificate_key(clients, client_id, certificate)


def _certificate_key(clients: Mapping[str, str], client_id: str, certificate: dict[str, Any]) -> str:
    issuer = certificate.get("issuer", client_id)
    if issuer not in clients:
        raise AuthenticationFailed(f"unknown certificate issuer {issuer!r}")
    expected = certificate_signature(clients[issuer], certificate, client_id)
    if not hmac.compare_digest(expected, str(certificate.get("signature", ""))):
        raise AuthenticationFailed("invalid certificate signature")
    now_ms = time.time() * 1000
    start, expiry = certificate.get("start"), certificate.get("expiry")
    if not isinstance(start, (int, float)) or not isinstance(expiry, (int, float)):
        raise AuthenticationFailed("certificate start and expiry must be numbers (milliseconds)")
    if not start - MAX_CLOCK_SKEW_SECONDS * 1000 <= now_ms <= expiry + MAX_CLOCK_SKEW_SECONDS * 1000:
        raise AuthenticationFailed("certificate is expired or not yet valid")
    return temporary_access_token(clients[issuer], str(certificate.get("seed", "")))


@dataclass(frozen=True)
class SignedRequest:
    """An API request as the Hawk checks see it: what the MAC covers, and the Authorization header."""

    verb: str
    target: str
    host: str
    port: int
    content_type: str
    body: bytes
    authorization: str | None = None


def verify_header(clients: Mapping[str, str], header: str, request: SignedRequest) -> Credentials:
    """Verify a `Hawk ...` Authorization header; raise AuthenticationFailed if it does not verify."""
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "hawk":
        raise AuthenticationFailed(f"unsupported authorization scheme {scheme!r}, expected Hawk")
    attributes = dict(HAWK_ATTRIBUTE.findall(rest))
    missing = [name for name in ("id", "ts", "nonce", "mac") if name not in attributes]
    if missing:
        raise AuthenticationFailed(f"Hawk header is missing {', '.join(missing)}")
    ext = decode_ext(attributes.get("ext", ""))
    key = signing_key(clients, attributes["id"], ext)
    normalized = normalized_string(
        "header", attributes["ts"], attributes["nonce"], request.verb, request.target,
        request.host, request.port, attributes.get("hash", ""), attributes.get("ext", ""),
    )
    if not hmac.compare_digest(hawk_mac(key, normalized), attributes["mac"]):
        raise AuthenticationFailed("invalid Hawk MAC")
    body_hash = payload_hash(request.content_type, request.body)
    if "hash" in attributes and not hmac.compare_digest(body_hash, attributes["hash"]):
        raise AuthenticationFailed("payload hash does not match the body")
    _check_skew(attributes["ts"])
    return Credentials(attributes["id"], key, ext)


def _check_skew(ts: str) -> None:
    try:
        skew = abs(time.time() - int(ts))
    except ValueError:
        raise AuthenticationFailed(f"Hawk ts {ts!r} is not a whole number of seconds") from None
    if skew > MAX_CLOCK_SKEW_SECONDS:
        raise AuthenticationFailed(f"Hawk ts is {skew:.0f} s off the server clock (at most {MAX_CLOCK_SKEW_SECONDS})")


def split_bewit(target: str) -> tuple[str, str] | None:
    """Split a request target into (target without the bewit parameter, bewit), or None."""
    found = BEWIT_PARAMETER.match(target)
    if not found:
        return None
    before, separator, bewit, after = found.groups()
    resource = before + separator + after if after else before
    return resource, bewit


def verify_bewit(clients: Mapping[str, str], bewit: str, resource: str, request: SignedRequest) -> Credentials:
    """Verify a bewit (base64url of "id\\exp\\mac\\ext") for a GET request."""
    if request.verb != "GET":
        raise AuthenticationFailed("a bewit is only valid on GET requests")
    try:
        decoded = base64.urlsafe_b64decode(bewit + "=" * (-len(bewit) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed("bewit is not base64url") from None
    parts = decoded.split("\\")
    if len(parts) != 4:
        raise AuthenticationFailed("bewit must have four parts: id, exp, mac, ext")
    client_id, expiry, mac, ext_text = parts
    ext = decode_ext(ext_text)
    key = signing_key(clients, client_id, ext)
    normalized = normalized_string("bewit", expiry, "", "GET", resource, request.host, request.port, "", ext_text)
    if not hmac.compare_digest(hawk_mac(key, normalized), mac):
        raise AuthenticationFailed("invalid bewit MAC")
    if not expiry.isdigit() or int(expiry) < time.time():
        raise AuthenticationFailed(f"bewit expired at {expiry}")
    return Credentials(client_id, key, ext)


def host_and_port(host_header: str | None, default: tuple[str, int]) -> tuple[str, int]:
    """Host and port a client signed: from the Host header, port 80 when it names none."""
    if not host_header:
        return default
    if host_header.startswith("["):
        host, _, rest = host_header.partition("]")
        host += "]"
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = host_header.partition(":")
    return host, int(port_text) if port_text.isdigit() else 80


# -- the server ---------------------------------------------------------------


class StandinDeployment:
    """A stand-in deployment serving one source's documents and API methods on 127.0.0.1."""

    def __init__(
        self,
        documents: Documents,
        model: Model,
        *,
        clients: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.documents = documents
        self.model = model
        self.clients: Mapping[str, str] = dict(DEFAULT_CLIENTS if clients is None else clients)
        self.routes = build_routes(model)
        self.root_url = ""
        self.requests: list[RecordedRequest] = []
        self.published: dict[str, bytes] = {}
        self._address = (host, port)
        self._lock = threading.Lock()
        self._pending_failures: list[int] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> StandinDeployment:
        """Bind the port, publish the documents and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("the stand-in deployment is already running")
        server = _Server(self._address, _Handler)
        server.deployment = self
        host, port = str(server.server_address[0]), int(server.server_address[1])
        self.root_url = f"http://{host}:{port}"
        self.published = published_documents(self.documents, self.root_url)
        self._server = server
        # A short poll interval, because stop() waits up to one interval for the serving loop.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name=f"standin-{port}", daemon=True
        )
        self._thread.start()
        log.info("stand-in deployment at %s: %d documents, %d API methods",
                 self.root_url, len(self.published), len(self.routes))
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def fail_next(self, count: int, status: int = 500) -> None:
        """Make the next `count` API calls fail with HTTP `status` instead of the usual response."""
        with self._lock:
            self._pending_failures.extend([status] * count)

    def take_failure(self) -> int | None:
        """Return the status of the next forced failure and consume it, or None."""
        with self._lock:
            return self._pending_failures.pop(0) if self._pending_failures else None

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog of 5 drops connections when clients fetch in parallel
    # (the source loader uses 16 threads), and each dropped SYN costs a 1 s retransmit.
    request_queue_size = 128
    deployment: StandinDeployment


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


class _Handler(BaseHTTPRequestHandler):
    """Request handler that serves documents under the root URL and responds to API calls."""

    server: _Server
    protocol_version = "HTTP/1.1"
    # Send headers and body in one segment, because a separate small write waits for the
    # client's delayed ACK. Measured on Linux with http.client and keep-alive: 43 ms per
    # request without this, 0.2 ms with it.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        body = self._read_body()
        raw_path = self.path.split("?", 1)[0]
        if raw_path.startswith(API_PREFIX):
            self._answer_api(body)
            return
        document = self.server.deployment.published.get(raw_path)
        if self.command != "GET" or document is None:
            self._send(HTTPStatus.NOT_FOUND, _error("ResourceNotFound", f"no document at {raw_path}"))
            return
        self._send_bytes(HTTPStatus.OK, document)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                break
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():
            pass
        return b"".join(chunks)

    def _answer_api(self, body: bytes) -> None:
        deployment = self.server.deployment
        status, response, recorded = _api_response(deployment, self._signed_request(body))
        forced = deployment.take_failure()
        if forced is not None:
            status = forced
            response = _error("StandinForcedFailure", f"failure requested with fail_next({forced})")
        deployment.record(dataclasses.replace(recorded, status=status))
        self._send(status, response)

    def _signed_request(self, body: bytes) -> SignedRequest:
        default = (str(self.server.server_address[0]), int(self.server.server_address[1]))
        host, port = host_and_port(self.headers.get("Host"), default)
        return SignedRequest(
            verb=self.command,
            target=self.path,
            host=host,
            port=port,
            content_type=self.headers.get("Content-Type", ""),
            body=body,
            authorization=self.headers.get("Authorization"),
        )

    def _send(self, status: int, response: Any) -> None:
        self._send_bytes(status, json.dumps(response, sort_keys=True).encode("utf-8"))

    def _send_bytes(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


def _api_response(deployment: StandinDeployment, request: SignedRequest) -> tuple[int, Any, RecordedRequest]:
    """Authenticate, match and echo one API call; return (status, JSON response, record)."""
    route, record = _match(deployment.routes, request)
    try:
        credentials = _authenticate(deployment.clients, request)
    except AuthenticationFailed as error:
        log.info("rejected %s %s: %s", request.verb, request.target, error)
        return HTTPStatus.UNAUTHORIZED, _error("AuthenticationFailed", str(error)), record
    if credentials is not None:
        record = dataclasses.replace(
            record, client_id=credentials.client_id, authenticated=True, ext=credentials.ext
        )
    try:
        body = json.loads(request.body) if request.body else None
    except ValueError as error:
        return HTTPStatus.BAD_REQUEST, _error("MalformedPayload", f"invalid JSON body: {error}"), record
    record = dataclasses.replace(record, body=body)
    if route is None:
        message = f"no API method matches {request.verb} {record.raw_path}"
        return HTTPStatus.NOT_FOUND, _error("ResourceNotFound", message), record
    return HTTPStatus.OK, _echo(record), record


def _match(routes: tuple[Route, ...], request: SignedRequest) -> tuple[Route | None, RecordedRequest]:
    """Find the route of an API call and start its record, not yet authenticated and without body."""
    raw_path, _, query_text = request.target.partition("?")
    matched = match_route(routes, request.verb, raw_path)
    route, args = matched if matched else (None, {})
    record = RecordedRequest(
        service=route.service if route else raw_path[len(API_PREFIX):].partition("/")[0],
        method=route.method.name if route else "",
        verb=request.verb,
        raw_path=raw_path,
        args=args,
        query=urllib.parse.parse_qs(query_text, keep_blank_values=True),
        body=None,
        content_type=request.content_type,
        client_id=None,
        authenticated=False,
        ext=None,
    )
    return route, record


def _authenticate(clients: Mapping[str, str], request: SignedRequest) -> Credentials | None:
    """Verify the Authorization header or the bewit; None when the request carries neither."""
    if request.authorization:
        return verify_header(clients, request.authorization, request)
    bewit = split_bewit(request.target)
    if bewit is not None:
        resource, value = bewit
        return verify_bewit(clients, value, resource, request)
    return None


def _echo(record: RecordedRequest) -> dict[str, Any]:
    return {
        "service": record.service,
        "method": record.method,
        "verb": record.verb,
        "path": record.raw_path,
        "args": record.args,
        "query": record.query,
        "body": record.body,
        "clientId": record.client_id,
    }


# -- tcgen serve --------------------------------------------------------------


def serve_forever(source: str, port: int, clients: Mapping[str, str]) -> None:
    """Serve a source as a stand-in deployment on 127.0.0.1 until interrupted (Ctrl-C)."""
    documents = load_source(source, timeout=environment_timeout())
    model = build_model(validate(documents))
    deployment = StandinDeployment(documents, model, clients=clients, port=port)
    with deployment:
        # The try starts before the print: a client may read the URL and send
        # SIGINT before this thread reaches wait().
        try:
            print(f"serving {source} at {deployment.root_url} (Ctrl-C stops)", flush=True)
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", flush=True)
