"""What Podman's Docker-compatible service lacks, refused clearly: the
tests of the feature itself are marked ``docker_only`` and run on the Docker
engines (docs/engines.md has the table)."""

from __future__ import annotations

import pytest

from aiodock import Docker, UnsupportedOperation

pytestmark = pytest.mark.podman_only("how aiodock refuses what Podman lacks")


async def test_no_plugin_api(docker: Docker) -> None:
    with pytest.raises(UnsupportedOperation, match="does not implement GET /plugins"):
        await docker.plugins.list()
    with pytest.raises(UnsupportedOperation, match="does not implement GET /plugins/"):
        await docker.plugins.inspect("127.0.0.1:5000/aiodock-test/vol:1")
