"""The generated Go module: gofmt, go vet, go build, its own runtime tests, and real calls to the stand-in.

For every bundle the module is generated once, a small harness program is added
under harness/ (written from the model with the Go naming layer, so a wrong
public name fails to compile), and the harness is built once and run against a
stand-in deployment on 127.0.0.1 for each scenario: the shared probe calls,
retries, errors, from-environment construction, the proxy and temporary
credentials. Its results come back as JSON and are checked here.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import string
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from probes import ProbeCall, assert_probes_received, probe_calls

from generator.emit import PackageOptions, write_trees
from generator.model import Exchange, Method, Model, Service
from generator.standin import StandinDeployment, certificate_signature, temporary_access_token
from targets.go import TARGET
from targets.go.naming import pascal
from targets.go.view import go_string, module_path

SPECS = Path(__file__).resolve().parents[2] / "shared/specs/taskcluster"
LATEST = SPECS / "references-106.0.0.json"
EMIT_SECONDS_LIMIT = 0.15
GO_ENVIRONMENT = {"GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOWORK": "off"}
TASKCLUSTER_VARIABLES = (
    "TASKCLUSTER_ROOT_URL",
    "TASKCLUSTER_CLIENT_ID",
    "TASKCLUSTER_ACCESS_TOKEN",
    "TASKCLUSTER_CERTIFICATE",
    "TASKCLUSTER_PROXY_URL",
)

# The harness: `probes` makes the probe calls; `call RETRIES [SCOPE...]` calls one
# method without arguments and prints the outcome; `events` prints one binding.
HARNESS = """package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

$imports)

