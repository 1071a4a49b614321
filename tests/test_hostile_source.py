"""Hostile sources and output paths: each stops with one TcgenError (exit 2) and writes nothing outside --out.

Network cases run a small http.server on 127.0.0.1 that serves a real deployment
from memory, with one fault per test (HTML, a short body, a slow drip, ...).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from generator.errors import TcgenError
from generator.source import Documents, load_source, write_directory

BASE_RELEASE = "references-30.0.0.json"
QUEUE_API = "references/queue/v1/api.json"
QUEUE_LOGS = "references/queue/v1/logs.json"

# A fault takes the request handler and sends the whole response itself.
Fault = Callable[[http.server.BaseHTTPRequestHandler], None]


@pytest.fixture
def deployment_dir(tmp_path: Path, bundle_paths: list[Path]) -> Path:
    """A writable deployment directory made from a real bundle."""
    bundle = next(path for path in bundle_paths if path.name == BASE_RELEASE)
    directory = tmp_path / "deployment"
    write_directory(load_source(str(bundle)), directory)
    return directory


@pytest.fixture
def deployment_files(deployment_dir: Path) -> dict[str, bytes]:
    """The deployment's documents as a server publishes them: {URL path: body}."""
    return {
        "/" + path.relative_to(deployment_dir).as_posix(): path.read_bytes()
        for path in sorted(deployment_dir.rglob("*.json"))
        if path.name != "deployment.json"
    }


class Recorder:
    """The request paths one test server received."""

    def __init__(self) -> None:
        self.paths: list[str] = []


class Server(http.server.ThreadingHTTPServer):
    """A threading server that takes tcgen's 16 parallel connections without dropping any."""

    request_queue_size = 64
    daemon_threads = True
    block_on_close = False


@contextmanager
def serve(files: dict[str, bytes], faults: dict[str, Fault] | None = None) -> Iterator[tuple[str, Recorder]]:
    """Serve `files` on 127.0.0.1; a path in `faults` gets the fault's response instead."""
    recorder = Recorder()
    known_faults = faults or {}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            recorder.paths.append(self.path)
            if self.path in known_faults:
                known_faults[self.path](self)
            elif self.path in files:
                send(self, 200, files[self.path])
            else:
                send(self, 404, b'{"message": "not found"}')

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()


