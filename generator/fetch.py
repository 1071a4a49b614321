"""Fetch a live deployment's documents: the manifest, its references and every schema they reach.

Documents are fetched up to MAX_PARALLEL_FETCHES at a time, each within a
deadline for the whole download, and every path the deployment links to is
checked before it is requested.
"""

from __future__ import annotations

import http.client
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .errors import TcgenError
from .source import (
    MANIFEST_PATH,
    Documents,
    check_document_path,
    document_path,
    finish_documents,
    parse_json,
    service_schema_uri,
    strip_root_url,
)

log = logging.getLogger(__name__)

MAX_PARALLEL_FETCHES = 16
READ_CHUNK_BYTES = 64 * 1024
# NOTE: a guessed cap. The largest real document is well under 1 MiB; the cap
# keeps a server that streams without end from filling memory.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def fetch_deployment(root_url: str, *, timeout: float) -> Documents:
    """Fetch the manifest, every reference it lists and every schema they reach."""
    root_url = _check_root_url(root_url).rstrip("/")
    manifest_url = root_url + MANIFEST_PATH
    manifest = _fetch_json(manifest_url, timeout)
    references = manifest.get("references") if isinstance(manifest, dict) else None
    if not isinstance(references, list) or not all(isinstance(item, str) for item in references):
        raise TcgenError(
            "the manifest has no 'references' list of strings",
            document=manifest_url,
            pointer="/references",
            hint="check that the root URL is a Taskcluster deployment",
        )
    pending = _manifest_links(manifest, root_url)
    fetched: dict[str, Any] = {MANIFEST_PATH: manifest}
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_FETCHES) as pool:
        while pending:
            batch = sorted(pending)
            results = pool.map(lambda path: _fetch_json(root_url + path, timeout), batch)
            for path, document in zip(batch, results):
                fetched[path] = document
            pending = set()
            for path in batch:
                for linked in linked_documents(path, strip_root_url(fetched[path], root_url)):
                    pending.add(check_document_path(linked, document=root_url + path))
            pending -= set(fetched)
    log.info("fetched %d documents from %s", len(fetched), root_url)
    return finish_documents(root_url, root_url, fetched)


def _check_root_url(root_url: str) -> str:
    """Return `root_url` if it is a plain http(s) URL of a host and an optional path."""
    parts = urllib.parse.urlsplit(root_url)
    if "?" in root_url or "#" in root_url or not parts.netloc:
        raise TcgenError(
            f"invalid root URL {root_url!r}: it needs a host and must have no query or fragment",
            document=root_url,
            hint="pass the deployment's root URL alone, such as https://tc.example.com",
        )
    return root_url


def _manifest_links(manifest: dict[str, Any], root_url: str) -> set[str]:
    """Paths of the references the manifest lists and of its meta-schema, each checked."""
    manifest_url = root_url + MANIFEST_PATH
    links: set[str] = set()
    for index, uri in enumerate(manifest["references"]):
        path = _abstract(uri, root_url)
        if path:
            links.add(check_document_path(path, document=manifest_url, pointer=f"/references/{index}"))
    schema_uri = manifest.get("$schema")
    path = _abstract(schema_uri, root_url) if isinstance(schema_uri, str) else ""
    if path:
        links.add(check_document_path(path, document=manifest_url, pointer="/$schema"))
    links.discard(MANIFEST_PATH)
    return links


def _abstract(uri: str, root_url: str) -> str:
    """Abstract document path of a URI that is `/`-relative or under the root URL."""
    if uri.startswith(root_url + "/"):
        uri = uri[len(root_url):]
    return document_path(uri) if uri.startswith("/") else ""


def linked_documents(path: str, document: Any) -> set[str]:
    """Paths of the documents one document points at: meta-schema, bodies and `$ref`s."""
    found: set[str] = set()
    if not isinstance(document, dict):
        return found
    identifier = document.get("$id")
    base = identifier if isinstance(identifier, str) else path
    schema_uri = document.get("$schema")
    if isinstance(schema_uri, str) and schema_uri.startswith("/"):
        found.add(document_path(schema_uri))
    service = document.get("serviceName")
    for entry in document.get("entries", []) if path.startswith("/references/") else []:
        if isinstance(entry, dict) and isinstance(service, str):
            for key in ("input", "output", "schema"):
                value = entry.get(key)
                if isinstance(value, str) and value != "blob":
                    found.add(document_path(service_schema_uri(service, value)))
    for ref in _refs(document):
        target = document_path(urllib.parse.urljoin(base, ref))
        if target.startswith("/"):
            found.add(target)
    return found


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _fetch_json(url: str, timeout: float) -> Any:
    """Fetch and parse one document. `timeout` bounds each socket read and the whole download."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = _read_body(response, url, deadline, timeout)
            content_type = response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        raise TcgenError(
            f"fetching {url} failed: HTTP {error.code} {error.reason}",
            document=url,
            hint="check the root URL and that the deployment publishes this document",
        ) from None
    except (http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise TcgenError(
            f"fetching {url} failed: {reason}",
            document=url,
            hint=f"check that the deployment is reachable (timeout {timeout:g} s, set with TCGEN_TIMEOUT)",
        ) from None
    if content_type == "text/html" or body.lstrip().startswith(b"<"):
        raise TcgenError(
            f"fetching {url} returned HTML, not JSON",
            document=url,
            hint="check the root URL: a deployment serves JSON at <rootUrl>/references/manifest.json, "
            "and an HTML response is often the login or error page of a proxy",
        )
    return parse_json(body, document=url)


def _read_body(response: http.client.HTTPResponse, url: str, deadline: float, timeout: float) -> bytes:
    """Read the body in chunks until it ends, the deadline passes or it grows too large."""
    # NOTE: a single read still waits up to `timeout` for data, so a download
    # can stop up to `timeout` seconds after the deadline.
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(READ_CHUNK_BYTES):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise TcgenError(
                f"fetching {url} failed: the document is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB",
                document=url,
                hint="check the root URL: real references and schemas are far smaller",
            )
        if time.monotonic() > deadline:
            raise TcgenError(
                f"fetching {url} timed out: the whole document did not arrive within {timeout:g} s "
                f"({size} bytes received)",
                document=url,
                hint="check that the deployment is reachable and responsive, "
                "or set TCGEN_TIMEOUT to more seconds per document",
            )
    if response.length:
        raise TcgenError(
            f"fetching {url} failed: the server closed the connection after {size} bytes, "
            f"{response.length} more were expected",
            document=url,
            hint="check that the deployment is reachable and try again",
        )
    return b"".join(chunks)
