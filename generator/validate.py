"""Validate each reference against the meta-schema it names, and sort references by kind.

A meta-schema's `metadata` (`name`, `version`) tells what kind of reference a
document is. `api` and `exchanges` version 0 are built into clients; every
other kind (`logs`, `metrics`, kinds added later) is reported as skipped; a
known kind at an unknown version is an error, because its fields could mean
something this generator does not understand.

The deployment serves its own meta-schemas, so it could weaken them. Every
manifest, api and exchanges reference is therefore also checked against the
structural schemas tcgen ships in `generator/metaschemas/`, and the model can
rely on the types of every field it reads.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema.exceptions
import jsonschema_specifications
import referencing
import referencing.exceptions
import referencing.jsonschema

from .errors import TcgenError, join_pointer
from .source import MANIFEST_PATH, Documents, document_path

log = logging.getLogger(__name__)

BUILT_KINDS = {"api": 0, "exchanges": 0}
MANIFEST_KIND = "manifest"
# tcgen's own structural schema for each kind it reads, in generator/metaschemas/.
OWN_SCHEMAS = {
    "api": "api-reference-v0.json",
    "exchanges": "exchanges-reference-v0.json",
    MANIFEST_KIND: "manifest-v3.json",
}


@dataclass(frozen=True)
class Reference:
    """One reference document the manifest lists, with its kind from the meta-schema."""

    path: str
    kind: str
    version: int
    document: Any
    manifest_pointer: str = ""


@dataclass(frozen=True)
class SkippedReference:
    """A reference of a kind this generator does not build."""

    path: str
    kind: str
    version: int


@dataclass(frozen=True)
class ValidatedSource:
    """References ready for the model: built kinds, and skipped ones for the report."""

    documents: Documents
    references: tuple[Reference, ...]
    skipped: tuple[SkippedReference, ...]


class _Validators:
    """Validators built once per meta-schema for one validate() call."""

    def __init__(self, documents: Documents) -> None:
        self.registry = _registry(documents)
        self._by_uri: dict[str, jsonschema.Draft6Validator] = {}
        self._own: dict[str, jsonschema.Draft6Validator] = {}

    def deployment(self, meta: dict[str, Any], schema_uri: str) -> jsonschema.Draft6Validator:
        """Validator for a deployment's meta-schema; raises SchemaError when it is broken."""
        if schema_uri not in self._by_uri:
            resolved_meta = dict(meta)
            resolved_meta.setdefault("$id", schema_uri)
            jsonschema.Draft6Validator.check_schema(resolved_meta)
            self._by_uri[schema_uri] = jsonschema.Draft6Validator(resolved_meta, registry=self.registry)
        return self._by_uri[schema_uri]

    def own(self, kind: str) -> jsonschema.Draft6Validator:
        """Validator for tcgen's own structural schema of `kind`."""
        if kind not in self._own:
            text = importlib.resources.files("generator").joinpath("metaschemas", OWN_SCHEMAS[kind])
            self._own[kind] = jsonschema.Draft6Validator(json.loads(text.read_text("utf-8")))
        return self._own[kind]


def validate(documents: Documents) -> ValidatedSource:
    """Validate the manifest and every reference it lists; fail on the first invalid one."""
    validators = _Validators(documents)
    manifest = documents.by_path[MANIFEST_PATH]
    _check(documents, validators, MANIFEST_PATH, manifest, expected_kind=MANIFEST_KIND)
    references: list[Reference] = []
    skipped: list[SkippedReference] = []
    for index, uri in enumerate(manifest["references"]):
        path = document_path(uri)
        pointer = join_pointer("references", index)
        document = documents.require(path, needed_by=MANIFEST_PATH, pointer=pointer)
        kind, version = _check(documents, validators, path, document)
        if kind in BUILT_KINDS:
            references.append(Reference(path, kind, version, document, pointer))
        else:
            skipped.append(SkippedReference(path, kind, version))
    log.info("validated %d references, skipped %d of kinds not built", len(references), len(skipped))
    return ValidatedSource(documents, tuple(references), tuple(skipped))


def _registry(documents: Documents) -> referencing.Registry:
    resources = [
        (path, referencing.Resource.from_contents(document, default_specification=referencing.jsonschema.DRAFT6))
        for path, document in documents.by_path.items()
        if path.startswith("/schemas/") and isinstance(document, dict)
    ]
    registry: referencing.Registry = jsonschema_specifications.REGISTRY
    return registry.with_resources(resources)


