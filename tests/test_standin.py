"""Tests of the stand-in deployment: documents, routes, Hawk, bewits, forced failures, probes.

Requests are signed by a small Hawk signer written here, independent of the server's code.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import http.client
import json
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from probes import (
    ProbeCall,
    assert_probes_received,
    encode_uri_component,
    probe_calls,
)

from generator import standin as server
from generator.pipeline import load_model
from generator.standin import StandinDeployment

CLIENT_ID = "tester"
ACCESS_TOKEN = "no-secret"
PING_PATH = "/api/queue/v1/ping"
CREATE_TASK_PATH = "/api/queue/v1/task/"


# -- a Hawk signer written for the tests ----------------------------------------


def sign_mac(key: str, kind: str, ts: int, nonce: str, verb: str, resource: str,
             host: str, port: int, body_hash: str = "", ext: str = "") -> str:
    lines = [f"hawk.1.{kind}", str(ts), nonce, verb, resource, host, str(port), body_hash, ext]
    text = "\n".join(lines) + "\n"
    return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()).decode()


def body_hash_of(content_type: str, body: bytes) -> str:
    text = b"hawk.1.payload\n" + content_type.encode() + b"\n" + body + b"\n"
    return base64.b64encode(hashlib.sha256(text).digest()).decode()


def encode_ext(value: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def hawk_header(key: str, client_id: str, verb: str, target: str, port: int, *,
                body: bytes | None = None, ext: str = "", ts: int | None = None,
                host: str = "127.0.0.1") -> str:
    ts = int(time.time()) if ts is None else ts
    body_hash = body_hash_of("application/json", body) if body is not None else ""
    mac = sign_mac(key, "header", ts, "n0nce", verb, target, host, port, body_hash, ext)
    fields = [f'id="{client_id}"', f'ts="{ts}"', 'nonce="n0nce"']
    if body_hash:
        fields.append(f'hash="{body_hash}"')
    if ext:
        fields.append(f'ext="{ext}"')
    fields.append(f'mac="{mac}"')
    return "Hawk " + ", ".join(fields)


def make_bewit(key: str, client_id: str, target: str, port: int, expiry: int, ext: str = "") -> str:
    mac = sign_mac(key, "bewit", expiry, "", "GET", target, "127.0.0.1", port, "", ext)
    raw = f"{client_id}\\{expiry}\\{mac}\\{ext}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def temporary_credentials(issuer_token: str, scopes: list[str]) -> tuple[dict[str, Any], str]:
    """Return an unnamed certificate and the temporary access token derived from it."""
    now_ms = int(time.time() * 1000)
    certificate: dict[str, Any] = {
        "version": 1, "scopes": scopes, "start": now_ms - 1000, "expiry": now_ms + 3_600_000,
        "seed": "seed-for-tests-0123456789abcdefghijklmnopqrstuvwxyz",
    }
    signed = "\n".join([
        "version:1", f"seed:{certificate['seed']}", f"start:{certificate['start']}",
        f"expiry:{certificate['expiry']}", "scopes:", *scopes,
    ])
    signature = hmac.new(issuer_token.encode(), signed.encode(), hashlib.sha256).digest()
    certificate["signature"] = base64.b64encode(signature).decode()
    derived = hmac.new(issuer_token.encode(), certificate["seed"].encode(), hashlib.sha256).digest()
    token = base64.urlsafe_b64encode(derived).decode().rstrip("=")
    return certificate, token


def send(deployment: StandinDeployment, verb: str, target: str, *, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """Send one request exactly as given (no re-encoding); return status and parsed JSON."""
    port = urllib.parse.urlsplit(deployment.root_url).port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        all_headers = {"Content-Type": "application/json"} if body is not None else {}
        all_headers.update(headers or {})
        connection.request(verb, target, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def port_of(deployment: StandinDeployment) -> int:
    port = urllib.parse.urlsplit(deployment.root_url).port
    assert port is not None
    return port


@pytest.fixture
def deployment(standin: Any, bundle_paths: list[Path]) -> StandinDeployment:
    """A stand-in for the newest bundle."""
    started: StandinDeployment = standin(bundle_paths[-1])
    return started


# -- Hawk vectors -----------------------------------------------------------------


def test_hawk_published_vector() -> None:
    # The header example of the Hawk specification's README (hapijs/hawk), SHA-256.
    key = "werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn"
    normalized = server.normalized_string(
        "header", "1353832234", "j4h3g2", "get", "/resource/1?b=1&a=2", "example.com", 8000, "",
        "some-app-ext-data",
    )
    assert server.hawk_mac(key, normalized) == "6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE="


def test_hawk_published_payload_vector() -> None:
    key = "werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn"
    body_hash = server.payload_hash("text/plain", b"Thank you for flying Hawk")
    assert body_hash == "Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY="
    normalized = server.normalized_string(
        "header", "1353832234", "j4h3g2", "POST", "/resource/1?b=1&a=2", "example.com", 8000, body_hash,
        "some-app-ext-data",
    )
    assert server.hawk_mac(key, normalized) == "aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw="


def test_hawk_server_matches_test_signer() -> None:
    normalized = server.normalized_string("header", "1700000000", "abc", "put", "/a/b?c=d", "Host.Example",
                                          443, "h", "ext")
    expected = sign_mac("token", "header", 1700000000, "abc", "PUT", "/a/b?c=d", "host.example", 443, "h", "ext")
    assert server.hawk_mac("token", normalized) == expected


def test_hawk_ext_escaping() -> None:
    normalized = server.normalized_string("header", "1", "n", "GET", "/", "h", 80, "", "a\\b\nc")
    assert normalized.endswith("\na\\\\b\\nc\n")


def test_payload_hash_ignores_content_type_parameters() -> None:
    assert server.payload_hash("Application/JSON; charset=utf-8", b"{}") == body_hash_of("application/json", b"{}")


# -- documents ----------------------------------------------------------------------


def test_documents_served_with_root_url(deployment: StandinDeployment) -> None:
    root = deployment.root_url
    status, manifest = send(deployment, "GET", "/references/manifest.json")
    assert status == 200
    assert manifest["$schema"].startswith(root + "/schemas/")
    assert manifest["references"], "the manifest lists no references"
    assert all(uri.startswith(root + "/references/") for uri in manifest["references"])

    status, api = send(deployment, "GET", "/references/queue/v1/api.json")
    assert status == 200
    assert api["$schema"] == root + "/schemas/common/api-reference-v0.json#"

    status, schema = send(deployment, "GET", "/schemas/queue/v1/create-task-request.json")
    assert status == 200
    assert schema["$id"] == root + "/schemas/queue/v1/create-task-request.json#"


def test_missing_document_is_404(deployment: StandinDeployment) -> None:
    status, answer = send(deployment, "GET", "/schemas/queue/v1/no-such-schema.json")
    assert status == 404
    assert answer["code"] == "ResourceNotFound"


@pytest.mark.parametrize("version", ["106.0.0", "30.0.0"])
def test_model_from_url_equals_bundle(standin: Any, bundle_paths: list[Path], version: str) -> None:
    path = next(path for path in bundle_paths if path.name == f"references-{version}.json")
    deployment = standin(path)
    from_url = load_model(deployment.root_url, timeout=30)
    from_bundle = load_model(str(path))
    assert from_url.root_url == deployment.root_url
    assert dataclasses.replace(from_url, root_url="") == from_bundle


# -- routes -------------------------------------------------------------------------


def test_unauthenticated_call_answered(deployment: StandinDeployment) -> None:
    status, answer = send(deployment, "GET", PING_PATH)
    assert status == 200
    assert answer["service"] == "queue"
    assert answer["method"] == "ping"
    assert answer["clientId"] is None
    recorded = deployment.requests[-1]
    assert recorded.authenticated is False
    assert recorded.method == "ping"


def test_args_decoded_and_path_kept_raw(deployment: StandinDeployment) -> None:
    target = "/api/queue/v1/task/" + encode_uri_component("a/b c ü") + "?x=1&x=2&y="
    status, answer = send(deployment, "GET", target)
    assert status == 200
    assert answer["method"] == "task"
    assert answer["args"] == {"taskId": "a/b c ü"}
    assert answer["path"] == "/api/queue/v1/task/a%2Fb%20c%20%C3%BC"
    assert answer["query"] == {"x": ["1", "2"], "y": [""]}


def test_unknown_route_is_404(deployment: StandinDeployment) -> None:
    status, answer = send(deployment, "GET", "/api/queue/v1/no/such/route")
    assert status == 404
    assert answer["code"] == "ResourceNotFound"
    status, answer = send(deployment, "GET", "/api/no-such-service/v1/ping")
    assert status == 404


def test_wrong_verb_is_404(deployment: StandinDeployment) -> None:
    status, answer = send(deployment, "DELETE", PING_PATH)
    assert status == 404
    assert answer["code"] == "ResourceNotFound"


def test_arg_matches_one_segment_only(deployment: StandinDeployment) -> None:
    status, _ = send(deployment, "GET", "/api/queue/v1/task/a/b")
    assert status == 404


def test_invalid_json_body_is_400(deployment: StandinDeployment) -> None:
    status, answer = send(deployment, "PUT", CREATE_TASK_PATH + "abc", body=b"{not json")
    assert status == 400
    assert answer["code"] == "MalformedPayload"


def test_body_echoed(deployment: StandinDeployment) -> None:
    status, answer = send(deployment, "PUT", CREATE_TASK_PATH + "abc", body=b'{"a": [1, 2]}')
    assert status == 200
    assert answer["method"] == "createTask"
    assert answer["body"] == {"a": [1, 2]}
    assert deployment.requests[-1].body == {"a": [1, 2]}


def test_fail_next(deployment: StandinDeployment) -> None:
    deployment.fail_next(2, 503)
    statuses = [send(deployment, "GET", PING_PATH)[0] for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [request.status for request in deployment.requests] == [503, 503, 200]
    assert all(request.method == "ping" for request in deployment.requests)


# -- Hawk over HTTP -----------------------------------------------------------------


def test_hawk_header_accepted(deployment: StandinDeployment) -> None:
    ext = encode_ext({"authorizedScopes": ["queue:get-task:*"]})
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "GET", PING_PATH + "?a=1", port_of(deployment), ext=ext)
    status, answer = send(deployment, "GET", PING_PATH + "?a=1", headers={"Authorization": header})
    assert status == 200, answer
    assert answer["clientId"] == CLIENT_ID
    recorded = deployment.requests[-1]
    assert recorded.authenticated is True
    assert recorded.client_id == CLIENT_ID
    assert recorded.ext == {"authorizedScopes": ["queue:get-task:*"]}


def test_hawk_payload_hash_accepted(deployment: StandinDeployment) -> None:
    target, body = CREATE_TASK_PATH + "abc", b'{"x": 1}'
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "PUT", target, port_of(deployment), body=body)
    status, answer = send(deployment, "PUT", target, body=body, headers={"Authorization": header})
    assert status == 200, answer
    assert deployment.requests[-1].authenticated is True


def test_hawk_tampered_mac_rejected(deployment: StandinDeployment) -> None:
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "GET", PING_PATH, port_of(deployment))
    tampered = header.replace('mac="', 'mac="A')
    status, answer = send(deployment, "GET", PING_PATH, headers={"Authorization": tampered})
    assert status == 401
    assert answer["code"] == "AuthenticationFailed"
    assert deployment.requests[-1].authenticated is False


def test_hawk_signed_other_path_rejected(deployment: StandinDeployment) -> None:
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "GET", PING_PATH + "?a=1", port_of(deployment))
    status, _ = send(deployment, "GET", PING_PATH + "?a=2", headers={"Authorization": header})
    assert status == 401


def test_hawk_tampered_payload_rejected(deployment: StandinDeployment) -> None:
    target = CREATE_TASK_PATH + "abc"
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "PUT", target, port_of(deployment), body=b'{"x": 1}')
    status, answer = send(deployment, "PUT", target, body=b'{"x": 2}', headers={"Authorization": header})
    assert status == 401
    assert answer["code"] == "AuthenticationFailed"


def test_hawk_wrong_token_rejected(deployment: StandinDeployment) -> None:
    header = hawk_header("other-secret", CLIENT_ID, "GET", PING_PATH, port_of(deployment))
    status, _ = send(deployment, "GET", PING_PATH, headers={"Authorization": header})
    assert status == 401


def test_hawk_unknown_client_rejected(deployment: StandinDeployment) -> None:
    header = hawk_header(ACCESS_TOKEN, "stranger", "GET", PING_PATH, port_of(deployment))
    status, answer = send(deployment, "GET", PING_PATH, headers={"Authorization": header})
    assert status == 401
    assert "stranger" in answer["message"]


def test_hawk_clock_skew_rejected(deployment: StandinDeployment) -> None:
    old = int(time.time()) - 16 * 60
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "GET", PING_PATH, port_of(deployment), ts=old)
    status, _ = send(deployment, "GET", PING_PATH, headers={"Authorization": header})
    assert status == 401
    recent = int(time.time()) - 14 * 60
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "GET", PING_PATH, port_of(deployment), ts=recent)
    status, _ = send(deployment, "GET", PING_PATH, headers={"Authorization": header})
    assert status == 200


def test_hawk_host_header_without_port(deployment: StandinDeployment) -> None:
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "GET", PING_PATH, 80, host="proxy.example")
    headers = {"Authorization": header, "Host": "proxy.example"}
    status, answer = send(deployment, "GET", PING_PATH, headers=headers)
    assert status == 200, answer


def test_temporary_credentials_accepted(deployment: StandinDeployment) -> None:
    certificate, token = temporary_credentials(ACCESS_TOKEN, ["queue:ping"])
    ext = encode_ext({"certificate": certificate})
    header = hawk_header(token, CLIENT_ID, "GET", PING_PATH, port_of(deployment), ext=ext)
    status, answer = send(deployment, "GET", PING_PATH, headers={"Authorization": header})
    assert status == 200, answer
    assert deployment.requests[-1].ext == {"certificate": certificate}


def test_temporary_credentials_as_json_text_accepted(deployment: StandinDeployment) -> None:
    certificate, token = temporary_credentials(ACCESS_TOKEN, [])
    ext = encode_ext({"certificate": json.dumps(certificate)})
    header = hawk_header(token, CLIENT_ID, "GET", PING_PATH, port_of(deployment), ext=ext)
    status, answer = send(deployment, "GET", PING_PATH, headers={"Authorization": header})
    assert status == 200, answer


def test_temporary_credentials_bad_signature_rejected(deployment: StandinDeployment) -> None:
    certificate, token = temporary_credentials(ACCESS_TOKEN, ["queue:ping"])
    certificate["scopes"] = ["*"]
    ext = encode_ext({"certificate": certificate})
    header = hawk_header(token, CLIENT_ID, "GET", PING_PATH, port_of(deployment), ext=ext)
    status, answer = send(deployment, "GET", PING_PATH, headers={"Authorization": header})
    assert status == 401
    assert "certificate" in answer["message"]


def test_temporary_credentials_permanent_token_rejected(deployment: StandinDeployment) -> None:
    certificate, _ = temporary_credentials(ACCESS_TOKEN, [])
    ext = encode_ext({"certificate": certificate})
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, "GET", PING_PATH, port_of(deployment), ext=ext)
    status, _ = send(deployment, "GET", PING_PATH, headers={"Authorization": header})
    assert status == 401


# -- bewits -------------------------------------------------------------------------


def test_bewit_accepted(deployment: StandinDeployment) -> None:
    target = "/api/queue/v1/task/abc?x=1"
    bewit = make_bewit(ACCESS_TOKEN, CLIENT_ID, target, port_of(deployment), int(time.time()) + 600)
    status, answer = send(deployment, "GET", f"{target}&bewit={bewit}")
    assert status == 200, answer
    recorded = deployment.requests[-1]
    assert recorded.authenticated is True
    assert recorded.client_id == CLIENT_ID
    assert recorded.query["x"] == ["1"]


def test_bewit_first_parameter_accepted(deployment: StandinDeployment) -> None:
    target = "/api/queue/v1/task/abc"
    bewit = make_bewit(ACCESS_TOKEN, CLIENT_ID, target + "?x=1", port_of(deployment), int(time.time()) + 600)
    status, answer = send(deployment, "GET", f"{target}?bewit={bewit}&x=1")
    assert status == 200, answer


def test_bewit_tampered_rejected(deployment: StandinDeployment) -> None:
    target = "/api/queue/v1/task/abc"
    bewit = make_bewit(ACCESS_TOKEN, CLIENT_ID, target, port_of(deployment), int(time.time()) + 600)
    status, answer = send(deployment, "GET", f"/api/queue/v1/task/abd?bewit={bewit}")
    assert status == 401
    assert answer["code"] == "AuthenticationFailed"


def test_bewit_expired_rejected(deployment: StandinDeployment) -> None:
    target = "/api/queue/v1/task/abc"
    bewit = make_bewit(ACCESS_TOKEN, CLIENT_ID, target, port_of(deployment), int(time.time()) - 10)
    status, answer = send(deployment, "GET", f"{target}?bewit={bewit}")
    assert status == 401
    assert "expired" in answer["message"]


# -- probes -------------------------------------------------------------------------


def test_encode_uri_component_rule() -> None:
    assert encode_uri_component("x/y z") == "x%2Fy%20z"
    assert encode_uri_component("ü") == "%C3%BC"
    assert encode_uri_component("A-z_0.9!~*'()") == "A-z_0.9!~*'()"
    assert encode_uri_component("+@:$&=,;?#%") == "%2B%40%3A%24%26%3D%2C%3B%3F%23%25"


def test_probe_calls_cover_every_service(load_bundle_model: Any, bundle_path: Path) -> None:
    model = load_bundle_model(bundle_path)
    probes = probe_calls(model)
    assert [probe.service for probe in probes] == [service.name for service in model.services if service.methods]
    assert probes == probe_calls(model)
    assert any(probe.args for probe in probes), "no probe has a path argument"
    assert any(probe.query for probe in probes), "no probe has a query parameter"
    assert any(probe.body is not None for probe in probes), "no probe has a body"


def send_probe(deployment: StandinDeployment, probe: ProbeCall, path: str | None = None) -> int:
    target = path or probe.expected_path
    if probe.query:
        target += "?" + urllib.parse.urlencode(probe.query)
    body = json.dumps(probe.body).encode() if probe.body is not None else None
    header = hawk_header(ACCESS_TOKEN, CLIENT_ID, probe.verb, target, port_of(deployment), body=body)
    status, _ = send(deployment, probe.verb, target, body=body, headers={"Authorization": header})
    return status


def test_probes_round_trip(standin: Any, bundle_path: Path, load_bundle_model: Any) -> None:
    deployment = standin(bundle_path)
    probes = probe_calls(load_bundle_model(bundle_path))
    for probe in probes:
        assert send_probe(deployment, probe) == 200, probe.label
    assert_probes_received(deployment.requests, probes)
    with pytest.raises(AssertionError, match="authenticated"):
        assert_probes_received(deployment.requests, probes, authenticated=False)


def test_probe_assertion_catches_wrong_encoding(deployment: StandinDeployment) -> None:
    probe = next(probe for probe in probe_calls(deployment.model) if probe.args)
    wrongly_encoded = probe.expected_path.replace("%2B", "+")
    assert wrongly_encoded != probe.expected_path
    assert send_probe(deployment, probe, wrongly_encoded) == 200
    with pytest.raises(AssertionError, match="raw_path"):
        assert_probes_received(deployment.requests, [probe])


def test_probe_assertion_catches_missing_call(deployment: StandinDeployment) -> None:
    probe = probe_calls(deployment.model)[0]
    with pytest.raises(AssertionError, match="expected 1 recorded request, got 0"):
        assert_probes_received(deployment.requests, [probe])


# -- tcgen serve --------------------------------------------------------------------


def test_serve_forever_until_interrupt(bundle_paths: list[Path]) -> None:
    code = (
        "import sys; from generator.standin import serve_forever; "
        "serve_forever(sys.argv[1], 0, {'tester': 'no-secret'})"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(bundle_paths[-1])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        root_url = first_line.split(" at ", 1)[1].split(" ", 1)[0]
        assert root_url.startswith("http://127.0.0.1:"), first_line
        with urllib.request.urlopen(root_url + "/references/manifest.json", timeout=10) as response:
            manifest = json.loads(response.read())
        assert manifest["references"][0].startswith(root_url + "/references/")
        process.send_signal(signal.SIGINT)
        output, errors = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, errors
    assert "stopped" in output
