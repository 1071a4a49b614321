"""The generated Python client: installed in a fresh venv and called against the stand-in deployment.

Every bundle's package is built as a wheel, installed into one fresh virtualenv
under its own package name (tc_client_r<release>), and made to send the shared
probe calls with Hawk credentials. The 106.0.0 package is also imported in
process to test exchange bindings, from_env, temporary credentials and retries.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from probes import ProbeCall, assert_probes_received, probe_calls

from generator.emit import PackageOptions, write_trees
from generator.errors import TcgenError
from generator.model import Model
from generator.standin import StandinDeployment, certificate_signature, temporary_access_token
from targets.python import TARGET
from targets.python.literals import docstring
from targets.python.naming import pascal_case, snake_case

SPECS = Path(__file__).resolve().parents[2] / "shared/specs/taskcluster"
LATEST = SPECS / "references-106.0.0.json"
OLDEST = SPECS / "references-30.0.0.json"
TESTER = {"clientId": "tester", "accessToken": "no-secret"}
EMIT_SECONDS_LIMIT = 0.15
# Lint rules beyond ruff's defaults that generated code should meet. Long lines are
# allowed because docstrings keep the references' Markdown lines as they are.
RUFF_RULES = ["--select", "E,F,W,B,UP,I,N,A,C4,SIM", "--ignore", "E501"]

# Runs inside the fresh venv: calls each probe and prints the results as JSON.
PROBE_SCRIPT = """
import importlib, json, sys
package = importlib.import_module(sys.argv[1])
credentials = {"clientId": "tester", "accessToken": "no-secret"}
results = []
for call in json.load(sys.stdin):
    client = getattr(package, call["class"])(sys.argv[2], credentials, max_retries=0)
    arguments = call["args"] + ([call["payload"]] if call["has_payload"] else [])
    results.append(getattr(client, call["method"])(*arguments, **call["query"]))
json.dump(results, sys.stdout)
"""


@dataclasses.dataclass(frozen=True)
class InstalledPackage:
    model: Model
    package: str
    source: Path


def _tool(name: str) -> Path:
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(f"{name} not found beside {sys.executable}: run pip install -e '.[test]'", pytrace=False)
    return path


def _run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, **options)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _emit_package(model: Model, package: str, out: Path) -> Path:
    options = PackageOptions(python_distribution=package.replace("_", "-"), python_package=package)
    write_trees({"python": TARGET.emit(model, options)}, out)
    return out / "python"


def _release(bundle: Path) -> str:
    return bundle.stem.removeprefix("references-").split(".")[0]


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with nothing but pip and setuptools, as `python -m venv` makes it."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--clear", str(venv)])
    return venv


@pytest.fixture(scope="session")
def installed(
    client_source: Path,
    load_bundle_model: Callable[[Path | str], Model],
    fresh_venv: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> InstalledPackage:
    """The bundle's package, built into a wheel with setuptools and installed into the fresh venv."""
    model = load_bundle_model(client_source)
    package = f"tc_client_r{_release(client_source)}"
    out = tmp_path_factory.mktemp(package)
    source = _emit_package(model, package, out)
    dist = out / "dist"
    _tool("pip")  # the wheel is built by this interpreter's pip, setuptools and wheel
    _run([sys.executable, "-m", "pip", "--isolated", "wheel", "--no-deps", "--no-index",
          "--no-build-isolation", "-q", "-w", str(dist), str(source)])
    wheels = sorted(dist.glob("*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {dist}, found {wheels}"
    _run([str(fresh_venv / "bin" / "pip"), "--isolated", "install", "--no-index", "-q", str(wheels[0])])
    return InstalledPackage(model, package, source)


def _python_call(model: Model, probe: ProbeCall) -> dict[str, Any]:
    service = model.service(probe.service)
    method = next(method for method in service.methods if method.name == probe.method)
    return {
        "class": TARGET.naming.client_class(service),
        "method": TARGET.naming.method(service, method),
        "args": [value for _, value in probe.args],
        "payload": probe.body,
        "has_payload": method.input is not None,
        "query": {TARGET.naming.query(name): value for name, value in probe.query},
    }


def test_probes_reach_standin(
    installed: InstalledPackage, fresh_venv: Path, standin: Callable[..., StandinDeployment], client_source: Path
) -> None:
    deployment = standin(client_source)
    probes = probe_calls(installed.model)
    calls = [_python_call(installed.model, probe) for probe in probes]
    script = installed.source.parent / "probe.py"
    script.write_text(PROBE_SCRIPT, encoding="utf-8")
    result = _run(
        [str(fresh_venv / "bin" / "python"), str(script), installed.package, deployment.root_url],
        input=json.dumps(calls),
    )
    assert_probes_received(deployment.requests, probes)
    results = json.loads(result.stdout)
    for probe, value in zip(probes, results):
        method = next(m for m in installed.model.service(probe.service).methods if m.name == probe.method)
        if method.output_kind == "json":
            assert value["method"] == probe.method, f"{probe.label}: parsed response {value!r}"
        else:
            assert value is None, f"{probe.label}: a method without output returned {value!r}"


def test_installed_package_is_typed(installed: InstalledPackage, fresh_venv: Path) -> None:
    code = (
        f"import importlib.resources as r, {installed.package} as p;"
        f"print(r.files('{installed.package}').joinpath('py.typed').is_file(), p.__version__)"
    )
    result = _run([str(fresh_venv / "bin" / "python"), "-c", code])
    assert result.stdout.split() == ["True", "1.0.0"]


# -- the package's own tools --------------------------------------------------


@pytest.mark.parametrize("bundle", [LATEST, OLDEST], ids=lambda path: _release(path))
def test_package_passes_mypy_and_ruff(
    bundle: Path, load_bundle_model: Callable[[Path | str], Model], tmp_path: Path
) -> None:
    source = _emit_package(load_bundle_model(bundle), "tc_client_lint", tmp_path)
    mypy = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".mypy_cache")]
    _run([*mypy, "tc_client_lint"], cwd=source)
    _run([str(_tool("ruff")), "check", "--no-cache", "."], cwd=source)
    _run([str(_tool("ruff")), "check", "--no-cache", *RUFF_RULES, "."], cwd=source)


