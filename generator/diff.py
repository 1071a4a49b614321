"""Compare two API surfaces, classify every change and decide the semver bump.

The principle: a minor or patch release never requires a caller who followed
the previous release's documented contract to change their code. Each change
has a kind; RULES gives its level (code a program compiles against, wire what
the deployment accepts and returns, or docs) and the bump it requires per
language. The largest bump over all changes decides the release.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

BUMPS = ("none", "patch", "minor", "major")


@dataclass(frozen=True)
class Rule:
    level: str
    bump: str
    by_language: tuple[tuple[str, str], ...] = ()
    note: str = ""

    def bump_for(self, language: str) -> str:
        return dict(self.by_language).get(language, self.bump)


RULES: dict[str, Rule] = {
    "service-added": Rule("code", "minor"),
    "service-removed": Rule("code", "major"),
    "client-added": Rule("code", "minor"),
    "client-removed": Rule("code", "major"),
    "client-renamed": Rule("code", "major"),
    "events-added": Rule("code", "minor"),
    "events-removed": Rule("code", "major"),
    "events-renamed": Rule("code", "major"),
    "method-added": Rule("code", "minor"),
    "method-removed": Rule("code", "major"),
    "method-renamed": Rule("code", "major"),
    "argument-added": Rule("code", "major"),
    "argument-removed": Rule("code", "major"),
    "arguments-reordered": Rule("code", "major"),
    "argument-renamed": Rule("code", "major", note="keyword callers and named parameters break"),
    "query-added": Rule("code", "minor"),
    "query-removed": Rule("code", "major"),
    "query-renamed": Rule("code", "major"),
    "input-added": Rule("code", "major", note="callers must now pass a body"),
    "input-removed": Rule("code", "major", note="callers passing a body no longer compile"),
    "input-schema-changed": Rule("wire", "major", note="a different input schema may reject old bodies"),
    "input-property-required": Rule("wire", "major"),
    "input-property-removed": Rule("wire", "major"),
    "input-property-added": Rule("wire", "minor"),
    "input-property-optional": Rule("wire", "minor"),
    "output-added": Rule(
        "code",
        "minor",
        (("go", "major"),),
        note="Go: the method's results change from error to (value, error)",
    ),
    "output-removed": Rule("code", "major"),
    "output-kind-changed": Rule("code", "major"),
    "output-schema-changed": Rule("wire", "minor"),
    "output-property-removed": Rule("wire", "major"),
    "output-property-optional": Rule("wire", "major"),
    "output-property-added": Rule("wire", "minor"),
    "output-property-required": Rule("wire", "patch"),
    "route-changed": Rule("wire", "minor", note="same arguments; only the new client fits the new deployment"),
    "verb-changed": Rule("wire", "minor", note="same arguments; only the new client fits the new deployment"),
    "stability-demoted": Rule("wire", "major"),
    "stability-deprecated": Rule("docs", "minor"),
    "stability-promoted": Rule("docs", "minor"),
    "scopes-changed": Rule("wire", "patch", note="check that callers still hold the scopes"),
    "title-changed": Rule("docs", "patch"),
    "description-changed": Rule("docs", "patch"),
    "exchange-added": Rule("code", "minor"),
    "exchange-removed": Rule("code", "major"),
    "exchange-renamed": Rule("code", "major"),
    "exchange-name-changed": Rule("wire", "minor"),
    "exchange-prefix-changed": Rule("wire", "minor"),
    "routing-key-changed": Rule("wire", "major", note="bindings built for the old key no longer match"),
    "message-schema-changed": Rule("wire", "minor"),
    "message-property-removed": Rule("wire", "major"),
    "message-property-added": Rule("wire", "minor"),
    "message-property-optional": Rule("wire", "major", note="consumers reading the property may find it missing"),
    "message-property-required": Rule("wire", "patch"),
}

STABILITY_ORDER = {"experimental": 0, "deprecated": 1, "stable": 2}


@dataclass(frozen=True)
class Change:
    """One difference between two surfaces, found in one language's package."""

    kind: str
    subject: str
    path: str
    old: Any = None
    new: Any = None
    experimental: bool = False

    def bump_for(self, language: str) -> str:
        """Bump this change needs; changes confined to experimental methods are patches."""
        bump = RULES[self.kind].bump_for(language)
        return "patch" if self.experimental and bump != "none" else bump


@dataclass
class Report:
    """Every change across languages, with the bump it needs in each."""

    languages: tuple[str, ...]
    changes: list[dict[str, Any]] = field(default_factory=list)

    def bump(self, language: str) -> str:
        found = [change["bump"][language] for change in self.changes]
        return max(found, key=BUMPS.index, default="none")

    def to_json(self) -> dict[str, Any]:
        return {
            "bump": {language: self.bump(language) for language in self.languages},
            "changes": self.changes,
        }


def max_bump(bumps: list[str]) -> str:
    return max(bumps, key=BUMPS.index, default="none")


