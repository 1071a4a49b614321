# Runtime copied by tcgen into every generated Python client; do not edit.
"""HTTP calls to a Taskcluster service: URLs, Hawk signing, retries and errors.

Standard library only. Requests go through urllib with no system proxy, so an
`http_proxy` variable does not reroute them; TASKCLUSTER_PROXY_URL does.
"""

# TODO(#2): async client. Only this synchronous client exists, built on urllib.
# TODO(#2): signed URLs (bewit) for GET methods and a pagination helper for methods
# that take continuationToken; callers build both by hand for now.

from __future__ import annotations

import http.client
import json
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any, TypeVar, Union

from ._auth import Credentials, CredentialsLike, hawk_header, to_credentials

# Union, not "|": the package supports Python 3.9, where aliases are evaluated at run time.
QueryValue = Union[str, int, bool, None]

# encodeURIComponent leaves these unencoded besides letters, digits and "_.-~".
_URI_COMPONENT_SAFE = "!*'()"
_ROUTE_ARGUMENT = re.compile(r"<([^>]+)>")
_JSON_TYPE = "application/json"

# The `payload` default of BaseClient._request: the call sends no body.
NO_PAYLOAD: Any = object()

# typing.Self needs Python 3.11, and the package supports 3.9 without dependencies.
_ClientT = TypeVar("_ClientT", bound="BaseClient")


class TaskclusterError(Exception):
    """A failed call: an HTTP error status, or a network error after the last retry.

    `status_code` is None for network errors. `code` and `message` come from the
    JSON error body Taskcluster services send; `body` is the raw response text.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status_code: int | None = None,
        code: str | None = None,
        body: str = "",
    ) -> None:
        status = f"HTTP {status_code}" if status_code is not None else "network error"
        super().__init__(f"{method} {url} failed ({status}): {message}")
        self.message = message
        self.method = method
        self.url = url
        self.status_code = status_code
        self.code = code
        self.body = body


class Response:
    """A successful response: status, content type and raw body."""

    def __init__(self, method: str, url: str, status: int, content_type: str, content: bytes) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.content_type = content_type
        self.content = content

    def json(self) -> Any:
        """Parse the body as JSON; an empty body gives None."""
        if not self.content.strip():
            return None
        try:
            return json.loads(self.content)
        except ValueError as error:
            raise TaskclusterError(
                f"response is not valid JSON: {error}",
                method=self.method,
                url=self.url,
                status_code=self.status,
            ) from None


class _RetryableError(Exception):
    def __init__(self, error: TaskclusterError) -> None:
        super().__init__(str(error))
        self.error = error


class _RedirectWithoutAuthorization(urllib.request.HTTPRedirectHandler):
    """Follow redirects but drop the Hawk header: it signs the original URL only."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.remove_header("Authorization")
        return new


def encode_uri_component(value: str) -> str:
    """Percent-encode like JavaScript's encodeURIComponent (UTF-8, "/" encoded too)."""
    return urllib.parse.quote(value, safe=_URI_COMPONENT_SAFE, encoding="utf-8")


def expand_route(route: str, arguments: Mapping[str, str]) -> str:
    """Replace each <name> in a route with its percent-encoded argument."""
    pieces = _ROUTE_ARGUMENT.split(route)
    for index in range(1, len(pieces), 2):
        name = pieces[index]
        value = arguments[name]
        if not isinstance(value, str) or value == "":
            raise ValueError(f"path argument {name!r} must be a non-empty string, not {value!r}")
        pieces[index] = encode_uri_component(value)
    return "".join(pieces)


def encode_query(query: Mapping[str, QueryValue]) -> str:
    """Encode query parameters in order, leaving out None and empty strings."""
    pairs = []
    for name, value in query.items():
        if value is None or value == "":
            continue
        pairs.append(f"{encode_uri_component(name)}={encode_uri_component(_query_text(value))}")
    return "&".join(pairs)


