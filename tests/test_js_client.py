"""The generated JavaScript package, run with Node.js against the stand-in deployment and checked by tsc.

The package is generated once for every reference bundle. Then its own
`node --test` suite runs, tsc checks a TypeScript file that calls every method
and exchange, and a Node.js script sends the probe calls to a stand-in deployment. The newest
bundle's package also runs the behaviour checks: retries, errors, timeouts,
credentials, the proxy and exchange bindings.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import StandinFactory, find_bundle_paths
from probes import ProbeCall, assert_probes_received, probe_calls

from generator.emit import PackageOptions, write_trees
from generator.model import Model
from generator.standin import certificate_signature, temporary_access_token
from targets.js import TARGET
from targets.js.naming import JsNaming

REPO = Path(__file__).resolve().parents[1]
TSC = REPO / "tools" / "node_modules" / ".bin" / "tsc"
PACKAGE = "taskcluster-client"
NAMING = TARGET.naming
CLIENTS = {"tester": "no-secret"}
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "noEmit": True,
        "target": "es2022",
        "lib": ["es2022"],
        "module": "nodenext",
        "moduleResolution": "nodenext",
        "types": [],
    },
    "files": ["check.ts"],
}


@dataclass(frozen=True)
class Generated:
    """A generated package and a work directory whose scripts import it by its package name."""

    model: Model
    package: Path
    work: Path


def node_path() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: install Node.js 20 or later", pytrace=False)
    return node


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def clean_env(**variables: str) -> dict[str, str]:
    """The environment for Node.js: PATH and the given variables, nothing inherited from TASKCLUSTER_*."""
    return {"PATH": os.environ.get("PATH", ""), **variables}


def generate(model: Model, directory: Path) -> Generated:
    files = TARGET.emit(model, PackageOptions(js_package=PACKAGE))
    write_trees({"js": files}, directory)
    work = directory / "work"
    (work / "node_modules").mkdir(parents=True)
    (work / "node_modules" / PACKAGE).symlink_to(directory / "js", target_is_directory=True)
    # An ES module scope, as in a project that depends on the package: tsc then checks ESM imports.
    (work / "package.json").write_text('{"private": true, "type": "module"}\n', encoding="utf-8")
    return Generated(model, directory / "js", work)


def run_script(generated: Generated, name: str, body: str, env: dict[str, str]) -> Any:
    """Run an ES module script in the work directory and return the JSON it prints last."""
    script = generated.work / name
    script.write_text(body, encoding="utf-8")
    result = run([node_path(), str(script)], generated.work, env)
    assert result.returncode == 0, f"node {name} failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def standin_env(root_url: str, **extra: str) -> dict[str, str]:
    return clean_env(
        TASKCLUSTER_ROOT_URL=root_url,
        TASKCLUSTER_CLIENT_ID="tester",
        TASKCLUSTER_ACCESS_TOKEN="no-secret",
        **extra,
    )


# -- translating probe calls into JavaScript -------------------------------------------------


def probe_expression(model: Model, probe: ProbeCall, client: str) -> str:
    """The JavaScript call for one probe, on a client variable named `client`."""
    service = model.service(probe.service)
    method = next(method for method in service.methods if method.name == probe.method)
    arguments = [json.dumps(value) for _, value in probe.args]
    if method.input:
        arguments.append(json.dumps(probe.body))
    if method.query:
        arguments.append(json.dumps({NAMING.query(name): value for name, value in probe.query}))
    return f"{client}.{NAMING.method(service, method)}({', '.join(arguments)})"


def probe_script(model: Model, probes: list[ProbeCall], construct: str) -> str:
    """A script that sends every probe with clients built by `construct` (`Class` is replaced)."""
    classes = sorted({NAMING.client_class(model.service(probe.service)) for probe in probes})
    lines = [f"import {{ {', '.join(classes)} }} from '{PACKAGE}';", "const results = [];"]
    for probe in probes:
        client_class = NAMING.client_class(model.service(probe.service))
        lines.append("{")
        lines.append(f"  const client = {construct.replace('Class', client_class)};")
        lines.append(
            f"  results.push([{json.dumps(probe.label)}, await {probe_expression(model, probe, 'client')}]);"
        )
        lines.append("}")
    lines.append("console.log(JSON.stringify(results));")
    return "\n".join(lines) + "\n"


def typescript_check(model: Model) -> str:
    """A TypeScript file that calls every method and every exchange helper with typed values."""
    lines = [
        f"import * as tc from '{PACKAGE}';",
        "",
        "export async function callEverything(): Promise<void> {",
    ]
    for service in model.services:
        client = f"client_{NAMING.client_class(service)}"
        events = f"events_{NAMING.client_class(service)}"
        lines.append(
            f"  const {client}: tc.{NAMING.client_class(service)} = new tc.{NAMING.client_class(service)}"
            "({ rootUrl: 'https://tc.example.com', retries: 0 });"
        )
        if service.exchanges:
            lines.append(f"  const {events} = new tc.{NAMING.events_class(service)}();")
        for index, method in enumerate(service.methods):
            arguments = ["'value'" for _ in method.args]
            if method.input:
                arguments.append("{ key: 'value' }")
            if method.query:
                arguments.append(
                    "{ " + ", ".join(f"{json.dumps(NAMING.query(q))}: 'q'" for q in method.query) + " }"
                )
            result = {"json": "unknown", "blob": "Uint8Array", "none": "void"}[method.output_kind]
            call = f"{client}.{NAMING.method(service, method)}({', '.join(arguments)})"
            lines.append(f"  const result_{index}_{NAMING.client_class(service)}: {result} = await {call};")
        for index, exchange in enumerate(service.exchanges):
            lines.append(
                f"  const binding_{index}_{NAMING.client_class(service)}: tc.Binding = "
                f"{events}.{NAMING.exchange(service, exchange)}({{}});"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def run_tsc(work: Path, source: str) -> subprocess.CompletedProcess[str]:
    if not TSC.exists():
        pytest.fail(f"TypeScript is missing at {TSC}: run: npm ci --prefix tools", pytrace=False)
    (work / "check.ts").write_text(source, encoding="utf-8")
    (work / "tsconfig.json").write_text(json.dumps(TSCONFIG), encoding="utf-8")
    return run([str(TSC), "--project", str(work / "tsconfig.json")], work)


# -- every bundle ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(
    client_source: Path,
    load_bundle_model: Callable[[Path | str], Model],
    tmp_path_factory: pytest.TempPathFactory,
) -> Generated:
    directory = tmp_path_factory.mktemp(f"js-{client_source.stem}")
    return generate(load_bundle_model(client_source), directory)


def test_package_runtime_tests_pass(generated: Generated) -> None:
    result = run([node_path(), "--test"], generated.package, clean_env())
    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"
    assert "# fail 0" in result.stdout


def test_declarations_accept_every_call(generated: Generated) -> None:
    result = run_tsc(generated.work, typescript_check(generated.model))
    assert result.returncode == 0, f"tsc rejected the declarations:\n{result.stdout}\n{result.stderr}"


def test_probes_reach_standin(generated: Generated, client_source: Path, standin: StandinFactory) -> None:
    deployment = standin(client_source, clients=CLIENTS)
    probes = probe_calls(generated.model)
    assert probes, "the bundle has no API methods to probe"
    script = probe_script(generated.model, probes, "Class.fromEnv()")
    results = run_script(generated, "probe.mjs", script, standin_env(deployment.root_url))
    assert [label for label, _ in results] == [probe.label for probe in probes]
    assert_probes_received(deployment.requests, probes)
    assert {request.client_id for request in deployment.requests} == {"tester"}


# -- behaviour, on the newest bundle --------------------------------------------------------


@pytest.fixture(scope="module")
def newest(
    load_bundle_model: Callable[[Path | str], Model], tmp_path_factory: pytest.TempPathFactory
) -> Generated:
    return generate(load_bundle_model(find_bundle_paths()[-1]), tmp_path_factory.mktemp("js-newest"))


@pytest.fixture
def deployment(standin: StandinFactory) -> Any:
    return standin(find_bundle_paths()[-1], clients=CLIENTS)


def call_script(body: str) -> str:
    """A script that runs `body` and prints {result} or {error: {name, statusCode, code, message}}."""
    return f"""import * as tc from '{PACKAGE}';
