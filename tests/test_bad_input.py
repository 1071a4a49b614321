"""Bad input: one clear error each (what, which document, which pointer, what to do), exit 2, no half-written output."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest

from generator.cli import main
from generator.source import load_source, write_directory

BASE_RELEASE = "references-30.0.0.json"


@pytest.fixture
def deployment_dir(tmp_path: Path, bundle_paths: list[Path]) -> Path:
    """A writable deployment directory made from a real bundle."""
    bundle = next(path for path in bundle_paths if path.name == BASE_RELEASE)
    directory = tmp_path / "deployment"
    write_directory(load_source(str(bundle)), directory)
    return directory


@pytest.fixture
def previous_output(tmp_path: Path, deployment_dir: Path) -> Path:
    """An output directory holding a good earlier generation."""
    out = tmp_path / "out"
    assert main(["generate", "--source", str(deployment_dir), "--out", str(out), "--language", "python"]) == 0
    return out


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def edit_json(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def run_failing(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(args)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.startswith("tcgen: error: ")
    assert "fix:" in captured.err
    return captured.err


def generate_failing(source: str, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    before = tree_digest(out)
    error = run_failing(["generate", "--source", source, "--out", str(out)], capsys)
    assert tree_digest(out) == before, "the earlier output changed"
    assert sorted(path.name for path in out.iterdir()) == ["python"], "a staging directory was left behind"
    return error


def test_invalid_json(deployment_dir: Path, previous_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api = deployment_dir / "references/queue/v1/api.json"
    api.write_text(api.read_text()[:-20])
    error = generate_failing(str(deployment_dir), previous_output, capsys)
    assert "invalid JSON" in error
    assert "references/queue/v1/api.json" in error
    assert "line " in error


def test_missing_required_field(deployment_dir: Path, previous_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_json(deployment_dir / "references/queue/v1/api.json", lambda doc: doc["entries"][3].pop("route"))
    error = generate_failing(str(deployment_dir), previous_output, capsys)
    assert "'route' is a required property" in error
    assert "in: /references/queue/v1/api.json at /entries/3" in error
    assert "rule 'required'" in error


def test_input_names_missing_schema(deployment_dir: Path, previous_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def point_at_missing(doc: dict) -> None:
        entry = next(entry for entry in doc["entries"] if "input" in entry)
        entry["input"] = "v1/no-such-request.json#"

    edit_json(deployment_dir / "references/queue/v1/api.json", point_at_missing)
    error = generate_failing(str(deployment_dir), previous_output, capsys)
    assert "document /schemas/queue/v1/no-such-request.json is not in the source" in error
    assert "in: /references/queue/v1/api.json at /entries/" in error
    assert error.split("in: ")[1].split("\n")[0].endswith("/input")


def test_unresolvable_ref(deployment_dir: Path, previous_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = deployment_dir / "schemas/queue/v1/task-definition-and-status.json"
    edit_json(schema, lambda doc: doc["properties"]["task"].update({"$ref": "task.json#/definitions/nothing"}))
    error = generate_failing(str(deployment_dir), previous_output, capsys)
    assert "does not resolve" in error
    assert "in: /schemas/queue/v1/task-definition-and-status.json at /properties/task/$ref" in error


def test_ref_to_missing_document(deployment_dir: Path, previous_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = deployment_dir / "schemas/queue/v1/task-definition-and-status.json"
    edit_json(schema, lambda doc: doc["properties"]["status"].update({"$ref": "gone.json#"}))
    error = generate_failing(str(deployment_dir), previous_output, capsys)
    assert "document /schemas/queue/v1/gone.json is not in the source" in error
    assert "at /properties/status/$ref" in error


def test_unreachable_root_url(previous_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = generate_failing(f"http://127.0.0.1:{port}", previous_output, capsys)
    assert f"fetching http://127.0.0.1:{port}/references/manifest.json failed" in error
    assert "reachable" in error


def test_unknown_version_of_known_kind(deployment_dir: Path, previous_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_json(deployment_dir / "schemas/common/api-reference-v0.json", lambda doc: doc["metadata"].update(version=7))
    error = generate_failing(str(deployment_dir), previous_output, capsys)
    assert "unsupported api reference version 7" in error


def test_unknown_kind_is_skipped(deployment_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_json(deployment_dir / "schemas/common/logs-reference-v0.json", lambda doc: doc["metadata"].update(name="traces"))
    assert main(["model", "--source", str(deployment_dir)]) == 0
    skipped = json.loads(capsys.readouterr().out)["skipped"]
    assert {"kind": "traces", "path": "/references/queue/v1/logs.json", "version": 0} in skipped


def test_source_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    error = run_failing(["model", "--source", str(tmp_path / "nothing-here")], capsys)
    assert "is not a URL, a directory or a file" in error


def test_unknown_service(deployment_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    error = run_failing(
        ["generate", "--source", str(deployment_dir), "--out", str(tmp_path / "x"), "--service", "nope"], capsys
    )
    assert "unknown service nope" in error
    assert "queue" in error
    assert not (tmp_path / "x").exists()