def _query_text(value: str | int | bool) -> str:
    """Write booleans as JavaScript does (true/false), since Taskcluster services are written in it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class BaseClient:
    """Shared behaviour of every service client.

    `root_url` is the deployment's root URL, such as https://tc.example.com.
    `credentials` is a Credentials object or a {"clientId", "accessToken",
    "certificate"} mapping; without it, requests are unauthenticated. `timeout`
    is the socket timeout in seconds, for connecting and for each read of an
    attempt. A 5xx status or a network error is retried up to
    `max_retries` times, waiting `retry_delay * 2**n` seconds (n = 0, 1, ...,
    capped at `max_retry_delay`, jittered by up to 25 %). A 4xx status is never
    retried. With `proxy_url` (taskcluster-proxy inside a task), requests go to
    <proxy_url>/api/<service>/<version>/... and are not signed.
    """

    _service_name = ""
    _api_version = ""

    def __init__(
        self,
        root_url: str,
        credentials: CredentialsLike | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        retry_delay: float = 0.1,
        max_retry_delay: float = 30.0,
        proxy_url: str | None = None,
    ) -> None:
        if not root_url and not proxy_url:
            raise ValueError("root_url is required, such as https://tc.example.com")
        if max_retries < 0 or timeout <= 0 or retry_delay < 0:
            raise ValueError("max_retries and retry_delay must be >= 0, and timeout > 0")
        self._root_url = root_url.rstrip("/")
        self._credentials = to_credentials(credentials)
        self._timeout = timeout
        self._max_retries = max_retries
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._proxy_url = proxy_url.rstrip("/") if proxy_url else None
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _RedirectWithoutAuthorization()
        )

    @classmethod
    def from_env(  # noqa: PYI019
        cls: type[_ClientT],
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        retry_delay: float = 0.1,
        max_retry_delay: float = 30.0,
        environ: Mapping[str, str] | None = None,
    ) -> _ClientT:
        """Build a client from the TASKCLUSTER_* environment variables.

        It reads TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN,
        TASKCLUSTER_CERTIFICATE and TASKCLUSTER_PROXY_URL from `environ` (default
        os.environ). Either the root URL or the proxy URL must be set.
        """
        env = os.environ if environ is None else environ
        root_url = env.get("TASKCLUSTER_ROOT_URL", "")
        proxy_url = env.get("TASKCLUSTER_PROXY_URL") or None
        if not root_url and not proxy_url:
            raise ValueError("TASKCLUSTER_ROOT_URL is not set (nor TASKCLUSTER_PROXY_URL)")
        credentials = None
        if env.get("TASKCLUSTER_CLIENT_ID") and env.get("TASKCLUSTER_ACCESS_TOKEN"):
            credentials = Credentials(
                client_id=env["TASKCLUSTER_CLIENT_ID"],
                access_token=env["TASKCLUSTER_ACCESS_TOKEN"],
                certificate=env.get("TASKCLUSTER_CERTIFICATE") or None,
            )
        return cls(
            root_url,
            credentials,
            timeout=timeout,
            max_retries=max_retries,
            retry_delay=retry_delay,
            max_retry_delay=max_retry_delay,
            proxy_url=proxy_url,
        )

    @property
    def root_url(self) -> str:
        """The deployment's root URL, without a trailing slash."""
        return self._root_url

    def _base_url(self) -> str:
        base = self._proxy_url if self._proxy_url else self._root_url
        return f"{base}/api/{self._service_name}/{self._api_version}"

    def _request(
        self,
        verb: str,
        route: str,
        arguments: Mapping[str, str],
        *,
        query: Mapping[str, QueryValue] | None = None,
        payload: Any = NO_PAYLOAD,
    ) -> Response:
        """Send one API call, retrying 5xx statuses and network errors."""
        url = self._base_url() + expand_route(route, arguments)
        query_string = encode_query(query or {})
        if query_string:
            url += "?" + query_string
        body = None if payload is NO_PAYLOAD else json.dumps(payload).encode("utf-8")
        failure: TaskclusterError | None = None
        for attempt in range(self._max_retries + 1):
            if attempt:
                time.sleep(self._backoff(attempt))
            try:
                return self._send(verb.upper(), url, body)
            except _RetryableError as retryable:
                failure = retryable.error
        assert failure is not None
        raise failure

    def _backoff(self, attempt: int) -> float:
        delay = min(self._max_retry_delay, self._retry_delay * 2 ** (attempt - 1))
        return float(min(self._max_retry_delay, delay * random.uniform(0.75, 1.25)))

    def _send(self, verb: str, url: str, body: bytes | None) -> Response:
        headers = {"Accept": _JSON_TYPE}
        if body is not None:
            headers["Content-Type"] = _JSON_TYPE
        if self._credentials is not None and self._proxy_url is None:
            headers["Authorization"] = hawk_header(self._credentials, verb, url, body, _JSON_TYPE)
        request = urllib.request.Request(url, data=body, headers=headers, method=verb)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                content = response.read()
                content_type = response.headers.get("Content-Type", "")
                return Response(verb, url, response.status, content_type, content)
        except urllib.error.HTTPError as error:
            raise _http_error(verb, url, error) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            reason = getattr(error, "reason", error)
            raise _RetryableError(TaskclusterError(str(reason), method=verb, url=url)) from None


def _http_error(verb: str, url: str, error: urllib.error.HTTPError) -> Exception:
    """Turn an HTTP error status into TaskclusterError, wrapped for a retry when it is 5xx."""
    try:
        text = error.read().decode("utf-8", errors="replace")
    except OSError:
        text = ""
    message, code = text.strip() or str(error.reason), None
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        message = str(parsed.get("message", message))
        code = parsed.get("code") if isinstance(parsed.get("code"), str) else None
    failure = TaskclusterError(message, method=verb, url=url, status_code=error.code, code=code, body=text)
    return _RetryableError(failure) if error.code >= 500 else failure