let outcome;
try {{
  outcome = {{ result: await (async () => {{ {body} }})() ?? null }};
}} catch (error) {{
  outcome = {{ error: {{ name: error.name, statusCode: error.statusCode ?? null,
                         code: error.code ?? null, message: error.message }} }};
}}
console.log(JSON.stringify(outcome));
"""


def calls_to(deployment: Any, method: str) -> list[Any]:
    return [request for request in deployment.requests if request.method == method]


def test_retry_after_server_errors(newest: Generated, deployment: Any) -> None:
    deployment.fail_next(2, 500)
    body = "return await tc.Queue.fromEnv({ delayFactor: 1 }).task('abc');"
    outcome = run_script(newest, "retry.mjs", call_script(body), standin_env(deployment.root_url))
    assert "result" in outcome, outcome
    assert outcome["result"]["path"] == "/api/queue/v1/task/abc"
    assert [request.status for request in calls_to(deployment, "task")] == [500, 500, 200]


def test_retries_exhausted_raise_error(newest: Generated, deployment: Any) -> None:
    deployment.fail_next(3, 503)
    body = "return await tc.Queue.fromEnv({ delayFactor: 1, retries: 2 }).task('abc');"
    outcome = run_script(newest, "exhausted.mjs", call_script(body), standin_env(deployment.root_url))
    assert outcome["error"]["name"] == "TaskclusterError"
    assert outcome["error"]["statusCode"] == 503
    assert outcome["error"]["code"] == "StandinForcedFailure"
    assert "fail_next(503)" in outcome["error"]["message"]
    assert len(calls_to(deployment, "task")) == 3


def test_no_retry_on_client_error(newest: Generated, deployment: Any) -> None:
    deployment.fail_next(1, 404)
    body = "return await tc.Queue.fromEnv({ delayFactor: 1 }).task('abc');"
    outcome = run_script(newest, "client-error.mjs", call_script(body), standin_env(deployment.root_url))
    assert outcome["error"]["statusCode"] == 404
    assert len(calls_to(deployment, "task")) == 1


def test_wrong_access_token_rejected(newest: Generated, deployment: Any) -> None:
    env = standin_env(deployment.root_url)
    env["TASKCLUSTER_ACCESS_TOKEN"] = "wrong-secret"
    outcome = run_script(
        newest, "wrong-token.mjs", call_script("return await tc.Queue.fromEnv().task('abc');"), env
    )
    assert outcome["error"]["statusCode"] == 401
    assert outcome["error"]["code"] == "AuthenticationFailed"
    assert len(calls_to(deployment, "task")) == 1


def test_timeout_raises_error(newest: Generated) -> None:
    with socket.socket() as listener:
        # The listener queues connections in its backlog but never accepts or responds to them.
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        root_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        body = f"return await new tc.Queue({{ rootUrl: {json.dumps(root_url)}, timeout: 200, retries: 1 }}).ping();"
        started = time.monotonic()
        outcome = run_script(newest, "timeout.mjs", call_script(body), clean_env())
    assert outcome["error"]["code"] == "RequestTimeout"
    assert "after 2 attempts" in outcome["error"]["message"]
    assert time.monotonic() - started < 10


def test_explicit_root_url_without_credentials(newest: Generated, deployment: Any) -> None:
    probes = probe_calls(newest.model)
    construct = f"new Class({{ rootUrl: {json.dumps(deployment.root_url)} }})"
    run_script(newest, "anonymous.mjs", probe_script(newest.model, probes, construct), clean_env())
    assert_probes_received(deployment.requests, probes, authenticated=False)


def test_proxy_url_sends_unsigned(newest: Generated, deployment: Any) -> None:
    probes = probe_calls(newest.model)
    # The root URL is never contacted: with a proxy URL every request goes to the proxy.
    env = standin_env("http://127.0.0.1:9", TASKCLUSTER_PROXY_URL=deployment.root_url)
    run_script(newest, "proxy.mjs", probe_script(newest.model, probes, "Class.fromEnv()"), env)
    assert_probes_received(deployment.requests, probes, authenticated=False)


def test_temporary_credentials_and_authorized_scopes(newest: Generated, deployment: Any) -> None:
    now_ms = int(time.time() * 1000)
    seed = "a-seed-of-forty-four-characters-0123456789ab"
    certificate: dict[str, Any] = {
        "version": 1,
        "scopes": ["queue:*"],
        "start": now_ms - 1000,
        "expiry": now_ms + 600_000,
        "seed": seed,
        "issuer": "tester",
    }
    certificate["signature"] = certificate_signature("no-secret", certificate, "temporary")
    env = clean_env(
        TASKCLUSTER_ROOT_URL=deployment.root_url,
        TASKCLUSTER_CLIENT_ID="temporary",
        TASKCLUSTER_ACCESS_TOKEN=temporary_access_token("no-secret", seed),
        TASKCLUSTER_CERTIFICATE=json.dumps(certificate),
    )
    body = "return await tc.Queue.fromEnv({ authorizedScopes: ['queue:get-task'] }).task('abc');"
    outcome = run_script(newest, "temporary.mjs", call_script(body), env)
    assert "result" in outcome, outcome
    [request] = calls_to(deployment, "task")
    assert request.authenticated
    assert request.client_id == "temporary"
    assert request.ext["certificate"] == certificate
    assert request.ext["authorizedScopes"] == ["queue:get-task"]


def test_missing_root_url_is_explained(newest: Generated) -> None:
    outcome = run_script(newest, "no-root.mjs", call_script("return tc.Queue.fromEnv();"), clean_env())
    assert outcome["error"]["name"] == "TypeError"
    assert "TASKCLUSTER_ROOT_URL" in outcome["error"]["message"]


def test_exchange_binding(newest: Generated) -> None:
    body = """const events = new tc.QueueEvents();
    return [events.taskDefined({ taskId: 'abc', runId: 0 }), events.taskDefined(),
            new tc.QueueEvents({ exchangePrefix: 'exchange/other/' }).taskDefined({ reserved: 'x.y' })];"""
    outcome = run_script(newest, "events.mjs", call_script(body), clean_env())
    first, empty, prefixed = outcome["result"]
    assert first == {
        "exchange": "exchange/taskcluster-queue/v1/task-defined",
        "routingKeyPattern": "primary.abc.0.*.*.*.*.*.*.#",
        "schema": "/schemas/queue/v1/task-defined-message.json",
    }
    assert empty["routingKeyPattern"] == "primary.*.*.*.*.*.*.*.*.#"
    assert prefixed["exchange"] == "exchange/other/task-defined"
    assert prefixed["routingKeyPattern"] == "primary.*.*.*.*.*.*.*.*.x.y"


def test_exchange_rejects_unknown_part(newest: Generated) -> None:
    body = "return new tc.QueueEvents().taskDefined({ taskid: 'abc' });"
    outcome = run_script(newest, "events-typo.mjs", call_script(body), clean_env())
    assert outcome["error"]["name"] == "TypeError"
    assert "unknown routing-key part taskid" in outcome["error"]["message"]


def test_declarations_reject_wrong_calls(newest: Generated) -> None:
    source = f"""import {{ Queue, QueueEvents }} from '{PACKAGE}';
