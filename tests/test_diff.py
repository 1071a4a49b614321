"""`tcgen diff` on real Taskcluster releases, and the bump rules on hand-made surfaces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import main
from generator.diff import compare, diff_surfaces, shift_below_one

LANGUAGES = ("python", "go", "js")


def bundle(bundle_paths: list[Path], version: str) -> str:
    return str(next(path for path in bundle_paths if path.name == f"references-{version}.json"))


def run_diff(bundle_paths: list[Path], old: str, new: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["diff", bundle(bundle_paths, old), bundle(bundle_paths, new), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def find(report: dict, kind: str, subject: str) -> dict:
    matches = [change for change in report["changes"] if change["kind"] == kind and change["subject"] == subject]
    assert len(matches) == 1, f"expected one {kind} for {subject}, found {matches}"
    return matches[0]


def test_github_repo_token_added(bundle_paths: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    report = run_diff(bundle_paths, "100.0.0", "106.0.0", capsys)
    change = find(report, "method-added", "auth.githubRepoToken")
    assert change["bump"] == {"python": "minor", "go": "minor", "js": "minor"}
    assert change["path"].startswith("/references/auth/v1/api.json#/entries/")
    assert report["bump"] == {"python": "minor", "go": "minor", "js": "minor"}


def test_webhook_consumer_removed(bundle_paths: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    report = run_diff(bundle_paths, "90.0.0", "100.0.0", capsys)
    change = find(report, "method-removed", "github.githubWebHookConsumer")
    assert change["bump"] == {"python": "major", "go": "major", "js": "major"}
    assert change["level"] == "code"
    assert report["bump"] == {"python": "major", "go": "major", "js": "major"}
    find(report, "method-added", "queue.changeTaskPriority")


def test_irc_removed(bundle_paths: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    report = run_diff(bundle_paths, "30.0.0", "40.0.0", capsys)
    method = find(report, "method-removed", "notify.irc")
    assert method["bump"]["python"] == "patch", "notify.irc was experimental in 30.0.0"
    assert method["note"] == "confined to an experimental method"
    assert find(report, "exchange-removed", "notify.ircRequest")["bump"]["js"] == "major"


def test_path_arguments_replaced(bundle_paths: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    report = run_diff(bundle_paths, "40.0.0", "50.0.0", capsys)
    removed = [c for c in report["changes"] if c["kind"] == "argument-removed" and c["subject"] == "queue.claimWork"]
    assert sorted(change["old"] for change in removed) == ["provisionerId", "workerType"]
    assert all(change["bump"] == {"python": "major", "go": "major", "js": "major"} for change in removed)
    assert find(report, "argument-added", "queue.claimWork")["new"] == "taskQueueId"
    added = find(report, "output-added", "queue.getArtifact")
    assert added["bump"] == {"python": "minor", "go": "major", "js": "minor"}


def test_deprecation_is_minor(bundle_paths: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    report = run_diff(bundle_paths, "70.0.0", "90.0.0", capsys)
    change = find(report, "stability-deprecated", "queue.pendingTasks")
    assert change["bump"]["python"] == "minor"
    assert (change["old"], change["new"]) == ("stable", "deprecated")


def test_same_source_has_no_changes(bundle_paths: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    report = run_diff(bundle_paths, "106.0.0", "106.0.0", capsys)
    assert report == {"bump": {"python": "none", "go": "none", "js": "none"}, "changes": []}


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_human_formats(bundle_paths: list[Path], fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", bundle(bundle_paths, "90.0.0"), bundle(bundle_paths, "100.0.0"), "--format", fmt]) == 0
    output = capsys.readouterr().out
    assert "github.githubWebHookConsumer" in output
    assert "major" in output


def method_surface(**changes: object) -> dict:
    method = {
        "symbol": "create_thing", "pointer": "/references/s/v1/api.json#/entries/0", "verb": "put",
        "route": "/thing/<thingId>", "args": [["thingId", "thing_id"]], "query": {}, "input": None,
        "input_shape": None, "output": "/schemas/s/v1/thing.json", "output_kind": "json",
        "output_shape": {"type": "object", "properties": ["a", "b"], "required": ["a"], "additional": True},
        "stability": "stable", "scopes": '"s:create"', "title": "Create", "description": "d1",
    }
    method.update(changes)
    return {"services": {"s": {"api_version": "v1", "pointer": "/references/s/v1/api.json",
                               "description": "x", "client": "S", "methods": {"createThing": method}}}}


@pytest.mark.parametrize(
    ("changes", "kind", "bump"),
    [
        ({"route": "/things/<thingId>"}, "route-changed", "minor"),
        ({"verb": "post"}, "verb-changed", "minor"),
        ({"stability": "experimental"}, "stability-demoted", "major"),
        ({"scopes": '"s:create:new"'}, "scopes-changed", "patch"),
        ({"description": "d2"}, "description-changed", "patch"),
        ({"query": {"limit": "limit"}}, "query-added", "minor"),
        ({"args": [["thingId", "thing_id"], ["other", "other"]], "route": "/t/<thingId>/<other>"}, "argument-added", "major"),
        ({"symbol": "make_thing"}, "method-renamed", "major"),
        ({"output_shape": {"type": "object", "properties": ["a"], "required": ["a"], "additional": True}},
         "output-property-removed", "major"),
        ({"output_shape": {"type": "object", "properties": ["a", "b"], "required": [], "additional": True}},
         "output-property-optional", "major"),
    ],
)
def test_method_rules(changes: dict, kind: str, bump: str) -> None:
    found = list(diff_surfaces(method_surface(), method_surface(**changes)))
    assert kind in [change.kind for change in found]
    assert max(change.bump_for("python") for change in found if change.kind == kind) == bump


def test_experimental_changes_are_patches() -> None:
    old = method_surface(stability="experimental")
    new = method_surface(stability="experimental", args=[], route="/thing")
    report = compare({"python": old}, {"python": new})
    assert report.bump("python") == "patch"
    assert all(change.get("note") == "confined to an experimental method" for change in report.changes)


def test_prerelease_shifts_down() -> None:
    assert [shift_below_one(bump) for bump in ("major", "minor", "patch", "none")] == ["minor", "patch", "patch", "none"]
