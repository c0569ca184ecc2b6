"""docker.plugins against a fake engine: the exact requests sent, the
privilege check before a pull, input refused before any request."""

from __future__ import annotations

import json

import httpx
import pytest

from aiodock.models import PluginPrivilege
from aiodock.plugins import PrivilegesNotAccepted
from tests.fakes import FakeEngine, client, no_requests

REMOTE = "127.0.0.1:5000/team/vol:1"
ASKED = [
    {"Name": "network", "Description": "permissions to access a network", "Value": ["host"]},
    {"Name": "capabilities", "Description": "", "Value": ["CAP_SYS_ADMIN", "CAP_CHOWN"]},
]
PLUGIN = {"Id": "a" * 64, "Name": "vol:latest", "Enabled": False, "PluginReference": REMOTE}
PROGRESS = b'{"status":"Pulling from 127.0.0.1:5000/team/vol","id":"1"}\n{"status":"Complete"}\n'


def engine() -> FakeEngine:
    return FakeEngine(
        {
            ("GET", "/v1.41/plugins/privileges"): httpx.Response(200, json=ASKED),
            ("POST", "/v1.41/plugins/pull"): httpx.Response(200, content=PROGRESS),
            ("GET", "/v1.41/plugins/vol:1/json"): httpx.Response(200, json=PLUGIN),
            ("POST", "/v1.41/plugins/vol:1/enable"): httpx.Response(200),
            ("POST", "/v1.41/plugins/vol:1/set"): httpx.Response(204),
            ("DELETE", "/v1.41/plugins/vol:1"): httpx.Response(200),
        }
    )


async def test_pull_sends_exactly_the_privileges_asked_for() -> None:
    fake = engine()
    async with fake.client() as docker:
        plugin = await docker.plugins.pull(REMOTE, name="vol:1", privileges="accept all")
    asked, pulled, inspected = fake.requests
    assert asked.url.params["remote"] == REMOTE and asked.headers["X-Registry-Auth"] == "e30="
    assert pulled.url.params["remote"] == REMOTE and pulled.url.params["name"] == "vol:1"
    assert pulled.headers["X-Registry-Auth"] == "e30="
    assert pulled.headers["Content-Type"] == "application/json"
    assert json.loads(fake.bodies[1]) == ASKED
    assert inspected.url.path == "/v1.41/plugins/vol:1/json"
    assert plugin.plugin_reference == REMOTE


async def test_privileges_given_as_a_list_grant_only_those() -> None:
    fake = engine()
    accepted = [
        PluginPrivilege(name="network", value=["host"]),
        {"Name": "capabilities", "Value": ["CAP_CHOWN", "CAP_SYS_ADMIN"]},
    ]
    async with fake.client() as docker:
        await docker.plugins.pull(REMOTE, name="vol:1", privileges=accepted)
        assert json.loads(fake.bodies[1]) == ASKED  # the engine's list, as it asked
        partial = [PluginPrivilege(name="capabilities", value=["CAP_CHOWN"])]
        with pytest.raises(PrivilegesNotAccepted) as refused:
            await docker.plugins.pull(REMOTE, name="vol:1", privileges=partial)
    err = refused.value
    assert [(p.name, p.value) for p in err.missing] == [
        ("network", ["host"]),
        ("capabilities", ["CAP_SYS_ADMIN"]),
    ]
    assert [p.name for p in err.required] == ["network", "capabilities"]
    assert "network: host; capabilities: CAP_SYS_ADMIN (it asks for" in str(err)
    # Only the privileges were asked the second time: nothing was pulled.
    assert [r.url.path for r in fake.requests[3:]] == ["/v1.41/plugins/privileges"]


async def test_nothing_is_pulled_without_accepting() -> None:
    fake = engine()
    async with fake.client() as docker:
        with pytest.raises(PrivilegesNotAccepted, match="network: host"):
            await docker.plugins.pull(REMOTE)
        fake.route(("GET", "/v1.41/plugins/privileges"), httpx.Response(200, json=[]))
        await docker.plugins.pull(REMOTE, name="vol:1")  # asks for none: no need to accept
    assert [r.url.path for r in fake.requests].count("/v1.41/plugins/pull") == 1
    assert json.loads(fake.bodies[2]) == []


async def test_enable_always_sends_a_timeout_and_set_sends_a_list() -> None:
    fake = engine()
    async with fake.client() as docker:
        await docker.plugins.enable("vol:1")
        await docker.plugins.enable("vol:1", timeout=2.5)
        await docker.plugins.set("vol:1", {"DEBUG": "1"})
        await docker.plugins.remove("vol:1", force=True)
    enable, enable_later, _set, remove = fake.requests
    assert enable.url.params["timeout"] == "0" and enable_later.url.params["timeout"] == "3"
    assert json.loads(fake.bodies[2]) == ["DEBUG=1"]
    assert remove.url.params["force"] == "1"


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda d: d.plugins.pull(REMOTE, privileges="all"), ValueError, "accept all"),
        (lambda d: d.plugins.pull(REMOTE, privileges=7), TypeError, "privileges must be"),
        (lambda d: d.plugins.pull(REMOTE, privileges=[7]), TypeError, "PluginPrivilege"),
        (lambda d: d.plugins.pull("no spaces, please"), ValueError, "remote"),
        (lambda d: d.plugins.pull(REMOTE, name=""), ValueError, "name"),
        (lambda d: d.plugins.upgrade("vol", 3), TypeError, "remote"),
        (lambda d: d.plugins.push(""), ValueError, "plugin"),
    ],
)
def test_bad_stream_input_is_refused_at_the_call(call: object, error: type, words: str) -> None:
    docker = client(no_requests)
    with pytest.raises(error, match=words):
        call(docker)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda d: d.plugins.set("vol", "DEBUG=1"), TypeError, "list"),
        (lambda d: d.plugins.set("vol", ["DEBUG"]), ValueError, "KEY=VALUE"),
        (lambda d: d.plugins.enable("vol", timeout=-1), ValueError, "timeout"),
        (lambda d: d.plugins.disable("vol", force=1), TypeError, "force"),
        (lambda d: d.plugins.remove(" vol"), ValueError, "spaces"),
        (lambda d: d.plugins.inspect(""), ValueError, "plugin"),
        (lambda d: d.plugins.create("vol", 7), TypeError, "plugin context"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    call: object, error: type, words: str
) -> None:
    docker = client(no_requests)  # not entered: even a /_ping would fail the test
    try:
        with pytest.raises(error, match=words):
            await call(docker)  # type: ignore[operator]
    finally:
        await docker.close()
