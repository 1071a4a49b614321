"""Read the documents a deployment publishes: from a root URL, a directory or a bundle.

Every source yields the same thing: a `Documents` mapping from the abstract
path of each document (`/references/manifest.json`, `/schemas/queue/v1/task.json`)
to its parsed JSON, with the root URL stripped from `$id`, `$schema`, `$ref`
and the manifest's entries, so that a live deployment and a bundle of the same
release give identical documents. Fetching from a live deployment is in
fetch.py.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import TcgenError, escape_pointer_token

log = logging.getLogger(__name__)

MANIFEST_PATH = "/references/manifest.json"
URI_KEYS = ("$id", "$schema", "$ref")
DEFAULT_TIMEOUT_SECONDS = 30.0
DOCUMENT_TOPS = ("references", "schemas")
# Real Taskcluster references and schemas nest at most 14 levels (releases 30 to 106).
# The limit keeps the recursive stages after parsing (validation, model) far from
# Python's recursion limit.
MAX_NESTING_DEPTH = 100
URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


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
        requested = document_path(path)
        if URL_SCHEME.match(requested):
            raise TcgenError(
                f"{requested} is outside the deployment",
                document=needed_by,
                pointer=pointer,
                hint="absolute URLs outside the deployment are not supported: name a document of this "
                "deployment by its path (/references/... or /schemas/...) or by a path relative to this one",
            )
        if requested not in self.by_path:
            raise TcgenError(
                f"document {requested} is not in the source",
                document=needed_by,
                pointer=pointer,
                hint=f"add {requested} to {self.origin} or fix the reference to it",
            )
        document = self.by_path[requested]
        if document is None:
            raise TcgenError(
                f"document {requested} is JSON null",
                document=requested,
                hint=f"replace the null in {requested} with the schema or reference it should contain "
                f"({needed_by} needs it at {pointer or 'its root'})",
            )
        return document


def check_document_path(path: str, *, document: str, pointer: str = "") -> str:
    """Return `path` if it names a document safely, so that writing it stays inside a directory."""
    problem = _document_path_problem(path)
    if problem:
        raise TcgenError(
            f"invalid document path {path!r}: {problem}",
            document=document,
            pointer=pointer,
            hint="name each document by a normalized path under /references/ or /schemas/ "
            "ending in .json, such as /schemas/queue/v1/task.json",
        )
    return path


def _document_path_problem(path: str) -> str:
    """Why `path` is not a safe document path, or '' when it is one."""
    if "\\" in path or "\x00" in path:
        return "it contains a backslash or a NUL character"
    segments = path.split("/")
    if len(segments) < 3 or segments[0] != "" or segments[1] not in DOCUMENT_TOPS:
        return "it is not under /references/ or /schemas/"
    if any(segment in ("", ".", "..") for segment in segments[2:]):
        return "it has an empty, '.' or '..' segment"
    if not path.endswith(".json"):
        return "it does not end in .json"
    return ""


def document_path(uri: str) -> str:
    """Abstract path of a document URI: '/schemas/q/v1/a.json#/x' -> '/schemas/q/v1/a.json'."""
    return uri.split("#", 1)[0]


def load_source(source: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Documents:
    """Load every document from a root URL, a deployment directory or a bundle file."""
    if source.startswith(("http://", "https://")):
        from .fetch import fetch_deployment

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
        value = json.loads(text)
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
    except RecursionError:
        raise _too_deep(document, "") from None
    _check_tree(value, document)
    return value


def _check_tree(value: Any, document: str) -> None:
    """Reject nesting deeper than MAX_NESTING_DEPTH and text that is not valid Unicode."""
    # Each entry is (node, depth, trail); a trail is (parent trail, key), so the
    # JSON pointer is built only for the node that fails.
    stack: list[tuple[Any, int, Any]] = [(value, 0, None)]
    while stack:
        node, depth, trail = stack.pop()
        if depth > MAX_NESTING_DEPTH:
            raise _too_deep(document, _pointer(trail))
        if isinstance(node, str):
            _check_text(node, document, trail)
            continue
        if isinstance(node, dict):
            items: Iterable[tuple[Any, Any]] = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for key, item in items:
            if isinstance(key, str):
                _check_text(key, document, trail)
            stack.append((item, depth + 1, (trail, key)))


def _check_text(text: str, document: str, trail: Any) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise TcgenError(
            "invalid JSON: a string contains an unpaired surrogate escape (such as \\udfff)",
            document=document,
            pointer=_pointer(trail),
            hint="replace the escape with the character it should be, or remove it",
        ) from None


def _pointer(trail: Any) -> str:
    tokens: list[str] = []
    while trail is not None:
        trail, key = trail
        tokens.append("/" + escape_pointer_token(key))
    return "".join(reversed(tokens))


def _too_deep(document: str, pointer: str) -> TcgenError:
    return TcgenError(
        f"invalid JSON: nested more than {MAX_NESTING_DEPTH} levels deep",
        document=document,
        pointer=pointer,
        hint="check that this is a Taskcluster reference or schema; real ones nest fewer than 20 levels",
    )


def read_bundle(path: Path) -> Documents:
    """Read a JSON array of {"filename", "content"} objects."""
    entries = parse_json(_read_bytes(path), document=str(path))
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
        name = check_document_path(
            "/" + entry["filename"].lstrip("/"), document=str(path), pointer=f"/{index}/filename"
        )
        by_path[name] = entry["content"]
    return finish_documents(str(path), "", by_path)


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
    for top in DOCUMENT_TOPS:
        for file in sorted((path / top).rglob("*.json")):
            relative = file.relative_to(path).as_posix()
            by_path["/" + relative] = parse_json(_read_bytes(file), document=relative)
    root_url = _directory_root_url(path)
    return finish_documents(str(path), root_url, by_path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise TcgenError(
            f"reading {path} failed: {error.strerror or error}",
            document=str(path),
            hint="check that the file exists and is readable",
        ) from None


def _directory_root_url(path: Path) -> str:
    """Return the `rootUrl` of the directory's deployment.json, or '' when there is none."""
    config = path / "deployment.json"
    if not config.is_file():
        return ""
    data = parse_json(_read_bytes(config), document=str(config))
    if not isinstance(data, dict):
        raise TcgenError(
            "deployment config must be a JSON object",
            document=str(config),
            hint='write an object such as {"name": "default", "rootUrl": "https://tc.example.com"}',
        )
    root_url = data.get("rootUrl", "")
    if not isinstance(root_url, str):
        raise TcgenError(
            "'rootUrl' must be a string",
            document=str(config),
            pointer="/rootUrl",
            hint="set 'rootUrl' to the deployment's root URL, such as https://tc.example.com",
        )
    return root_url