def test_emit_fast_and_deterministic(load_bundle_model: Callable[[Path | str], Model]) -> None:
    model = load_bundle_model(LATEST)
    first = TARGET.emit(model, PackageOptions())
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        again = TARGET.emit(model, PackageOptions())
        timings.append(time.perf_counter() - start)
        assert again == first, "two emit() runs differ"
    assert min(timings) < EMIT_SECONDS_LIMIT, f"emit() took {min(timings):.3f} s"


def test_generated_files_have_header(load_bundle_model: Callable[[Path | str], Model]) -> None:
    files = TARGET.emit(load_bundle_model(LATEST), PackageOptions())
    assert "tc_generated_client/queue.py" in files
    assert "tc_generated_client/py.typed" in files
    for path, text in files.items():
        if path.endswith((".py", ".toml")):
            assert "do not edit" in text.splitlines()[0], f"{path} lacks the do-not-edit header"


# -- naming -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("createTask", "create_task"), ("listTaskGroup", "list_task_group"), ("sentryDSN", "sentry_dsn"),
     ("awsS3Credentials", "aws_s3_credentials"), ("listRoles2", "list_roles2"), ("purge-cache", "purge_cache")],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


def test_reserved_names_get_underscore() -> None:
    naming = TARGET.naming
    assert naming.argument("from") == "from_"
    assert naming.query("format") == "format_"
    assert naming.argument("payload") == "payload_"
    assert naming.query("continuationToken") == "continuation_token"
    assert pascal_case("purge-cache") == "PurgeCache"


def test_runtime_members_are_reserved(
    client_package: ModuleType, load_bundle_model: Callable[[Path | str], Model]
) -> None:
    from targets.python.naming import CLIENT_MEMBERS, EVENTS_MEMBERS

    queue = load_bundle_model(LATEST).service("queue")
    methods = {TARGET.naming.method(queue, method) for method in queue.methods}
    exchanges = {TARGET.naming.exchange(queue, exchange) for exchange in queue.exchanges}
    client_members = {name for name in dir(client_package.Queue) if not name.startswith("_")}
    events_members = {name for name in dir(client_package.QueueEvents) if not name.startswith("_")}
    assert client_members - methods <= CLIENT_MEMBERS
    assert events_members - exchanges <= EVENTS_MEMBERS