def _check(
    documents: Documents,
    validators: _Validators,
    path: str,
    document: Any,
    *,
    expected_kind: str = "",
) -> tuple[str, int]:
    """Validate one document against its `$schema`; return the meta-schema's (name, version)."""
    if not isinstance(document, dict):
        raise TcgenError(
            "a reference must be a JSON object",
            document=path,
            hint="check that this file is a Taskcluster reference",
        )
    schema_uri = document.get("$schema")
    if not isinstance(schema_uri, str):
        raise TcgenError(
            "the reference has no '$schema' naming its meta-schema",
            document=path,
            pointer="/$schema",
            hint="add '$schema' naming the meta-schema of this kind of document, "
            "e.g. /schemas/common/api-reference-v0.json# for an api reference",
        )
    meta = documents.require(schema_uri, needed_by=path, pointer="/$schema")
    kind, version = _metadata(meta, document_path(schema_uri))
    if expected_kind and kind != expected_kind:
        raise TcgenError(
            f"expected a {expected_kind} document, but its meta-schema names the kind {kind!r}",
            document=path,
            pointer="/$schema",
            hint=f"point '$schema' at the {expected_kind} meta-schema",
        )
    if kind in BUILT_KINDS and version != BUILT_KINDS[kind]:
        raise TcgenError(
            f"unsupported {kind} reference version {version} (this generator builds version {BUILT_KINDS[kind]})",
            document=path,
            pointer="/$schema",
            hint="upgrade tcgen, or generate from a deployment that publishes version 0 references",
        )
    if kind in OWN_SCHEMAS:
        _validate_against(meta, document, validators, path, schema_uri)
        _validate_structure(kind, document, path, validators)
    return kind, version


def _metadata(meta: Any, meta_path: str) -> tuple[str, int]:
    metadata = meta.get("metadata") if isinstance(meta, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    version = metadata.get("version") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not isinstance(version, int):
        raise TcgenError(
            "the meta-schema has no 'metadata' with a string 'name' and an integer 'version'",
            document=meta_path,
            pointer="/metadata",
            hint="use a Taskcluster meta-schema from /schemas/common/",
        )
    return name, version


def _validate_against(
    meta: dict[str, Any],
    document: dict[str, Any],
    validators: _Validators,
    path: str,
    schema_uri: str,
) -> None:
    """Validate against the deployment's meta-schema, reporting a broken meta-schema as such."""
    meta_path = document_path(schema_uri)
    # The manifest-v3 meta-schema forbids extra properties, yet deployments
    # serve the manifest with a '$schema' naming it; what they serve wins.
    declared = meta.get("properties", {})
    body = {
        key: value
        for key, value in document.items()
        if key != "$schema" or (isinstance(declared, dict) and key in declared)
    }
    try:
        validator = validators.deployment(meta, schema_uri)
        error = None if validator.is_valid(body) else jsonschema.exceptions.best_match(validator.iter_errors(body))
    except jsonschema.exceptions.SchemaError as broken:
        raise _invalid_meta_schema(meta_path, broken.message, join_pointer(*broken.absolute_path)) from None
    except re.error as broken:
        raise _invalid_meta_schema(meta_path, f"invalid regular expression: {broken}", "") from None
    except referencing.exceptions.Unresolvable as broken:
        raise _invalid_meta_schema(meta_path, f"unresolvable $ref {broken.ref!r}", "") from None
    if error is not None:
        raise _invalid_reference(path, error, meta_path)


def _validate_structure(kind: str, document: dict[str, Any], path: str, validators: _Validators) -> None:
    """Validate against tcgen's own schema for `kind`, which the deployment cannot change."""
    validator = validators.own(kind)
    body = {key: value for key, value in document.items() if key != "$schema"}
    if validator.is_valid(body):
        return
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    raise _invalid_reference(
        path,
        error,
        f"tcgen's built-in {OWN_SCHEMAS[kind]}",
        hint=f"fix the reference: tcgen reads {kind} references with this structure, "
        "whatever the deployment's meta-schema allows",
    )


def _invalid_reference(
    path: str,
    error: jsonschema.exceptions.ValidationError,
    rules: str,
    *,
    hint: str = "fix the reference so it matches its meta-schema",
) -> TcgenError:
    return TcgenError(
        f"invalid {path.rsplit('/', 1)[-1]}: {error.message} (rule '{error.validator}' of {rules})",
        document=path,
        pointer=join_pointer(*error.absolute_path),
        hint=hint,
    )


def _invalid_meta_schema(meta_path: str, reason: str, pointer: str) -> TcgenError:
    return TcgenError(
        f"the meta-schema is not a valid JSON schema: {reason}",
        document=meta_path,
        pointer=pointer,
        hint="fix the meta-schema, or serve Taskcluster's own meta-schema from /schemas/common/",
    )