def finish_documents(origin: str, root_url: str, by_path: dict[str, Any]) -> Documents:
    """Check every path, strip the root URL from every document, and wrap them as Documents."""
    if MANIFEST_PATH not in by_path:
        raise TcgenError(
            f"the source has no {MANIFEST_PATH}",
            document=origin,
            hint="a deployment publishes its manifest at <rootUrl>/references/manifest.json",
        )
    for path in by_path:
        check_document_path(path, document=origin)
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


def service_schema_uri(service: str, relative: str) -> str:
    """Abstract URI of a reference's `input`/`output`/`schema`, based at /schemas/<service>/."""
    return urllib.parse.urljoin(f"/schemas/{service}/", relative)


def write_directory(documents: Documents, out: Path) -> int:
    """Write documents as a deployment directory (a snapshot); return the file count."""
    root = out.resolve()
    for path, document in documents.by_path.items():
        target = _target_inside(root, path)
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as error:
            raise TcgenError(
                f"writing {target} failed: {error.strerror or error}",
                document=path,
                hint="check that --out names a directory you can write to",
            ) from None
    return len(documents.by_path)


def _target_inside(root: Path, path: str) -> Path:
    """Return the file under `root` that document `path` is written to, or raise if it is outside `root`."""
    check_document_path(path, document=str(root))
    target = (root / path.lstrip("/")).resolve()
    if not target.is_relative_to(root):
        raise TcgenError(
            f"document {path} would be written to {target}, outside {root}",
            document=path,
            hint=f"remove the symbolic link under {root} that leads outside it, or choose another --out",
        )
    return target


def environment_timeout() -> float:
    """Return the fetch timeout in seconds per document, from TCGEN_TIMEOUT or the default."""
    value = os.environ.get("TCGEN_TIMEOUT", "")
    if not value:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise TcgenError(
            f"TCGEN_TIMEOUT={value!r} is not a finite number of seconds greater than 0",
            hint="set TCGEN_TIMEOUT to a number of seconds such as 30, or unset it",
        )
    return seconds