def test_clashing_parameter_names_rejected(load_bundle_model: Callable[[Path | str], Model]) -> None:
    model = load_bundle_model(LATEST)
    queue = model.service("queue")
    methods = tuple(
        dataclasses.replace(m, query=("task_id",)) if m.name == "status" else m for m in queue.methods
    )
    services = tuple(dataclasses.replace(s, methods=methods) if s.name == "queue" else s for s in model.services)
    with pytest.raises(TcgenError, match="'taskId' and 'task_id' both become the Python parameter name 'task_id'"):
        TARGET.emit(dataclasses.replace(model, services=services), PackageOptions())


@pytest.mark.parametrize(
    "text",
    ['plain', 'a regex \\d+ and C:\\path\\', 'quotes """ inside', 'ends with a quote "', "tab\there"],
)
def test_docstring_literal_round_trips(text: str) -> None:
    literal = docstring([text, "second paragraph"], "    ")
    value = ast.literal_eval(literal)
    assert value.startswith(text.expandtabs(4).strip())
    assert value.rstrip().endswith("second paragraph")


# -- in-process behaviour, on the 106.0.0 package -----------------------------


@pytest.fixture(scope="module")
def client_package(
    load_bundle_model: Callable[[Path | str], Model], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    """The 106.0.0 package, with queue.task returning a blob, imported in this process."""
    model = load_bundle_model(LATEST)
    out = tmp_path_factory.mktemp("inprocess")
    source = _emit_package(_with_blob_method(model), "tc_client_inprocess", out)
    sys.path.insert(0, str(source))
    try:
        yield importlib.import_module("tc_client_inprocess")
    finally:
        sys.path.remove(str(source))
        for name in [name for name in sys.modules if name.startswith("tc_client_inprocess")]:
            del sys.modules[name]


def _with_blob_method(model: Model) -> Model:
    """The model with queue.task turned into a method whose output is a blob."""
    queue = model.service("queue")
    methods = tuple(
        dataclasses.replace(m, output=None, output_kind="blob") if m.name == "task" else m for m in queue.methods
    )
    services = tuple(
        dataclasses.replace(s, methods=methods) if s.name == "queue" else s for s in model.services
    )
    return dataclasses.replace(model, services=services)


def test_exchange_routing_key_pattern(client_package: ModuleType) -> None:
    events = client_package.QueueEvents()
    binding = events.task_completed(task_id="abc", worker_type="linux")
    assert binding.exchange == "exchange/taskcluster-queue/v1/task-completed"
    assert binding.routing_key_pattern == "primary.abc.*.*.*.*.linux.*.*.#"
    assert binding.schema == "/schemas/queue/v1/task-completed-message.json#"
    assert events.task_defined(reserved="a.b").routing_key_pattern.endswith(".a.b")


def test_exchange_schema_with_root_url(client_package: ModuleType) -> None:
    binding = client_package.QueueEvents("https://tc.example.com/").task_pending()
    assert binding.schema == "https://tc.example.com/schemas/queue/v1/task-pending-message.json#"


def test_exchange_rejects_dotted_word(client_package: ModuleType) -> None:
    with pytest.raises(ValueError, match="taskId"):
        client_package.QueueEvents().task_defined(task_id="a.b")


def test_unauthenticated_without_credentials(
    client_package: ModuleType, standin: Callable[..., StandinDeployment]
) -> None:
    deployment = standin(LATEST)
    assert client_package.Queue(deployment.root_url).status("some-task")["args"] == {"taskId": "some-task"}
    assert [request.authenticated for request in deployment.requests] == [False]


def test_from_env_signs_requests(
    client_package: ModuleType, standin: Callable[..., StandinDeployment], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = standin(LATEST)
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", deployment.root_url)
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "tester")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "no-secret")
    monkeypatch.delenv("TASKCLUSTER_CERTIFICATE", raising=False)
    monkeypatch.delenv("TASKCLUSTER_PROXY_URL", raising=False)
    queue = client_package.Queue.from_env()
    assert queue.root_url == deployment.root_url
    queue.create_task("t1", {"payload": 1})
    request = deployment.requests[0]
    assert (request.method, request.authenticated, request.client_id) == ("createTask", True, "tester")
    assert request.body == {"payload": 1}


def test_from_env_proxy_sends_unsigned(
    client_package: ModuleType, standin: Callable[..., StandinDeployment]
) -> None:
    root, proxy = standin(LATEST), standin(LATEST)
    environ = {
        "TASKCLUSTER_ROOT_URL": root.root_url,
        "TASKCLUSTER_PROXY_URL": proxy.root_url,
        "TASKCLUSTER_CLIENT_ID": "tester",
        "TASKCLUSTER_ACCESS_TOKEN": "no-secret",
    }
    client_package.Queue.from_env(environ=environ).status("t2")
    assert root.requests == []
    assert [(r.raw_path, r.authenticated) for r in proxy.requests] == [("/api/queue/v1/task/t2/status", False)]


