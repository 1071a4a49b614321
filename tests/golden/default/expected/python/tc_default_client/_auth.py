# Runtime copied by tcgen into every generated Python client; do not edit.
"""Taskcluster credentials and Hawk request signing (SHA-256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Credentials:
    """Taskcluster client credentials, permanent or temporary.

    `certificate` is the certificate of temporary credentials, as JSON text or
    as the parsed object. `authorized_scopes` restricts a request to a subset of
    the client's scopes.
    """

    client_id: str
    access_token: str = field(repr=False)
    certificate: str | Mapping[str, Any] | None = None
    authorized_scopes: Sequence[str] | None = None

    def __post_init__(self) -> None:
        # The client id goes into a quoted Hawk header attribute, which cannot escape characters.
        if not self.client_id or '"' in self.client_id or "\\" in self.client_id:
            raise ValueError(f"invalid client_id {self.client_id!r}: it must be non-empty, without '\"' or '\\'")
        if not self.access_token:
            raise ValueError("credentials: access_token is missing")
        if isinstance(self.certificate, str):
            try:
                json.loads(self.certificate)
            except ValueError as error:
                raise ValueError(f"credentials: certificate is not valid JSON: {error}") from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Credentials:
        """Build credentials from Taskcluster's spelling: clientId, accessToken, certificate."""
        missing = [key for key in ("clientId", "accessToken") if not data.get(key)]
        if missing:
            raise ValueError(f"credentials: missing {', '.join(missing)}")
        return cls(
            client_id=data["clientId"],
            access_token=data["accessToken"],
            certificate=data.get("certificate") or None,
            authorized_scopes=data.get("authorizedScopes"),
        )

    def hawk_ext(self) -> str:
        """Return the Hawk `ext` value: base64 of a JSON object with certificate and authorizedScopes.

        The value is empty when there is neither.
        """
        ext: dict[str, Any] = {}
        if self.certificate is not None:
            certificate = self.certificate
            ext["certificate"] = json.loads(certificate) if isinstance(certificate, str) else dict(certificate)
        if self.authorized_scopes is not None:
            ext["authorizedScopes"] = list(self.authorized_scopes)
        if not ext:
            return ""
        return base64.b64encode(json.dumps(ext, separators=(",", ":")).encode("utf-8")).decode("ascii")


# Union, not "|": the package supports Python 3.9, where aliases are evaluated at run time.
CredentialsLike = Union[Credentials, Mapping[str, Any]]


def to_credentials(value: CredentialsLike | None) -> Credentials | None:
    """Accept a Credentials object, a {"clientId", "accessToken", ...} mapping or None."""
    if value is None or isinstance(value, Credentials):
        return value
    return Credentials.from_mapping(value)


def hawk_header(
    credentials: Credentials,
    method: str,
    url: str,
    body: bytes | None,
    content_type: str,
) -> str:
    """Build the Authorization header that signs one request with Hawk (SHA-256).

    The payload hash covers `body` when there is one. The MAC covers the
    timestamp, nonce, method, path with query, host, port, payload hash and ext.
    """
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
    resource = parts.path + (f"?{parts.query}" if parts.query else "")
    timestamp = str(int(time.time()))
    nonce = secrets.token_urlsafe(6)
    payload_hash = _payload_hash(body, content_type) if body is not None else ""
    ext = credentials.hawk_ext()
    normalized = "\n".join(
        ["hawk.1.header", timestamp, nonce, method.upper(), resource, host, str(port), payload_hash, ext, ""]
    )
    digest = hmac.new(credentials.access_token.encode("utf-8"), normalized.encode("utf-8"), hashlib.sha256)
    mac = base64.b64encode(digest.digest()).decode("ascii")
    fields = [("id", credentials.client_id), ("ts", timestamp), ("nonce", nonce)]
    if payload_hash:
        fields.append(("hash", payload_hash))
    if ext:
        fields.append(("ext", ext))
    fields.append(("mac", mac))
    return "Hawk " + ", ".join(f'{name}="{value}"' for name, value in fields)


def _payload_hash(body: bytes, content_type: str) -> str:
    media_type = content_type.split(";")[0].strip().lower()
    digest = hashlib.sha256()
    digest.update(f"hawk.1.payload\n{media_type}\n".encode())
    digest.update(body)
    digest.update(b"\n")
    return base64.b64encode(digest.digest()).decode("ascii")