const queue = new Queue({{ rootUrl: 'https://tc.example.com' }});
export const missingArgument = queue.task();
export const unknownOption = queue.listTaskGroup('id', {{ limt: 5 }});
export const wrongResult: string = await queue.ping();
export const unknownPart = new QueueEvents().taskDefined({{ taskid: 'abc' }});
"""
    result = run_tsc(newest.work, source)
    assert result.returncode != 0
    for line in (3, 4, 5, 6):
        assert f"check.ts({line}," in result.stdout, f"tsc accepted line {line}:\n{result.stdout}"


def test_emit_deterministic(newest: Generated) -> None:
    first = TARGET.emit(newest.model, PackageOptions(js_package=PACKAGE))
    second = TARGET.emit(newest.model, PackageOptions(js_package=PACKAGE))
    assert first == second
    assert all(not path.startswith("/") and ".." not in path for path in first)


def test_package_json_shape(newest: Generated) -> None:
    data = json.loads((newest.package / "package.json").read_text(encoding="utf-8"))
    assert data["type"] == "module"
    assert data["exports"] == {".": {"types": "./index.d.ts", "default": "./index.js"}}
    assert data["engines"] == {"node": ">=20"}
    assert "dependencies" not in data


def test_generated_sources_carry_header(newest: Generated) -> None:
    for path in sorted(newest.package.glob("src/*")) + [newest.package / "index.js"]:
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line.startswith("// Generated by tcgen"), path
        assert first_line.endswith("DO NOT EDIT."), path


def test_naming_rules(newest: Generated) -> None:
    naming = JsNaming()
    model = newest.model
    assert naming.client_class(model.service("purge-cache")) == "PurgeCache"
    assert naming.events_class(model.service("queue")) == "QueueEvents"
    assert naming.argument("default") == "default_"
    assert naming.argument("taskId") == "taskId"
    assert naming.argument("worker-pool") == "workerPool"
    assert naming.query("continuationToken") == "continuationToken"
    queue = model.service("queue")
    assert naming.method(queue, queue.methods[0]) == queue.methods[0].name


def test_events_only_with_exchanges(newest: Generated) -> None:
    script = (
        f"const tc = await import('{PACKAGE}');\n"
        "console.log(JSON.stringify(Object.keys(tc).filter((name) => name.endsWith('Events')).sort()));\n"
    )
    exported = run_script(newest, "events.mjs", script, clean_env())
    expected = sorted(NAMING.events_class(service) for service in newest.model.services if service.exchanges)
    assert exported == expected
    assert "SecretsEvents" not in exported