def test_from_env_requires_root_url(client_package: ModuleType) -> None:
    with pytest.raises(ValueError, match="TASKCLUSTER_ROOT_URL"):
        client_package.Queue.from_env(environ={})


def test_temporary_credentials_and_authorized_scopes(
    client_package: ModuleType, standin: Callable[..., StandinDeployment]
) -> None:
    deployment = standin(LATEST)
    now_ms = int(time.time() * 1000)
    certificate: dict[str, Any] = {
        "version": 1, "scopes": ["queue:*"], "start": now_ms - 1000, "expiry": now_ms + 600_000, "seed": "s" * 44,
    }
    certificate["signature"] = certificate_signature("no-secret", certificate, "tester")
    credentials = client_package.Credentials(
        client_id="tester",
        access_token=temporary_access_token("no-secret", certificate["seed"]),
        certificate=json.dumps(certificate),
        authorized_scopes=["queue:status"],
    )
    client_package.Queue(deployment.root_url, credentials).status("t3")
    request = deployment.requests[0]
    assert request.authenticated, "temporary credentials were rejected"
    assert request.ext == {"certificate": certificate, "authorizedScopes": ["queue:status"]}


def test_wrong_access_token_raises_401(
    client_package: ModuleType, standin: Callable[..., StandinDeployment]
) -> None:
    deployment = standin(LATEST)
    queue = client_package.Queue(deployment.root_url, {"clientId": "tester", "accessToken": "wrong"})
    with pytest.raises(client_package.TaskclusterError) as caught:
        queue.status("t4")
    assert caught.value.status_code == 401
    assert caught.value.code == "AuthenticationFailed"
    assert "invalid Hawk MAC" in caught.value.message
    assert len(deployment.requests) == 1, "a 4xx answer was retried"


def test_retry_on_500(client_package: ModuleType, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    deployment.fail_next(2, 500)
    queue = client_package.Queue(deployment.root_url, TESTER, max_retries=3, retry_delay=0.01)
    assert queue.status("t5")["method"] == "status"
    assert len(deployment.requests) == 3
    assert all(request.authenticated for request in deployment.requests), "a retry was not signed afresh"


def test_retries_give_up(client_package: ModuleType, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    deployment.fail_next(5, 503)
    queue = client_package.Queue(deployment.root_url, TESTER, max_retries=2, retry_delay=0.01)
    with pytest.raises(client_package.TaskclusterError) as caught:
        queue.status("t6")
    assert caught.value.status_code == 503
    assert "fail_next" in caught.value.message
    assert len(deployment.requests) == 3


def test_no_retry_on_404(client_package: ModuleType, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    deployment.fail_next(1, 404)
    queue = client_package.Queue(deployment.root_url, TESTER, max_retries=3, retry_delay=0.01)
    with pytest.raises(client_package.TaskclusterError) as caught:
        queue.status("t7")
    assert caught.value.status_code == 404
    assert len(deployment.requests) == 1


def test_network_error_retried_then_raised(client_package: ModuleType, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    root_url = deployment.root_url
    deployment.stop()
    queue = client_package.Queue(root_url, TESTER, max_retries=2, retry_delay=0.01, timeout=2)
    started = time.perf_counter()
    with pytest.raises(client_package.TaskclusterError) as caught:
        queue.status("t8")
    assert caught.value.status_code is None
    assert time.perf_counter() - started >= 0.01 * 0.75 * 3, "no backoff between attempts"


def test_blob_output_returns_bytes(client_package: ModuleType, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    content = client_package.Queue(deployment.root_url, TESTER).task("t9")
    assert isinstance(content, bytes)
    assert json.loads(content)["method"] == "task"


def test_query_leaves_out_none_and_encodes(
    client_package: ModuleType, standin: Callable[..., StandinDeployment]
) -> None:
    deployment = standin(LATEST)
    client_package.Queue(deployment.root_url).list_task_group("g1", continuation_token=None, limit=5)
    client_package.Queue(deployment.root_url).list_task_group("g1", continuation_token="a b/ü")
    first, second = deployment.requests
    assert first.query == {"limit": ["5"]}
    assert second.query == {"continuationToken": ["a b/ü"]}
