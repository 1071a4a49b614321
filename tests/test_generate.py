"""`tcgen generate`: complete trees for every language, deterministic, from every kind of source."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from generator.cli import main

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = REPOSITORY / "specs/default"


def tree_bytes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("source", ["default", "references-106.0.0.json"])
def test_two_runs_identical(source: str, tmp_path: Path, bundle_paths: list[Path]) -> None:
    path = DEFAULT_SPEC if source == "default" else next(p for p in bundle_paths if p.name == source)
    trees = []
    for run in ("first", "second"):
        assert main(["generate", "--source", str(path), "--out", str(tmp_path / run)]) == 0
        trees.append(tree_bytes(tmp_path / run))
    assert trees[0] == trees[1]
    assert {name.split("/")[0] for name in trees[0]} == {"python", "go", "js"}


def test_regenerate_replaces_old_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["generate", "--source", str(DEFAULT_SPEC), "--out", str(out), "--language", "js"]) == 0
    stale = out / "js" / "stale-file.txt"
    stale.write_text("left from an older generation")
    assert main(["generate", "--source", str(DEFAULT_SPEC), "--out", str(out), "--language", "js"]) == 0
    assert not stale.exists()
    assert sorted(path.name for path in out.iterdir()) == ["js"]


def test_service_filter(tmp_path: Path, load_bundle_model, bundle_paths: list[Path]) -> None:
    bundle = next(p for p in bundle_paths if p.name == "references-106.0.0.json")
    assert main(["generate", "--source", str(bundle), "--out", str(tmp_path), "--language", "go",
                 "--service", "secrets"]) == 0
    packages = sorted(path.name for path in (tmp_path / "go").iterdir() if path.is_dir())
    assert "secrets" in packages
    assert "queue" not in packages


def test_directory_source_equals_bundle(tmp_path: Path, bundle_paths: list[Path], capsys) -> None:
    bundle = next(p for p in bundle_paths if p.name == "references-106.0.0.json")
    assert main(["snapshot", "--source", str(bundle), "--out", str(tmp_path / "snap")]) == 0
    capsys.readouterr()
    assert [path.name for path in tmp_path.iterdir()] == ["snap"], "a staging directory was left behind"
    assert main(["model", "--source", str(bundle)]) == 0
    from_bundle = capsys.readouterr().out
    assert main(["model", "--source", str(tmp_path / "snap")]) == 0
    assert capsys.readouterr().out == from_bundle
