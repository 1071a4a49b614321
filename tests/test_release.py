"""`tcgen release` dry run against a real git repository with release tags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest

from generator.cli import main

REPOSITORY = Path(__file__).resolve().parents[1]
LANGUAGES = ("python", "go", "js")


@pytest.fixture
def project(tmp_path: Path) -> git.Repo:
    """A repository holding a copy of the default deployment, with one commit."""
    shutil.copytree(REPOSITORY / "specs/default", tmp_path / "specs/default")
    repo = git.Repo.init(tmp_path, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Release Test")
        config.set_value("user", "email", "release-test@example.invalid")
    repo.git.add("-A")
    repo.index.commit("Add the default deployment")
    return repo


def plan(repo: git.Repo, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, dict]:
    root = Path(repo.working_dir)
    code = main(["release", "--specs", str(root / "specs"), "--repo", str(root), "--format", "json", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return {item["language"]: item for item in json.loads(captured.out)}


def release_everything(repo: git.Repo, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    """Do by hand what a real release does: commit the generated clients and tag them."""
    root = Path(repo.working_dir)
    plans = plan(repo, capsys, "--out", str(root / "clients"))
    repo.git.add("-A")
    repo.index.commit("Release the clients")
    for item in plans.values():
        repo.create_tag(item["tag"], message=f"Release {item['tag']}")
    return plans


def edit_api(repo: git.Repo, service_path: str, change) -> None:
    path = Path(repo.working_dir) / "specs/default/references" / service_path
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


def first_stable_entry(document: dict) -> dict:
    return next(entry for entry in document["entries"] if entry["stability"] == "stable")


def some_api(repo: git.Repo) -> str:
    root = Path(repo.working_dir) / "specs/default/references"
    return min(path.relative_to(root).as_posix() for path in root.glob("*/v1/api.json"))


def test_first_release_is_1_0_0(project: git.Repo, capsys: pytest.CaptureFixture[str]) -> None:
    plans = plan(project, capsys)
    assert sorted(plans) == sorted(LANGUAGES)
    for language, item in plans.items():
        assert item["old_version"] is None
        assert item["new_version"] == "1.0.0"
        assert item["bump"] == "initial"
        assert item["tag"] == f"clients/default/{language}/v1.0.0"
    assert project.tags == []


def test_no_change_means_no_release(project: git.Repo, capsys: pytest.CaptureFixture[str]) -> None:
    release_everything(project, capsys)
    for item in plan(project, capsys).values():
        assert (item["old_version"], item["new_version"], item["bump"], item["tag"]) == ("1.0.0", None, "none", None)


def test_added_method_is_minor(project: git.Repo, capsys: pytest.CaptureFixture[str]) -> None:
    release_everything(project, capsys)

    def add_method(document: dict) -> None:
        entry = dict(first_stable_entry(document), name="brandNewMethod", route="/brand-new", args=[], query=[])
        document["entries"].append(entry)

    edit_api(project, some_api(project), add_method)
    for language, item in plan(project, capsys).items():
        assert (item["bump"], item["new_version"]) == ("minor", "1.1.0"), language
        assert item["tag"] == f"clients/default/{language}/v1.1.0"


def test_removed_method_is_major(project: git.Repo, capsys: pytest.CaptureFixture[str]) -> None:
    release_everything(project, capsys)
    edit_api(project, some_api(project), lambda doc: doc["entries"].remove(first_stable_entry(doc)))
    plans = plan(project, capsys)
    for item in plans.values():
        assert (item["bump"], item["new_version"]) == ("major", "2.0.0")
    assert plans["go"]["package"].endswith("/go/v2")
    assert not plans["python"]["package"].endswith("/v2")


def test_before_1_0_0_shifts_down(project: git.Repo, capsys: pytest.CaptureFixture[str]) -> None:
    release_everything(project, capsys)
    for tag in list(project.tags):
        project.create_tag(tag.name.replace("v1.0.0", "v0.4.0"), ref=tag.commit)
        project.delete_tag(tag)
    edit_api(project, some_api(project), lambda doc: doc["entries"].remove(first_stable_entry(doc)))
    for item in plan(project, capsys).values():
        assert (item["old_version"], item["bump"], item["new_version"]) == ("0.4.0", "minor", "0.5.0")


def test_tag_without_surface_is_an_error(project: git.Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project.create_tag("clients/default/python/v1.0.0")
    root = Path(project.working_dir)
    assert main(["release", "--specs", str(root / "specs"), "--repo", str(root)]) == 2
    error = capsys.readouterr().err
    assert "release tag clients/default/python/v1.0.0 has no clients/default/python/tcgen-surface.json" in error


def test_publish_is_refused(project: git.Repo, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(project.working_dir)
    assert main(["release", "--specs", str(root / "specs"), "--repo", str(root), "--publish"]) == 2
    assert "publishing is not implemented" in capsys.readouterr().err


def test_text_plan_shows_changes(project: git.Repo, capsys: pytest.CaptureFixture[str]) -> None:
    release_everything(project, capsys)
    edit_api(project, some_api(project), lambda doc: doc["entries"].remove(first_stable_entry(doc)))
    root = Path(project.working_dir)
    assert main(["release", "--specs", str(root / "specs"), "--repo", str(root)]) == 0
    output = capsys.readouterr().out
    assert output.startswith("dry run: nothing tagged or published\n")
    assert "clients/default/go/v2.0.0" in output
    assert "default python since 1.0.0:" in output
    assert "method-removed" in output