func main() {
	ctx := context.Background()
	var err error
	switch os.Args[1] {
	case "probes":
		err = probes(ctx)
	case "call":
		err = call(ctx, os.Args[2], os.Args[3:])
	case "events":
		err = json.NewEncoder(os.Stdout).Encode($events_package.Events{}.$events_method($events_package.$key_type{$key_field: "given-value"}))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func probes(ctx context.Context) error {
	_ = json.RawMessage{}
$probes	return nil
}

func call(ctx context.Context, retries string, scopes []string) error {
	maxRetries, err := strconv.Atoi(retries)
	if err != nil {
		return err
	}
	client := $call_package.NewFromEnv()
	client.Runtime.Retry = tcclient.RetryPolicy{MaxRetries: maxRetries, InitialDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond, Jitter: 0.25}
	if len(scopes) > 0 {
		client.Runtime.Credentials.AuthorizedScopes = scopes
	}
	$call_result client.$call_method(ctx)
	outcome := map[string]any{"ok": err == nil}
	var apiError *tcclient.APIError
	if errors.As(err, &apiError) {
		outcome["status"] = apiError.StatusCode
		outcome["message"] = apiError.Message
	} else if err != nil {
		outcome["error"] = err.Error()
	}
	return json.NewEncoder(os.Stdout).Encode(outcome)
}
"""


@dataclasses.dataclass(frozen=True)
class GoModule:
    model: Model
    root: Path
    harness: Path
    call_target: tuple[Service, Method]
    events_target: tuple[Service, Exchange]


def _go_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} not found on PATH: install Go 1.21 or later (https://go.dev/doc/install, "
            "or `apt-get install golang`)",
            pytrace=False,
        )
    return path


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **GO_ENVIRONMENT, **(env or {})}
    result = subprocess.run(command, check=False, cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)} failed in {cwd}:\n{result.stdout}\n{result.stderr}"
    return result


# -- the harness program ------------------------------------------------------


def _package_of(service: Service) -> str:
    return TARGET.naming.client_class(service).split(".", 1)[0]


def _probe_statement(model: Model, probe: ProbeCall) -> str:
    """One Go block that makes the probe call with a client from NewFromEnv."""
    service = model.service(probe.service)
    method = next(method for method in service.methods if method.name == probe.method)
    package = _package_of(service)
    go_method = TARGET.naming.method(service, method)
    arguments = ["ctx"] + [go_string(value) for _, value in probe.args]
    if method.input:
        arguments.append(f"json.RawMessage({go_string(json.dumps(probe.body))})")
    if method.query:
        fields = ", ".join(f"{TARGET.naming.query(name)}: {go_string(value)}" for name, value in probe.query)
        arguments.append(f"&{package}.{go_method}Options{{{fields}}}")
    call = f"client.{go_method}({', '.join(arguments)})"
    result = "err :=" if method.output_kind == "none" else "_, err :="
    return (
        "\t{\n"
        f"\t\tclient := {package}.NewFromEnv()\n"
        "\t\tclient.Runtime.Retry.MaxRetries = 0\n"
        f"\t\t{result} {call}\n"
        "\t\tif err != nil {\n"
        f"\t\t\treturn fmt.Errorf({go_string(probe.label + ': %w')}, err)\n"
        "\t\t}\n"
        "\t}\n"
    )


def _call_target(model: Model) -> tuple[Service, Method]:
    """The first method without arguments, body or query: the one the retry and env scenarios call."""
    for service in model.services:
        for method in service.methods:
            if not method.args and not method.input and not method.query:
                return service, method
    raise AssertionError("no method without arguments in the model")


def _events_target(model: Model) -> tuple[Service, Exchange]:
    """The first exchange with a variable routing-key part."""
    for service in model.services:
        for exchange in service.exchanges:
            if any(part.constant is None for part in exchange.routing_key):
                return service, exchange
    raise AssertionError("no exchange with a variable routing-key part in the model")


def _harness_source(model: Model, module: str) -> str:
    """A Go main package: `probes`, `call RETRIES [SCOPE...]` and `events` print or check results."""
    probes = "".join(_probe_statement(model, probe) for probe in probe_calls(model))
    call_service, call_method = _call_target(model)
    events_service, exchange = _events_target(model)
    first_part = next(part for part in exchange.routing_key if part.constant is None)
    key = f"{TARGET.naming.exchange(events_service, exchange)}RoutingKey"
    key_field = pascal(first_part.name)
    call_result = "err =" if call_method.output_kind == "none" else "_, err ="
    packages = sorted({_package_of(model.service(probe.service)) for probe in probe_calls(model)}
                      | {_package_of(call_service), _package_of(events_service)})
    imports = "".join(f'\t"{module}/{package}"\n' for package in packages)
    return string.Template(HARNESS).substitute(
        imports=imports + f'\t"{module}/tcclient"\n',
        probes=probes,
        call_package=_package_of(call_service),
        call_result=call_result,
        call_method=TARGET.naming.method(call_service, call_method),
        events_package=_package_of(events_service),
        events_method=TARGET.naming.exchange(events_service, exchange),
        key_type=key,
        key_field=key_field,
    )


def _build_module(model: Model, out: Path) -> GoModule:
    """Generate the module into `out`, add the harness, vet everything and build the harness."""
    go = _go_tool("go")
    options = PackageOptions(version="2.1.0")
    write_trees({"go": TARGET.emit(model, options)}, out)
    root = out / "go"
    (root / "harness").mkdir()
    (root / "harness" / "main.go").write_text(_harness_source(model, module_path(options)), encoding="utf-8")
    _run([go, "vet", "./..."], root)
    harness = out / "harness-bin"
    _run([go, "build", "-o", str(harness), "./harness"], root)
    return GoModule(model, root, harness, _call_target(model), _events_target(model))


@pytest.fixture(scope="session")
def go_module(
    client_source: Path, load_bundle_model: Callable[[Path | str], Model], tmp_path_factory: pytest.TempPathFactory
) -> GoModule:
    """The bundle's generated module with the harness added, vetted and built once."""
    out = tmp_path_factory.mktemp("go-" + client_source.stem.removeprefix("references-"))
    return _build_module(load_bundle_model(client_source), out)


@pytest.fixture(scope="session")
def latest_module(
    load_bundle_model: Callable[[Path | str], Model], tmp_path_factory: pytest.TempPathFactory
) -> GoModule:
    """The latest bundle's module, for the scenarios that run once."""
    return _build_module(load_bundle_model(LATEST), tmp_path_factory.mktemp("go-latest"))


def _clean_environment(**variables: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name not in TASKCLUSTER_VARIABLES}
    environment.update(variables)
    return environment


def _harness(module: GoModule, *arguments: str, **variables: str) -> Any:
    result = subprocess.run(
        [str(module.harness), *arguments],
        check=False,
        env=_clean_environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"harness {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else None


def _signed_environment(deployment: StandinDeployment) -> dict[str, str]:
    return {
        "TASKCLUSTER_ROOT_URL": deployment.root_url,
        "TASKCLUSTER_CLIENT_ID": "tester",
        "TASKCLUSTER_ACCESS_TOKEN": "no-secret",
    }


def _calls_to(deployment: StandinDeployment, target: tuple[Service, Method]) -> list[Any]:
    service, method = target
    return [r for r in deployment.requests if r.service == service.name and r.method == method.name]


# -- every bundle ---------------------------------------------------------------


def test_gofmt_clean(go_module: GoModule) -> None:
    generated = sorted(
        path.name for path in go_module.root.iterdir() if path.is_dir() and path.name != "harness" or path.suffix == ".go"
    )
    result = _run([_go_tool("gofmt"), "-l", *generated], go_module.root)
    assert result.stdout == "", f"files gofmt would change:\n{result.stdout}"


def test_go_mod_has_major_suffix(go_module: GoModule) -> None:
    text = (go_module.root / "go.mod").read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"module {PackageOptions().go_module}/v2"
    assert "\ngo 1.21\n" in text


def test_probes_reach_standin(
    go_module: GoModule, standin: Callable[..., StandinDeployment], client_source: Path
) -> None:
    deployment = standin(client_source)
    _harness(go_module, "probes", **_signed_environment(deployment))
    probes = probe_calls(go_module.model)
    assert len(probes) == len([service for service in go_module.model.services if service.methods])
    assert_probes_received(deployment.requests, probes)
    assert all(request.client_id == "tester" for request in deployment.requests)


# -- the latest bundle ------------------------------------------------------------


def test_runtime_unit_tests(latest_module: GoModule) -> None:
    result = _run([_go_tool("go"), "test", "-count=1", "./tcclient/"], latest_module.root)
    assert "ok" in result.stdout


def test_exchange_routing_key_pattern(latest_module: GoModule) -> None:
    binding = _harness(latest_module, "events")
    service, exchange = latest_module.events_target
    words = []
    given = False
    for part in exchange.routing_key:
        if part.constant is not None:
            words.append(part.constant)
        elif not given:
            words.append("given-value")
            given = True
        else:
            words.append("#" if part.multiple_words else "*")
    assert binding["Exchange"] == service.exchange_prefix + exchange.exchange
    assert binding["RoutingKeyPattern"] == ".".join(words)
    assert binding["SchemaID"] == exchange.schema


def test_from_env_signs_requests(latest_module: GoModule, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    result = _harness(latest_module, "call", "0", **_signed_environment(deployment))
    assert result["ok"], result
    [request] = _calls_to(deployment, latest_module.call_target)
    assert request.authenticated
    assert request.client_id == "tester"


def test_unauthenticated_without_credentials(
    latest_module: GoModule, standin: Callable[..., StandinDeployment]
) -> None:
    deployment = standin(LATEST)
    result = _harness(latest_module, "call", "0", TASKCLUSTER_ROOT_URL=deployment.root_url)
    assert result["ok"], result
    [request] = _calls_to(deployment, latest_module.call_target)
    assert not request.authenticated


def test_from_env_proxy_sends_unsigned(latest_module: GoModule, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    environment = _signed_environment(deployment)
    # The root URL must not be used when a proxy URL is set; port 9 on loopback is never reached.
    environment["TASKCLUSTER_ROOT_URL"] = "http://127.0.0.1:9"
    environment["TASKCLUSTER_PROXY_URL"] = deployment.root_url
    result = _harness(latest_module, "call", "0", **environment)
    assert result["ok"], result
    [request] = _calls_to(deployment, latest_module.call_target)
    service, _ = latest_module.call_target
    assert request.raw_path.startswith(f"/api/{service.name}/{service.api_version}/")
    assert not request.authenticated


def test_temporary_credentials_and_authorized_scopes(
    latest_module: GoModule, standin: Callable[..., StandinDeployment]
) -> None:
    deployment = standin(LATEST)
    now_ms = int(time.time() * 1000)
    certificate: dict[str, Any] = {
        "version": 1,
        "scopes": ["queue:*"],
        "start": now_ms - 60_000,
        "expiry": now_ms + 3_600_000,
        "seed": "temporary-seed-for-the-go-client-test",
    }
    certificate["signature"] = certificate_signature("no-secret", certificate, "tester")
    environment = {
        "TASKCLUSTER_ROOT_URL": deployment.root_url,
        "TASKCLUSTER_CLIENT_ID": "tester",
        "TASKCLUSTER_ACCESS_TOKEN": temporary_access_token("no-secret", certificate["seed"]),
        "TASKCLUSTER_CERTIFICATE": json.dumps(certificate),
    }
    result = _harness(latest_module, "call", "0", "queue:status", **environment)
    assert result["ok"], result
    [request] = _calls_to(deployment, latest_module.call_target)
    assert request.authenticated, "temporary credentials were rejected"
    assert request.ext == {"certificate": certificate, "authorizedScopes": ["queue:status"]}


def test_wrong_access_token_gives_401(latest_module: GoModule, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    environment = {**_signed_environment(deployment), "TASKCLUSTER_ACCESS_TOKEN": "wrong"}
    result = _harness(latest_module, "call", "3", **environment)
    assert not result["ok"]
    assert result["status"] == 401, result
    assert len(_calls_to(deployment, latest_module.call_target)) == 1, "a 4xx response must not be retried"


def test_retry_on_500(latest_module: GoModule, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    deployment.fail_next(2, 500)
    result = _harness(latest_module, "call", "3", **_signed_environment(deployment))
    assert result["ok"], result
    assert len(_calls_to(deployment, latest_module.call_target)) == 3


def test_retries_give_up_with_status(latest_module: GoModule, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    deployment.fail_next(5, 503)
    result = _harness(latest_module, "call", "2", **_signed_environment(deployment))
    assert not result["ok"]
    assert result["status"] == 503
    assert "failure requested with fail_next" in result["message"]
    assert len(_calls_to(deployment, latest_module.call_target)) == 3


def test_no_retry_on_404(latest_module: GoModule, standin: Callable[..., StandinDeployment]) -> None:
    deployment = standin(LATEST)
    deployment.fail_next(1, 404)
    result = _harness(latest_module, "call", "3", **_signed_environment(deployment))
    assert not result["ok"]
    assert result["status"] == 404
    assert len(_calls_to(deployment, latest_module.call_target)) == 1


# -- the emitter itself -------------------------------------------------------------


def test_emit_fast_and_deterministic(load_bundle_model: Callable[[Path | str], Model]) -> None:
    model = load_bundle_model(LATEST)
    first = TARGET.emit(model, PackageOptions())
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        second = TARGET.emit(model, PackageOptions())
        timings.append(time.perf_counter() - started)
    assert first == second
    assert min(timings) < EMIT_SECONDS_LIMIT, f"emit took {min(timings):.3f} s"


def test_generated_files_have_header(load_bundle_model: Callable[[Path | str], Model]) -> None:
    files = TARGET.emit(load_bundle_model(LATEST), PackageOptions(deployment="staging"))
    go_files = [path for path in files if path.endswith(".go")]
    assert "queue/client.go" in go_files
    assert "tcclient/hawk.go" in go_files
    for path in go_files:
        first_line = files[path].splitlines()[0]
        assert first_line.startswith("// Code generated by tcgen"), path
        assert first_line.endswith(" DO NOT EDIT."), path


def test_public_names(load_bundle_model: Callable[[Path | str], Model]) -> None:
    model = load_bundle_model(LATEST)
    queue = model.service("queue")
    create_task = next(method for method in queue.methods if method.name == "createTask")
    task_defined = next(exchange for exchange in queue.exchanges if exchange.name == "taskDefined")
    naming = TARGET.naming
    assert naming.client_class(queue) == "queue.Queue"
    assert naming.events_class(queue) == "queue.Events"
    assert naming.client_class(model.service("purge-cache")) == "purgecache.PurgeCache"
    assert naming.method(queue, create_task) == "CreateTask"
    assert naming.exchange(queue, task_defined) == "TaskDefined"
    assert naming.argument("taskId") == "taskId"
    assert naming.argument("type") == "typeParam"
    assert naming.argument("ctx") == "ctxParam"
    assert naming.query("continuationToken") == "ContinuationToken"


def test_package_name_clashes_get_prefix(load_bundle_model: Callable[[Path | str], Model]) -> None:
    service = load_bundle_model(LATEST).service("queue")
    for name, expected in (("go", "tcgo"), ("string", "tcstring"), ("tc-client", "tctcclient"), ("web-server", "webserver")):
        assert TARGET.naming.client_class(dataclasses.replace(service, name=name)).split(".")[0] == expected