def send(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes,
         content_type: str = "application/json") -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def edit_json(path: Path, change: Callable[[Any], Any]) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def run_failing(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(args)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.startswith("tcgen: error: ")
    assert "Traceback" not in captured.err
    assert "fix:" in captured.err
    return captured.err


def bundle_with(entries: list[dict[str, Any]], directory: Path) -> Path:
    """A bundle file holding a valid manifest and the given extra entries."""
    manifest = {"filename": "references/manifest.json", "content": {"references": []}}
    path = directory / "bundle.json"
    path.write_text(json.dumps([manifest, *entries]))
    return path


# -- path traversal -----------------------------------------------------------


def test_bundle_filename_traversal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = bundle_with([{"filename": "../../victim/pwned.json", "content": {}}], tmp_path)
    out = tmp_path / "snap" / "out"
    error = run_failing(["snapshot", "--source", str(bundle), "--out", str(out)], capsys)
    assert "invalid document path '/../../victim/pwned.json'" in error
    assert f"in: {bundle} at /1/filename" in error
    assert not (tmp_path / "victim").exists()
    assert not out.exists()


@pytest.mark.parametrize(
    ("filename", "problem"),
    [
        ("references/../../escape.json", "'..' segment"),
        ("references/./queue.json", "'.' or '..' segment"),
        ("references//queue.json", "empty"),
        ("references\\..\\..\\escape.json", "backslash"),
        ("references/a\x00.json", "NUL"),
        ("elsewhere/queue.json", "not under /references/ or /schemas/"),
        ("references/queue/v1/api.txt", "does not end in .json"),
        ("references", "not under /references/ or /schemas/"),
    ],
)
def test_bundle_filename_rejected(filename: str, problem: str, tmp_path: Path) -> None:
    bundle = bundle_with([{"filename": filename, "content": {}}], tmp_path)
    with pytest.raises(TcgenError) as caught:
        load_source(str(bundle))
    assert problem in caught.value.message
    assert caught.value.pointer == "/1/filename"
    assert caught.value.document == str(bundle)


def test_manifest_traversal_from_url(
    deployment_files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = json.loads(deployment_files["/references/manifest.json"])
    manifest["references"].append("/references/../../escape/logs.json")
    index = len(manifest["references"]) - 1
    files = dict(deployment_files)
    files["/references/manifest.json"] = json.dumps(manifest).encode()
    files["/references/../../escape/logs.json"] = deployment_files["/" + QUEUE_LOGS]
    out = tmp_path / "a" / "b" / "out"
    with serve(files) as (root_url, recorder):
        error = run_failing(["snapshot", "--source", root_url, "--out", str(out)], capsys)
    assert "invalid document path '/references/../../escape/logs.json'" in error
    assert f"in: {root_url}/references/manifest.json at /references/{index}" in error
    assert "/references/../../escape/logs.json" not in recorder.paths
    assert not (tmp_path / "a" / "b" / "escape").exists()
    assert not out.exists()


def test_write_directory_rejects_unsafe_path(tmp_path: Path) -> None:
    documents = Documents(origin="test", root_url="", by_path={"/references/../../outside.json": {}})
    with pytest.raises(TcgenError) as caught:
        write_directory(documents, tmp_path / "out" / "snap")
    assert "'..' segment" in caught.value.message
    assert not (tmp_path / "outside.json").exists()


def test_write_directory_rejects_symlink_escape(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "references").symlink_to(tmp_path / "elsewhere")
    documents = Documents(origin="test", root_url="", by_path={"/references/manifest.json": {}})
    with pytest.raises(TcgenError) as caught:
        write_directory(documents, out)
    assert "outside" in caught.value.message
    assert list((tmp_path / "elsewhere").iterdir()) == []


# -- output directories -------------------------------------------------------


def test_write_trees_blocked_keeps_output(
    deployment_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    for language in ("go", "js"):
        (out / language).mkdir(parents=True)
        (out / language / "earlier.txt").write_text(f"earlier {language} output")
    (out / "python").write_text("a plain file where the Python package goes")
    before = tree_digest(out)
    error = run_failing(["generate", "--source", str(deployment_dir), "--out", str(out)], capsys)
    assert f"{out / 'python'} exists and is not a directory" in error
    assert tree_digest(out) == before
    assert sorted(path.name for path in out.iterdir()) == ["go", "js", "python"]


@pytest.mark.parametrize("kind", ["file", "below a file", "unwritable"])
def test_generate_out_not_writable(
    kind: str, deployment_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    # /proc rejects new directories even for root, so this path is unwritable for every user.
    out = {"file": afile, "below a file": afile / "sub", "unwritable": Path("/proc/tcgen-test-out")}[kind]
    args = ["generate", "--source", str(deployment_dir), "--out", str(out), "--language", "js"]
    error = run_failing(args, capsys)
    assert str(out) in error
    assert afile.read_text() == "not a directory"


def test_snapshot_out_is_a_file(deployment_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    error = run_failing(["snapshot", "--source", str(deployment_dir), "--out", str(afile)], capsys)
    assert f"--out {afile} exists and is not a directory" in error
    assert afile.read_text() == "not a directory"


@pytest.mark.parametrize("inside", [".", "references/x"])
def test_generate_out_inside_source(
    inside: str, deployment_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_digest(deployment_dir)
    out = deployment_dir / inside
    error = run_failing(["generate", "--source", str(deployment_dir), "--out", str(out)], capsys)
    assert "is inside the source directory" in error
    assert tree_digest(deployment_dir) == before


def test_generate_source_inside_out_language(
    deployment_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    (out / "python").mkdir(parents=True)
    source = out / "python" / "deployment"
    deployment_dir.rename(source)
    error = run_failing(["generate", "--source", str(source), "--out", str(out)], capsys)
    assert f"is inside {out / 'python'}, which generate replaces" in error
    assert (source / "references" / "manifest.json").is_file()


def test_snapshot_out_inside_source(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(deployment_dir)
    out = deployment_dir / "references" / "copy"
    error = run_failing(["snapshot", "--source", str(deployment_dir), "--out", str(out)], capsys)
    assert "is inside the source directory" in error
    assert tree_digest(deployment_dir) == before


# -- documents that crash the parser or the writer ----------------------------


def test_deeply_nested_json(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (deployment_dir / QUEUE_API).write_text("[" * 100000)
    error = run_failing(["model", "--source", str(deployment_dir)], capsys)
    assert "nested more than 100 levels deep" in error
    assert f"in: {QUEUE_API}" in error


def test_nesting_limit_names_pointer(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_json(deployment_dir / QUEUE_API, lambda doc: doc.update(deep=json.loads("[" * 150 + "]" * 150)))
    error = run_failing(["model", "--source", str(deployment_dir)], capsys)
    assert "nested more than 100 levels deep" in error
    assert f"in: {QUEUE_API} at /deep/0/0/" in error


def test_unpaired_surrogate(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api = deployment_dir / QUEUE_API
    edit_json(api, lambda doc: doc["entries"][2].update(description="MARK"))
    api.write_text(api.read_text().replace("MARK", "a\\udfffb"))
    error = run_failing(["model", "--source", str(deployment_dir)], capsys)
    assert "unpaired surrogate" in error
    assert f"in: {QUEUE_API} at /entries/2/description" in error


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf", "abc"])
def test_bad_timeout(value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TCGEN_TIMEOUT", value)
    error = run_failing(["model", "--source", "http://127.0.0.1:9"], capsys)
    assert f"TCGEN_TIMEOUT={value!r} is not a finite number of seconds greater than 0" in error


# -- network faults -----------------------------------------------------------


def short_body(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(b'{"references":')
    handler.close_connection = True


def slow_drip(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "200")
    handler.end_headers()
    try:
        for _ in range(200):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.05)
    except OSError:
        pass  # the client gave up, as the test expects


def html_page(handler: http.server.BaseHTTPRequestHandler) -> None:
    send(handler, 200, b"<html><body>Sign in</body></html>", "text/html")


def html_labelled_json(handler: http.server.BaseHTTPRequestHandler) -> None:
    send(handler, 200, b"  <!DOCTYPE html><html></html>")


def test_short_body(deployment_files: dict[str, bytes], capsys: pytest.CaptureFixture[str]) -> None:
    with serve(deployment_files, {"/references/manifest.json": short_body}) as (root_url, _):
        error = run_failing(["model", "--source", root_url], capsys)
    assert f"fetching {root_url}/references/manifest.json failed" in error
    assert "closed the connection after 14 bytes, 99986 more were expected" in error


def test_slow_drip_stops_at_deadline(
    deployment_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TCGEN_TIMEOUT", "1")
    with serve(deployment_files, {"/" + QUEUE_API: slow_drip}) as (root_url, _):
        started = time.monotonic()
        error = run_failing(["model", "--source", root_url], capsys)
        elapsed = time.monotonic() - started
    assert f"fetching {root_url}/{QUEUE_API} timed out" in error
    assert "the whole document did not arrive within 1 s" in error
    assert "TCGEN_TIMEOUT" in error
    assert elapsed < 5, f"the fetch took {elapsed:.1f} s although the drip lasts 10 s and the deadline is 1 s"


@pytest.mark.parametrize("fault", [html_page, html_labelled_json], ids=["text/html", "body starts with <"])
def test_html_response(fault: Fault, deployment_files: dict[str, bytes], capsys: pytest.CaptureFixture[str]) -> None:
    with serve(deployment_files, {"/" + QUEUE_API: fault}) as (root_url, _):
        error = run_failing(["model", "--source", root_url], capsys)
    assert f"fetching {root_url}/{QUEUE_API} returned HTML, not JSON" in error
    assert "check the root URL" in error


@pytest.mark.parametrize("suffix", ["/?x=1", "/#x", "?", "/references/#"])
def test_root_url_with_query_or_fragment(
    suffix: str, deployment_files: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(deployment_files) as (root_url, recorder):
        error = run_failing(["model", "--source", root_url + suffix], capsys)
    assert "must have no query or fragment" in error
    assert recorder.paths == []


def test_fetch_still_works(deployment_files: dict[str, bytes], deployment_dir: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    with serve(deployment_files) as (root_url, _):
        assert main(["model", "--source", root_url + "/"]) == 0
    from_url = json.loads(capsys.readouterr().out)
    assert main(["model", "--source", str(deployment_dir)]) == 0
    from_directory = json.loads(capsys.readouterr().out)
    assert from_url.pop("root_url") == root_url
    assert from_directory.pop("root_url") == ""
    assert from_url == from_directory


# -- clearer messages ---------------------------------------------------------


def test_null_document(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (deployment_dir / "schemas/queue/v1/create-task-request.json").write_text("null")
    error = run_failing(["model", "--source", str(deployment_dir)], capsys)
    assert "/schemas/queue/v1/create-task-request.json" in error
    assert "null" in error
    assert "not in the source" not in error


def test_manifest_lists_null_reference(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = json.loads((deployment_dir / "references/manifest.json").read_text())
    index = manifest["references"].index("/" + QUEUE_LOGS)
    (deployment_dir / QUEUE_LOGS).write_text("null")
    error = run_failing(["model", "--source", str(deployment_dir)], capsys)
    assert f"document /{QUEUE_LOGS} is JSON null" in error
    assert f"in: /{QUEUE_LOGS}\n" in error
    assert f"/references/manifest.json needs it at /references/{index}" in error


def test_manifest_lists_absolute_url(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = "https://example.invalid/references/queue/v1/api.json"
    edit_json(deployment_dir / "references/manifest.json", lambda doc: doc["references"].append(outside))
    index = len(json.loads((deployment_dir / "references/manifest.json").read_text())["references"]) - 1
    error = run_failing(["model", "--source", str(deployment_dir)], capsys)
    assert f"{outside} is outside the deployment" in error
    assert f"in: /references/manifest.json at /references/{index}" in error
    assert "absolute URLs outside the deployment are not supported" in error
    assert "add https" not in error


def test_require_null_document() -> None:
    documents = Documents(origin="test", root_url="", by_path={"/schemas/a/v1/x.json": None})
    with pytest.raises(TcgenError) as caught:
        documents.require("/schemas/a/v1/x.json#", needed_by="/references/a/v1/api.json", pointer="/entries/0/input")
    assert caught.value.message == "document /schemas/a/v1/x.json is JSON null"
    assert caught.value.document == "/schemas/a/v1/x.json"
    assert "/references/a/v1/api.json needs it at /entries/0/input" in caught.value.hint


def test_require_absolute_url() -> None:
    documents = Documents(origin="test", root_url="", by_path={})
    with pytest.raises(TcgenError) as caught:
        documents.require("http://127.0.0.1:9/x.json#", needed_by="/references/a/v1/api.json", pointer="/entries/0/input")
    assert caught.value.message == "http://127.0.0.1:9/x.json is outside the deployment"
    assert caught.value.document == "/references/a/v1/api.json"
    assert caught.value.pointer == "/entries/0/input"
    assert "absolute URLs outside the deployment are not supported" in caught.value.hint
    assert "add http" not in caught.value.hint


def test_input_absolute_url(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def point_at_url(doc: dict[str, Any]) -> None:
        entry = next(entry for entry in doc["entries"] if "input" in entry)
        entry["input"] = "http://127.0.0.1:9/x.json#"

    edit_json(deployment_dir / QUEUE_API, point_at_url)
    error = run_failing(["model", "--source", str(deployment_dir)], capsys)
    assert "http://127.0.0.1:9/x.json" in error
    assert "add http" not in error
    assert error.split("in: ")[1].split("\n")[0].endswith("/input")


def test_ref_absolute_url(deployment_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = deployment_dir / "schemas/queue/v1/task-definition-and-status.json"
    edit_json(schema, lambda doc: doc["properties"]["status"].update({"$ref": "https://example.invalid/s.json#"}))
    error = run_failing(["model", "--source", str(deployment_dir)], capsys)
    assert "https://example.invalid/s.json" in error
    assert "add http" not in error
    assert "at /properties/status/$ref" in error


@pytest.mark.parametrize("command", ["model", "generate"])
def test_deployment_config_array(
    command: str, deployment_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (deployment_dir / "deployment.json").write_text("[1, 2]")
    args = [command, "--source", str(deployment_dir)]
    if command == "generate":
        args += ["--out", str(tmp_path / "out")]
    error = run_failing(args, capsys)
    assert "deployment config must be a JSON object" in error
    assert f"in: {deployment_dir / 'deployment.json'}" in error


@pytest.mark.parametrize("packages", ['[]', '{"python": "tc"}'])
def test_deployment_config_packages_not_object(
    packages: str, deployment_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (deployment_dir / "deployment.json").write_text(
        f'{{"name": "x", "rootUrl": "https://tc.example.invalid", "packages": {packages}}}'
    )
    args = ["generate", "--source", str(deployment_dir), "--out", str(tmp_path / "out")]
    error = run_failing(args, capsys)
    assert "must be a JSON object" in error
    assert "at /packages" in error


@pytest.mark.parametrize(
    ("version", "language", "problem"),
    [
        ("banana", "python", "is not a semantic version"),
        ("banana", "js", "is not a semantic version"),
        ("1.2", "go", "is not a semantic version"),
        ("v1.2.3", "js", "is not a semantic version"),
        ("1.2.3-foo.1", "python", "has a pre-release part Python packages cannot carry"),
    ],
)
def test_package_version_rejected(
    version: str, language: str, problem: str, deployment_dir: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    args = ["generate", "--source", str(deployment_dir), "--out", str(out), "--language", language,
            "--package-version", version]
    error = run_failing(args, capsys)
    assert f"--package-version {version!r} {problem}" in error
    assert not out.exists()


def test_package_version_prerelease_accepted(deployment_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["generate", "--source", str(deployment_dir), "--out", str(out), "--language", "python",
            "--package-version", "2.1.0-rc.1"]
    assert main(args) == 0
    assert 'version = "2.1.0-rc.1"' in (out / "python" / "pyproject.toml").read_text()
