"""Read the documents a deployment publishes: from a root URL, a directory or a bundle.

Every source yields the same thing: a `Documents` mapping from the abstract
path of each document (`/references/manifest.json`, `/schemas/queue/v1/task.json`)
to its parsed JSON, with the root URL stripped from `$id`, `$schema`, `$ref`
and the manifest's entries, so that a live deployment and a bundle of the same
release give identical documents.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import TcgenError

log = logging.getLogger(__name__)

MANIFEST_PATH = "/references/manifest.json"
URI_KEYS = ("$id", "$schema", "$ref")
DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_PARALLEL_FETCHES = 16


@dataclass(frozen=True)
class Documents:
    """Parsed documents keyed by abstract path, with where they came from."""

    origin: str
    root_url: str
    by_path: dict[str, Any]

    def get(self, path: str) -> Any:
        return self.by_path.get(document_path(path))

    def require(self, path: str, *, needed_by: str, pointer: str = "") -> Any:
        """Return the document at `path`, or raise naming the document that needs it."""
        document = self.get(path)
        if document is None:
            raise TcgenError(
                f"document {document_path(path)} is not in the source",
                document=needed_by,
                pointer=pointer,
                hint=f"add {document_path(path)} to {self.origin} or fix the reference to it",
            )
        return document


def document_path(uri: str) -> str:
    """Abstract path of a document URI: '/schemas/q/v1/a.json#/x' -> '/schemas/q/v1/a.json'."""
    return uri.split("#", 1)[0]


def load_source(source: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Documents:
    """Load every document from a root URL, a deployment directory or a bundle file."""
    if source.startswith(("http://", "https://")):
        return fetch_deployment(source, timeout=timeout)
    path = Path(source)
    if path.is_dir():
        return read_directory(path)
    if path.is_file():
        return read_bundle(path)
    raise TcgenError(
        f"source {source!r} is not a URL, a directory or a file",
        hint="pass a root URL (http:// or https://), a directory with "
        "references/manifest.json, or a references bundle (.json)",
    )


def parse_json(text: str | bytes, *, document: str) -> Any:
    """Parse JSON, turning a syntax error into a TcgenError that names the document."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise TcgenError(
            f"invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            document=document,
            hint="fix the JSON syntax of this document",
        ) from None
    except UnicodeDecodeError as error:
        raise TcgenError(
            f"invalid JSON: not UTF-8 ({error.reason})",
            document=document,
            hint="save the document as UTF-8",
        ) from None


def read_bundle(path: Path) -> Documents:
    """Read a JSON array of {"filename", "content"} objects."""
    entries = parse_json(path.read_bytes(), document=str(path))
    if not isinstance(entries, list):
        raise TcgenError(
            "a references bundle must be a JSON array of {filename, content} objects",
            document=str(path),
            pointer="",
            hint="pass a bundle such as references-106.0.0.json, or a deployment directory",
        )
    by_path: dict[str, Any] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str) or "content" not in entry:
            raise TcgenError(
                "bundle entry is missing 'filename' (a string) or 'content'",
                document=str(path),
                pointer=f"/{index}",
                hint="every entry needs a 'filename' and a 'content' field",
            )
        by_path["/" + entry["filename"].lstrip("/")] = entry["content"]
    return _finish(str(path), "", by_path)


def read_directory(path: Path) -> Documents:
    """Read `references/**.json` and `schemas/**.json` under a deployment directory."""
    if not (path / "references" / "manifest.json").is_file():
        raise TcgenError(
            "directory has no references/manifest.json",
            document=str(path),
            hint="point --source at a directory laid out like a deployment "
            "(references/manifest.json, references/<service>/<version>/api.json, schemas/...)",
        )
    by_path: dict[str, Any] = {}
    for top in ("references", "schemas"):
        for file in sorted((path / top).rglob("*.json")):
            relative = file.relative_to(path).as_posix()
            by_path["/" + relative] = parse_json(file.read_bytes(), document=relative)
    root_url = _directory_root_url(path)
    return _finish(str(path), root_url, by_path)