def shift_below_one(bump: str) -> str:
    """Before 1.0.0 every change shifts down one level: major -> minor, minor -> patch."""
    return {"major": "minor", "minor": "patch"}.get(bump, bump)


def compare(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> Report:
    """Diff each language's surfaces and merge the changes into one report."""
    languages = tuple(language for language in ("python", "go", "js") if language in new)
    merged: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    for language in languages:
        for change in diff_surfaces(old.get(language), new[language]):
            key = (change.kind, change.subject, change.path, repr(change.old), repr(change.new))
            entry = merged.setdefault(key, _entry(change, languages))
            entry["bump"][language] = change.bump_for(language)
    changes = sorted(merged.values(), key=lambda item: (item["subject"], item["kind"], item["path"]))
    return Report(languages, changes)


def _entry(change: Change, languages: tuple[str, ...]) -> dict[str, Any]:
    rule = RULES[change.kind]
    entry = {
        "kind": change.kind,
        "subject": change.subject,
        "path": change.path,
        "level": rule.level,
        "old": change.old,
        "new": change.new,
        "bump": {language: "none" for language in languages},
    }
    if change.experimental:
        entry["note"] = "confined to an experimental method"
    elif rule.note:
        entry["note"] = rule.note
    return entry


def diff_surfaces(old: dict[str, Any] | None, new: dict[str, Any]) -> Iterator[Change]:
    """Yield every change from `old` to `new`, both surfaces of one language."""
    old_services = (old or {}).get("services", {})
    new_services = new.get("services", {})
    for name in sorted(old_services.keys() - new_services.keys()):
        yield Change("service-removed", name, old_services[name]["pointer"], old=name)
    for name in sorted(new_services.keys() - old_services.keys()):
        yield Change("service-added", name, new_services[name]["pointer"], new=name)
    for name in sorted(old_services.keys() & new_services.keys()):
        yield from _service_changes(name, old_services[name], new_services[name])


def _service_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    pointer = new["pointer"]
    yield from _symbol_change("client", name, pointer, old.get("client"), new.get("client"))
    yield from _symbol_change("events", name, pointer, old.get("events"), new.get("events"))
    if old["description"] != new["description"]:
        yield Change("description-changed", name, pointer)
    if old.get("exchange_prefix") and new.get("exchange_prefix") and old["exchange_prefix"] != new["exchange_prefix"]:
        yield Change("exchange-prefix-changed", name, pointer, old["exchange_prefix"], new["exchange_prefix"])
    yield from _members(name, old.get("methods", {}), new.get("methods", {}), "method", _method_changes)
    yield from _members(name, old.get("exchanges", {}), new.get("exchanges", {}), "exchange", _exchange_changes)


def _symbol_change(kind: str, subject: str, pointer: str, old: str | None, new: str | None) -> Iterator[Change]:
    if old == new:
        return
    if old is None:
        yield Change(f"{kind}-added", subject, pointer, new=new)
    elif new is None:
        yield Change(f"{kind}-removed", subject, pointer, old=old)
    else:
        yield Change(f"{kind}-renamed", subject, pointer, old, new)


def _members(service: str, old: dict[str, Any], new: dict[str, Any], kind: str, compare_one: Any) -> Iterator[Change]:
    for name in sorted(old.keys() - new.keys()):
        experimental = old[name].get("stability") == "experimental"
        yield Change(f"{kind}-removed", f"{service}.{name}", old[name]["pointer"], old=name, experimental=experimental)
    for name in sorted(new.keys() - old.keys()):
        yield Change(f"{kind}-added", f"{service}.{name}", new[name]["pointer"], new=name)
    for name in sorted(old.keys() & new.keys()):
        yield from compare_one(f"{service}.{name}", old[name], new[name])


def _method_changes(subject: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    pointer = new["pointer"]
    experimental = old["stability"] == "experimental" and new["stability"] == "experimental"
    found: list[Change] = []
    found += _simple(subject, pointer, old, new, (("symbol", "method-renamed"), ("route", "route-changed"),
                                                   ("verb", "verb-changed"), ("scopes", "scopes-changed"),
                                                   ("title", "title-changed"),
                                                   ("description", "description-changed")))
    found += _stability_change(subject, pointer, old["stability"], new["stability"])
    found += _argument_changes(subject, pointer, old["args"], new["args"])
    found += _keyed_changes(subject, pointer, "query", old["query"], new["query"])
    found += _body_changes(subject, pointer, "input", old, new)
    found += _body_changes(subject, pointer, "output", old, new)
    for change in found:
        if experimental and not change.experimental:
            change = Change(change.kind, change.subject, change.path, change.old, change.new, True)
        yield change


def _simple(subject: str, pointer: str, old: dict[str, Any], new: dict[str, Any],
            fields: tuple[tuple[str, str], ...]) -> list[Change]:
    changes = []
    for key, kind in fields:
        if old.get(key) != new.get(key):
            shown = key not in ("description",)
            changes.append(Change(kind, subject, f"{pointer}/{key}" if key != "symbol" else pointer,
                                  old.get(key) if shown else None, new.get(key) if shown else None))
    return changes


def _stability_change(subject: str, pointer: str, old: str, new: str) -> list[Change]:
    if old == new:
        return []
    if new == "deprecated":
        kind = "stability-deprecated"
    elif STABILITY_ORDER.get(new, 0) > STABILITY_ORDER.get(old, 0):
        kind = "stability-promoted"
    else:
        kind = "stability-demoted"
    return [Change(kind, subject, f"{pointer}/stability", old, new)]


def _argument_changes(subject: str, pointer: str, old: list[list[str]], new: list[list[str]]) -> list[Change]:
    old_ids = [item[0] for item in old]
    new_ids = [item[0] for item in new]
    path = f"{pointer}/args"
    changes = [Change("argument-removed", subject, path, old=name) for name in old_ids if name not in new_ids]
    changes += [Change("argument-added", subject, path, new=name) for name in new_ids if name not in old_ids]
    if not changes and old_ids != new_ids:
        changes.append(Change("arguments-reordered", subject, path, old_ids, new_ids))
    if not changes:
        changes += [
            Change("argument-renamed", subject, path, before[1], after[1])
            for before, after in zip(old, new)
            if before[1] != after[1]
        ]
    return changes


def _keyed_changes(subject: str, pointer: str, kind: str, old: dict[str, str], new: dict[str, str]) -> list[Change]:
    path = f"{pointer}/{kind}"
    changes = [Change(f"{kind}-removed", subject, path, old=name) for name in sorted(old.keys() - new.keys())]
    changes += [Change(f"{kind}-added", subject, path, new=name) for name in sorted(new.keys() - old.keys())]
    changes += [
        Change(f"{kind}-renamed", subject, path, old[name], new[name])
        for name in sorted(old.keys() & new.keys())
        if old[name] != new[name]
    ]
    return changes


def _body_changes(subject: str, pointer: str, key: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    path = f"{pointer}/{key}"
    if key == "output" and old["output_kind"] != new["output_kind"]:
        if old["output_kind"] == "none":
            return [Change("output-added", subject, path, new=new["output"] or new["output_kind"])]
        if new["output_kind"] == "none":
            return [Change("output-removed", subject, path, old=old["output"] or old["output_kind"])]
        return [Change("output-kind-changed", subject, path, old["output_kind"], new["output_kind"])]
    if old[key] is None and new[key] is None:
        return []
    if old[key] is None:
        return [Change(f"{key}-added", subject, path, new=new[key])]
    if new[key] is None:
        return [Change(f"{key}-removed", subject, path, old=old[key])]
    if old[key] != new[key]:
        return [Change(f"{key}-schema-changed", subject, path, old[key], new[key])]
    return _shape_changes(subject, path, key, old[f"{key}_shape"], new[f"{key}_shape"])


def _shape_changes(subject: str, path: str, key: str, old: Any, new: Any) -> list[Change]:
    """Top-level property changes of a body schema whose id stayed the same."""
    if not old or not new or "properties" not in old or "properties" not in new:
        return []
    before, after = set(old["properties"]), set(new["properties"])
    required_before, required_after = set(old["required"]), set(new["required"])
    changes = [Change(f"{key}-property-removed", subject, path, old=name) for name in sorted(before - after)]
    for name in sorted(after - before):
        kind = "input-property-required" if key == "input" and name in required_after else f"{key}-property-added"
        changes.append(Change(kind, subject, path, new=name))
    for name in sorted(before & after):
        if name in required_before and name not in required_after:
            changes.append(Change(f"{key}-property-optional", subject, path, new=name))
        elif name in required_after and name not in required_before:
            changes.append(Change(f"{key}-property-required", subject, path, new=name))
    return changes


def _exchange_changes(subject: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    pointer = new["pointer"]
    yield from _simple(subject, pointer, old, new, (("symbol", "exchange-renamed"),
                                                    ("exchange", "exchange-name-changed"),
                                                    ("title", "title-changed"),
                                                    ("description", "description-changed")))
    if _binding_shape(old["routing_key"]) != _binding_shape(new["routing_key"]):
        yield Change("routing-key-changed", subject, f"{pointer}/routingKey",
                     [part["name"] for part in old["routing_key"]], [part["name"] for part in new["routing_key"]])
    if old["schema"] != new["schema"]:
        yield Change("message-schema-changed", subject, f"{pointer}/schema", old["schema"], new["schema"])
    else:
        yield from _shape_changes(subject, f"{pointer}/schema", "message", old["schema_shape"], new["schema_shape"])


def _binding_shape(parts: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What a binding pattern depends on: each part's name, constant and word count."""
    return [(part["name"], part["constant"], part["multiple_words"]) for part in parts]