def _directory_root_url(path: Path) -> str:
    config = path / "deployment.json"
    if not config.is_file():
        return ""
    data = parse_json(config.read_bytes(), document=str(config))
    root_url = data.get("rootUrl", "") if isinstance(data, dict) else ""
    return root_url if isinstance(root_url, str) else ""


def _finish(origin: str, root_url: str, by_path: dict[str, Any]) -> Documents:
    if MANIFEST_PATH not in by_path:
        raise TcgenError(
            f"the source has no {MANIFEST_PATH}",
            document=origin,
            hint="a deployment publishes its manifest at <rootUrl>/references/manifest.json",
        )
    normalized = {key: strip_root_url(value, root_url) for key, value in sorted(by_path.items())}
    log.info("read %d documents from %s", len(normalized), origin)
    return Documents(origin=origin, root_url=root_url, by_path=normalized)


def strip_root_url(document: Any, root_url: str) -> Any:
    """Rewrite `$id`, `$schema`, `$ref` and manifest entries from `<rootUrl>/x` to `/x`."""
    if not root_url:
        return document
    prefix = root_url.rstrip("/")

    def strip(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(prefix + "/"):
            return value[len(prefix):]
        return value

    def walk(node: Any, in_manifest_list: bool = False) -> Any:
        if isinstance(node, dict):
            return {
                key: strip(item) if key in URI_KEYS else walk(item, key == "references")
                for key, item in node.items()
            }
        if isinstance(node, list):
            return [strip(item) if in_manifest_list else walk(item) for item in node]
        return node

    return walk(document)


# -- live deployments ---------------------------------------------------------


def fetch_deployment(root_url: str, *, timeout: float) -> Documents:
    """Fetch the manifest, every reference it lists and every schema they reach."""
    root_url = root_url.rstrip("/")
    manifest = _fetch_json(root_url + MANIFEST_PATH, timeout)
    references = manifest.get("references") if isinstance(manifest, dict) else None
    if not isinstance(references, list) or not all(isinstance(item, str) for item in references):
        raise TcgenError(
            "the manifest has no 'references' list of strings",
            document=root_url + MANIFEST_PATH,
            pointer="/references",
            hint="check that the root URL is a Taskcluster deployment",
        )
    fetched: dict[str, Any] = {MANIFEST_PATH: manifest}
    pending = {_abstract(uri, root_url) for uri in references}
    pending.add(document_path(_abstract(manifest.get("$schema", ""), root_url)))
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_FETCHES) as pool:
        while pending:
            batch = sorted(path for path in pending if path and path not in fetched)
            pending = set()
            results = pool.map(lambda path: _fetch_json(root_url + path, timeout), batch)
            for path, document in zip(batch, results):
                fetched[path] = document
                pending.update(linked_documents(path, strip_root_url(document, root_url)))
            pending -= set(fetched)
    log.info("fetched %d documents from %s", len(fetched), root_url)
    return _finish(root_url, root_url, fetched)


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


def service_schema_uri(service: str, relative: str) -> str:
    """Abstract URI of a reference's `input`/`output`/`schema`, based at /schemas/<service>/."""
    return urllib.parse.urljoin(f"/schemas/{service}/", relative)


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
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise TcgenError(
            f"fetching {url} failed: HTTP {error.code} {error.reason}",
            document=url,
            hint="check the root URL and that the deployment publishes this document",
        ) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise TcgenError(
            f"fetching {url} failed: {reason}",
            document=url,
            hint=f"check that the deployment is reachable (timeout {timeout:g} s, set with TCGEN_TIMEOUT)",
        ) from None
    return parse_json(body, document=url)


def write_directory(documents: Documents, out: Path) -> int:
    """Write documents as a deployment directory (a snapshot); return the file count."""
    for path, document in documents.by_path.items():
        target = out / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return len(documents.by_path)


def environment_timeout() -> float:
    """Fetch timeout in seconds from TCGEN_TIMEOUT, or the default."""
    value = os.environ.get("TCGEN_TIMEOUT", "")
    try:
        return float(value) if value else DEFAULT_TIMEOUT_SECONDS
    except ValueError:
        raise TcgenError(
            f"TCGEN_TIMEOUT={value!r} is not a number of seconds",
            hint="set TCGEN_TIMEOUT to a number such as 30, or unset it",
        ) from None
