"""The image API: ``docker.images``.

Wire details (Engine API 1.41):

- ``POST /images/create?fromImage=<name>&tag=<tag or digest>&platform=``
  pulls, with ``X-Registry-Auth``; a missing tag or repository is ``404``
  before the stream starts, a registry refusing the credentials a ``500``
  whose message carries the registry's 401. The answer is JSON-lines
  progress.
- ``POST /images/create?fromSrc=-&repo=&tag=&message=&changes=...`` imports
  a root file system tar from the body; the last status line is the new
  image ID.
- ``POST /images/{name}/push?tag=`` needs ``X-Registry-Auth`` (``400``
  without it, even for an open registry: aiodock sends ``e30=``, ``{}``).
  Everything else, a missing local tag and the registry's 401 included,
  comes as an ``errorDetail`` line in the ``200`` stream; success ends with
  an ``aux`` line ``{"Tag", "Digest", "Size"}``.
- ``POST /build?t=&dockerfile=&buildargs=<json>&labels=<json>&cachefrom=<json>
  &extrahosts=<repeated host:ip>&...`` with a tar body (``application/x-tar``,
  maybe compressed) and ``X-Registry-Config`` (registry -> credentials);
  the stream's ``aux`` line ``{"ID": ...}`` names the built image; a failing
  step is an ``errorDetail`` line.
- ``GET /images/{name}/get`` (one) and ``GET /images/get?names=`` (several)
  stream a tar; ``POST /images/load?quiet=`` reads one (the engine's default
  is quiet, so aiodock always says) and answers ``{"stream": "Loaded image:
  ..."}`` lines.
- ``GET /images/json``, ``GET /images/{name}/json``, ``/history``,
  ``POST /images/{name}/tag?repo=&tag=`` (``201``), ``DELETE /images/{name}``,
  ``POST /images/prune``, ``GET /images/search``, ``POST /commit`` (JSON
  container config body, ``201 {"Id"}``), ``POST /build/prune``."""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

from .. import _check, _gate, _podman
from .._api import APIClient
from .._body import Source, body_from
from .._labels import matching, needs_client_side, split_label_filters
from .._operation import operation
from .._query import Filters, QueryValue, filters_param
from ..auth import (
    RegistryAuth,
    auth_header_for,
    encode_config_header,
)
from ..errors import (
    Conflict,
    DockerError,
    InvalidResponse,
    NotFound,
    ServerError,
    StreamError,
    UnsupportedOperation,
    _registry_error,
)
from ..models import ContainerConfig, ImageSummary
from ..models.images import (
    BuildEvent,
    BuildPruneReport,
    ImageDeleteItem,
    ImageHistoryItem,
    ImageInspect,
    ImagePruneReport,
    ImageSearchResult,
    ProgressEvent,
    PushResult,
)
from ..reference import (
    DOCKER_HUB,
    ImageReference,
    check_image_ref,
    parse_reference,
    pull_reference,
    push_reference,
    target_reference,
)
from ..streams import ByteStream
from ._build import (
    BuildStream,
    ContextSource,
    build_auth,
    build_tags,
    built_image_id,
    context_body,
    extra_hosts_param,
    json_list,
    json_map,
)
from ._streams import (
    ImportStream,
    ProgressStream,
    PullStream,
    PushStream,
    naming,
    open_with,
    same_error,
)

_URL = re.compile(r"^https?://[^/\s]+")
_PLATFORM = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+){0,2}$")


_IMAGE_ID = re.compile(r"^sha256:[0-9a-f]{64}$")


_PUSH_DIGEST = re.compile(r"^(?P<tag>\S+): digest: (?P<digest>\S+:[0-9a-f]+) size: (?P<size>\d+)$")


_LOADED = ("Loaded image ID: ", "Loaded image: ")


class HasID(Protocol):
    """Anything with an ``id``: an image model, a container handle."""

    @property
    def id(self) -> str | None: ...


ImageRef = str | HasID
"""An image's ID or reference, or an image model (its ``id`` is used)."""

ContainerRef = str | HasID
"""A container's ID or name, or a container handle (its ``id`` is used)."""


class ImageCollection:
    """``docker.images``: pull, push, build, tag, save, load, import, remove.

    Example:
        >>> image = await docker.images.pull("127.0.0.1:5000/team/app:1")  # doctest: +SKIP
        >>> await docker.images.tag(  # doctest: +SKIP
        ...     image, "127.0.0.1:5000/team/app", tag="stable")
        '127.0.0.1:5000/team/app:stable'
        >>> result = await docker.images.push("127.0.0.1:5000/team/app:stable")  # doctest: +SKIP
        >>> result.digest  # doctest: +SKIP
        'sha256:cff6e6e9...'
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    # -- registries -------------------------------------------------------

    @operation("ImageCreate")
    def pull(
        self,
        ref: str,
        *,
        tag: str | None = None,
        platform: str | None = None,
        auth: RegistryAuth | None = None,
        all_tags: bool = False,
    ) -> PullStream:
        """``docker pull``: fetch an image from its registry.

        Args:
            ref: ``[registry/]repository[:tag][@digest]``; ``latest`` when it
                names neither a tag nor a digest (and ``tag`` is not given).
            tag: The tag (or a digest) when ``ref`` names neither.
            platform: ``"os/arch[/variant]"`` (``"linux/arm64"``) to pull that
                variant; ``None`` for the engine's own.
            auth: Credentials for the registry; ``None`` uses what the Docker
                config holds for it (see :class:`~aiodock.auth.CredentialStore`),
                else pulls anonymously.
            all_tags: Pull every tag of the repository (``docker pull
                --all-tags``); ``ref`` then names no tag or digest, and
                ``await`` gives the last tag pulled.

        Returns:
            A :class:`PullStream`: ``await`` it for the pulled image's
            :class:`~aiodock.models.ImageInspect`, ``async for`` it for
            :class:`~aiodock.models.ProgressEvent` s.

        Raises:
            ValueError: A malformed reference (at once, before any request),
                or a tag or digest with ``all_tags``.
            NotFound: No such tag or repository (it is named).
            Unauthorized: The registry refused the credentials.

        Example:
            >>> image = await docker.images.pull("127.0.0.1:5000/team/app:1")  # doctest: +SKIP
            >>> async for event in docker.images.pull("busybox"):  # doctest: +SKIP
            ...     print(event.status, event.id, event.progress_detail)
        """
        if _check.boolean("all_tags", all_tags):
            reference = _repository_only(ref, tag, "pull")
        else:
            reference = pull_reference(ref, tag)
        _check_platform(platform)
        _check_auth(auth)
        params: dict[str, QueryValue] = {
            "fromImage": reference.name,
            "tag": None if all_tags else reference.digest or reference.tag,
            "platform": platform,
        }

        async def prepare() -> tuple[dict[str, str], Any]:
            if all_tags and await self._api.is_podman():
                # Podman would pull the repository's "latest" tag alone
                raise UnsupportedOperation(
                    None,
                    f"Podman does not pull every tag at once (pull of {reference.name}"
                    " with all_tags=True): pull each tag",
                )
            header = await auth_header_for(reference.registry, auth, store=self._api.credentials)
            return {"X-Registry-Auth": header}, None

        async def finish(events: builtins.list[ProgressEvent]) -> ImageInspect:
            if all_tags:
                tags = [
                    e.id for e in events if e.id and (e.status or "").startswith("Pulling from")
                ]
                if not tags:
                    raise StreamError(200, f"the pull of {reference.name} reported no tag")
                return await self.inspect(f"{reference.name}:{tags[-1]}")
            return await self.inspect(str(reference))

        on_error = naming(reference, "pull")
        opener = open_with(self._api, "POST", "/images/create", params, prepare, on_error)
        return ProgressStream(self._api, opener, ProgressEvent, finish, on_error=on_error)

    @operation("ImagePush")
    def push(
        self,
        ref: str,
        *,
        tag: str | None = None,
        auth: RegistryAuth | None = None,
        platform: str | None = None,
        all_tags: bool = False,
    ) -> PushStream:
        """``docker push``: upload a local image to its registry.

        Pushes one tag: the one in ``ref``, else ``tag``, else ``latest``
        (every tag with ``all_tags``). The ``X-Registry-Auth`` header is
        always sent (anonymous: ``{}``).

        Args:
            ref: ``registry/repository[:tag]``, a local image's name.
            tag: The tag to push when ``ref`` has none.
            auth: Credentials for the registry; ``None`` looks them up in the
                Docker config, else sends ``{}``.
            platform: ``"os/arch[/variant]"``: push only that variant of a
                multi-platform image. Needs API 1.46.
            all_tags: Push every local tag of the repository (``docker push
                --all-tags``); ``ref`` then names no tag, and ``await``
                gives the last tag's result.

        Returns:
            A :class:`PushStream`: ``await`` it for the
            :class:`~aiodock.models.PushResult` (tag, digest, size), or
            ``async for`` its progress events.

        Raises:
            ValueError: A malformed reference, or a tag with ``all_tags``.
            StreamError: The tag does not exist locally (it is named; Podman
                answers NotFound).
            Unauthorized: The registry refused the credentials.
            APIVersionError: ``platform`` on an engine older than API 1.46.
            UnsupportedOperation: ``all_tags`` on Podman.

        Example:
            >>> result = await docker.images.push("127.0.0.1:5000/team/app:1")  # doctest: +SKIP
            >>> result.tag, result.digest[:7], result.size  # doctest: +SKIP
            ('1', 'sha256:', 527)
        """
        if _check.boolean("all_tags", all_tags):
            reference = _repository_only(ref, tag, "push")
        else:
            reference = push_reference(ref, tag)
        _check_auth(auth)
        path = f"/images/{_quoted(reference.name)}/push"
        params: dict[str, QueryValue] = {
            "tag": None if all_tags else reference.tag,
            "platform": None if platform is None else _platform_json("platform", platform),
        }

        async def prepare() -> tuple[dict[str, str], Any]:
            if all_tags and await self._api.is_podman():
                # Podman would push the repository's "latest" tag alone
                raise UnsupportedOperation(
                    None,
                    f"Podman does not push every tag at once (push of {reference.name}"
                    " with all_tags=True): push each tag",
                )
            header = await auth_header_for(reference.registry, auth, store=self._api.credentials)
            return {"X-Registry-Auth": header}, None

        async def finish(events: builtins.list[ProgressEvent]) -> PushResult:
            return _push_result(reference, events)

        on_error = naming(reference, "push")
        opener = open_with(self._api, "POST", path, params, prepare, on_error)
        return ProgressStream(self._api, opener, ProgressEvent, finish, on_error=on_error)

    @operation("ImageSearch")
    async def search(
        self,
        term: str,
        *,
        limit: int | None = None,
        filters: Filters | None = None,
        auth: RegistryAuth | None = None,
    ) -> builtins.list[ImageSearchResult]:
        """``docker search``: ask a registry's search (Docker Hub unless the
        term names a registry) for repositories.

        The engine itself queries the registry.

        Args:
            term: What to search for (``"busybox"``, ``"registry.example/app"``).
            limit: At most this many results, 1 to 100; ``None`` for the
                registry's default (25).
            filters: ``{"is-official": ["true"]}``, ``is-automated``, ``stars``
                (at least that many).
            auth: Credentials for the registry; ``None`` looks them up in the
                Docker config.

        Raises:
            ValueError: An empty term, or a ``limit`` outside 1..100.
            ServerError: The engine could not reach the registry (it says why).
        """
        if not isinstance(term, str) or not term.strip():
            raise ValueError(f"search term must be a non-empty string, not {term!r}")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100
        ):
            raise ValueError(f"limit must be an integer from 1 to 100, not {limit!r}")
        _check_auth(auth)
        params: dict[str, QueryValue] = {
            "term": term,
            "limit": limit,
            "filters": filters_param(filters),
        }
        headers: dict[str, str] = {}
        found = auth
        if found is None:
            found = await self._api.credentials.get(_search_registry(term))
        if found is not None:
            headers["X-Registry-Auth"] = found.header()
        try:
            return await self._api.get(
                builtins.list[ImageSearchResult],
                "/images/search",
                params=params,
                headers=headers,
            )
        except DockerError as exc:
            raise _registry_error(exc) from None

    # -- local images -----------------------------------------------------

    @operation("ImageList")
    async def list(
        self,
        *,
        all: bool = False,
        filters: Filters | None = None,
        digests: bool = False,
        shared_size: bool = False,
        manifests: bool = False,
        identity: bool = False,
    ) -> builtins.list[ImageSummary]:
        """``docker images``: the local images.

        Args:
            all: Include intermediate images.
            filters: ``reference`` (``"app:*"``), ``label`` (``"key"`` or
                ``"key=value"``), ``dangling`` (``"true"``), ``before`` /
                ``since`` (an image).
            digests: Fill ``repo_digests``.
            shared_size: Fill ``shared_size`` (the bytes an image shares with
                others). Needs API 1.42.
            manifests: Fill ``manifests`` (one summary per platform variant
                and attestation, on engines with the containerd image
                store). Needs API 1.47.
            identity: Add the trusted ``identity`` and origin of each
                manifest (implies ``manifests``). Needs API 1.54.

        Returns:
            One :class:`~aiodock.models.ImageSummary` per image (``.id``,
            ``.repo_tags``, ``.size``...).

        Raises:
            TypeError: A flag that is not a ``bool``.
            APIVersionError: ``shared_size``, ``manifests`` or ``identity``
                on an engine older than the version each needs.
        """
        _check.boolean("all", all)
        _check.boolean("digests", digests)
        params: dict[str, QueryValue] = {
            "all": all,
            "digests": digests,
            "filters": filters_param(filters),
            "shared-size": _check.boolean("shared_size", shared_size) or None,
            "manifests": _check.boolean("manifests", manifests) or None,
            "identity": _check.boolean("identity", identity) or None,
        }
        if digests and await self._api.is_podman():
            # Podman fills repo_digests always, and answers digests=1 with an
            # empty body (Podman 4.3)
            params["digests"] = None
        if needs_client_side(filters) and await self._api.is_podman():
            assert filters is not None
            sent, match = split_label_filters(filters)
            params["filters"] = filters_param(sent)
            images: builtins.list[ImageSummary] = await self._api.get(
                builtins.list[ImageSummary], "/images/json", params=params
            )
            images = matching(images, _image_labels, match)
        else:
            images = await self._api.get(builtins.list[ImageSummary], "/images/json", params=params)
        if self._api.podman:
            images = [_podman.image(image) for image in images]
        return images

    @operation("ImageInspect")
    async def inspect(
        self, ref: ImageRef, *, manifests: bool = False, platform: str | None = None
    ) -> ImageInspect:
        """``docker image inspect``: everything about one local image.

        Args:
            manifests: Fill ``manifests`` (its platform variants and
                attestations, on engines with the containerd image store).
                Needs API 1.48.
            platform: ``"os/arch[/variant]"``: inspect that variant of a
                multi-platform image. Needs API 1.49.

        Raises:
            NotFound: No such image (or no such variant).
            APIVersionError: ``manifests`` or ``platform`` on an engine
                older than the version each needs.
        """
        params: dict[str, QueryValue] = {
            "manifests": _check.boolean("manifests", manifests) or None,
            "platform": None if platform is None else _platform_json("platform", platform),
        }
        image: ImageInspect = await self._api.get(
            ImageInspect, f"/images/{_quoted(_image_name(ref))}/json", params=params
        )
        return _podman.image(image) if self._api.podman else image

    @operation("ImageHistory")
    async def history(
        self, ref: ImageRef, *, platform: str | None = None
    ) -> builtins.list[ImageHistoryItem]:
        """``docker history``: the layers of an image, newest first.

        Args:
            platform: ``"os/arch[/variant]"``: the history of that variant of
                a multi-platform image. Needs API 1.48.

        Raises:
            NotFound: No such image.
            APIVersionError: ``platform`` on an engine older than API 1.48.
        """
        path = f"/images/{_quoted(_image_name(ref))}/history"
        params: dict[str, QueryValue] = {
            "platform": None if platform is None else _platform_json("platform", platform)
        }
        layers: builtins.list[ImageHistoryItem] = await self._api.get(
            builtins.list[ImageHistoryItem], path, params=params
        )
        if self._api.podman:
            for layer in layers:
                layer.id = _podman.image_id(layer.id) if layer.id else layer.id
                layer.tags = [_podman.image_name(tag) for tag in layer.tags or []] or layer.tags
        return layers

    @operation("ImageTag")
    async def tag(self, ref: ImageRef, repo: str, *, tag: str | None = None) -> str:
        """``docker tag``: give a local image another name; return it.

        Args:
            repo: The new name, which may carry the tag (``"127.0.0.1:5000/app:1"``).
            tag: The tag when ``repo`` has none; ``None`` means ``latest``.

        Returns:
            The new name in full (``"127.0.0.1:5000/app:1"``).

        Raises:
            NotFound: No such image.
            ValueError: A malformed name or tag.
        """
        source = _image_name(ref)
        target = target_reference(repo, tag, what="tag")
        await self._api.request(
            "POST",
            f"/images/{_quoted(source)}/tag",
            params={"repo": target.name, "tag": target.tag},
        )
        return str(target)

    @operation("ImageDelete")
    async def remove(
        self,
        ref: ImageRef,
        *,
        force: bool = False,
        noprune: bool = False,
        platforms: str | Sequence[str] | None = None,
    ) -> builtins.list[ImageDeleteItem]:
        """``docker rmi``: remove a tag, and the image once no tag is left.

        Args:
            force: Remove an image with several tags, or one that stopped
                containers use.
            noprune: Keep its untagged parents.
            platforms: ``"os/arch[/variant]"`` or a list of them: remove
                only the content of those variants of a multi-platform
                image. Needs API 1.50.

        Returns:
            What was untagged and deleted, one item each.

        Raises:
            NotFound: No such image.
            Conflict: A container uses it (without ``force``), or it has
                several tags and ``ref`` is an id.
            APIVersionError: ``platforms`` on an engine older than API 1.50.
        """
        _check.boolean("force", force)
        _check.boolean("noprune", noprune)
        params: dict[str, QueryValue] = {
            "force": force,
            "noprune": noprune,
            "platforms": _platforms_json("platforms", platforms),
        }
        items: builtins.list[ImageDeleteItem] = await self._api.get(
            builtins.list[ImageDeleteItem],
            f"/images/{_quoted(_image_name(ref))}",
            method="DELETE",
            params=params,
            timeout=None,
        )
        return [_podman.deleted(item) for item in items] if self._api.podman else items

    @operation("ImagePrune")
    async def prune(self, *, filters: Filters | None = None) -> ImagePruneReport:
        """``docker image prune``: remove unused images.

        Args:
            filters: ``dangling`` (``"false"``: every unused image, not only
                untagged ones), ``until``, ``label`` / ``label!``; ``None``
                removes only dangling (untagged) images.

        Returns:
            The images deleted and the bytes reclaimed (``space_reclaimed``).
        """
        if needs_client_side(filters) and await self._api.is_podman():
            assert filters is not None
            return await self._prune_one_by_one(filters)
        params = {"filters": filters_param(filters)}
        report: ImagePruneReport = await self._api.get(
            ImagePruneReport, "/images/prune", method="POST", params=params, timeout=None
        )
        if self._api.podman:
            report.images_deleted = [_podman.deleted(item) for item in report.images_deleted]
        return report

    async def _prune_one_by_one(self, filters: Filters) -> ImagePruneReport:
        # Podman ORs several label filters: list what the prune would take,
        # match every label here, and remove only those, by id. An image a
        # container uses, or one with several tags, refuses (Conflict) and
        # stays, as the engine's own prune leaves images in use.
        unused: dict[str, Any] = dict(filters)
        dangling = (
            filters_param({"dangling": filters["dangling"]}) if "dangling" in filters else None
        )
        if dangling is None or dangling == filters_param({"dangling": "true"}):
            unused["dangling"] = "true"
        else:
            unused.pop("dangling")
        report = ImagePruneReport()
        for image in await self.list(filters=unused):
            if not image.id:
                continue
            try:
                removed = await self.remove(image.id)
            except (Conflict, NotFound):
                continue
            report.images_deleted.extend(removed)
            report.space_reclaimed += image.size or 0
        return report

    @operation("ImageCommit")
    async def commit(
        self,
        container: ContainerRef,
        *,
        repo: str | None = None,
        tag: str | None = None,
        message: str | None = None,
        author: str | None = None,
        changes: str | Sequence[str] | None = None,
        pause: bool = True,
        config: ContainerConfig | Mapping[str, Any] | None = None,
    ) -> str:
        """``docker commit``: make an image of a container's file system;
        return the new image's ID.

        Args:
            container: The container: its id, its name, or its handle.
            repo: The new image's name, which may carry the tag; ``None`` for
                an untagged image.
            tag: The tag (needs ``repo``).
            message: The commit message.
            author: The author (``"Name <email>"``).
            changes: Dockerfile instructions to apply (``'CMD ["sh"]'``,
                ``"LABEL a=b"``, ``ENV``, ``EXPOSE``, ``WORKDIR``...).
            pause: Pause the container while committing.
            config: A container configuration to merge into the image's.

        Returns:
            The new image's ID.

        Raises:
            NotFound: No such container.
            ValueError: ``tag`` without ``repo``, or a malformed name.
        """
        container_id = _container_name(container)
        target = target_reference(repo, tag, what="commit") if repo is not None else None
        if repo is None and tag is not None:
            raise ValueError("commit(tag=...) needs repo= as well")
        _check.boolean("pause", pause)
        body = _config_body(config)
        params: dict[str, QueryValue] = {
            "container": container_id,
            "repo": target.name if target else None,
            "tag": target.tag if target else None,
            "comment": _check.optional_text("message", message),
            "author": _check.optional_text("author", author),
            "pause": pause,
            "changes": _changes(changes),
        }
        response = await self._api.request(
            "POST", "/commit", params=params, json=body, timeout=None
        )
        image_id = response.json().get("Id") if response.content else None
        if not isinstance(image_id, str) or not image_id:
            raise InvalidResponse(response.status_code, "the engine did not say the new image's ID")
        return _podman.image_id(image_id) if self._api.podman else image_id

    # -- archives ---------------------------------------------------------

    @operation("ImageGet", "ImageGetAll")
    def save(
        self,
        refs: ImageRef | Sequence[ImageRef],
        *,
        platform: str | Sequence[str] | None = None,
    ) -> ByteStream:
        """``docker save``: stream a tar of one or several images (layers,
        configs, tags), for :meth:`load`.

        ``async for chunk in ...`` to consume it, or ``await
        docker.images.save(refs).to_file(path)`` to write it.

        Args:
            refs: One image, or a list of them (names, IDs or image models).
            platform: ``"os/arch[/variant]"``: save only that variant of a
                multi-platform image (API 1.48); a list of them saves several
                variants (API 1.52). ``None`` saves every variant.

        Returns:
            A :class:`~aiodock.streams.ByteStream` of the tar.

        Raises:
            NotFound: One of the images is missing (they are named).
            ValueError: An empty list.
            APIVersionError: ``platform`` on an engine older than API 1.48,
                several platforms on one older than 1.52.

        Example:
            >>> await docker.images.save(["app:1", "app:2"]).to_file("app.tar")  # doctest: +SKIP
            2105344
        """
        names = [_image_name(r) for r in _as_list(refs)]
        if not names:
            raise ValueError("save() needs at least one image")
        platforms = _platforms_json("platform", platform)
        params: dict[str, QueryValue] | None
        if len(names) == 1:
            path, params = f"/images/{_quoted(names[0])}/get", None
        else:
            path, params = "/images/get", {"names": names}
        if platforms is not None:
            params = {**(params or {}), "platform": platforms}

        def on_error(exc: DockerError) -> DockerError:
            if isinstance(exc, NotFound):
                return NotFound(exc.status, f"cannot save {', '.join(names)}: {exc.message}")
            return exc

        async def prepare() -> tuple[dict[str, str], Any]:
            return {}, None

        return ByteStream(self._api, open_with(self._api, "GET", path, params, prepare, on_error))

    @operation("ImageLoad")
    def load(
        self, source: Source, *, quiet: bool = False, platform: str | Sequence[str] | None = None
    ) -> ImportStream:
        """``docker load``: read images from a tar made by :meth:`save`.

        Args:
            source: The tar: a path, bytes, a binary file object or an async
                iterator of bytes (streamed, never read whole).
            quiet: Ask the engine for no progress output.
            platform: ``"os/arch[/variant]"``: load only that variant of a
                multi-platform archive (API 1.48); a list of them loads
                several (API 1.52). ``None`` loads every variant.

        Returns:
            A stream: ``await`` it for the names (or IDs, for untagged
            images) the engine loaded.

        Raises:
            StreamError: The engine could not read the tar.
            APIVersionError: ``platform`` on an engine older than API 1.48,
                several platforms on one older than 1.52.
        """
        _check.boolean("quiet", quiet)
        load_params: dict[str, QueryValue] = {
            "quiet": quiet,
            "platform": _platforms_json("platform", platform),
        }
        body = body_from(source, what="load source")

        async def prepare() -> tuple[dict[str, str], Any]:
            return {"Content-Type": "application/x-tar"}, body

        async def finish(events: builtins.list[ProgressEvent]) -> builtins.list[str]:
            loaded = [
                line[len(prefix) :].strip()
                for event in events
                for line in (event.stream or "").splitlines()
                for prefix in _LOADED
                if line.startswith(prefix)
            ]
            if not loaded:
                raise StreamError(200, "the engine reported no image loaded from the archive")
            if self._api.podman:
                loaded = [_podman.image_id(_podman.image_name(name)) for name in loaded]
            return loaded

        opener = open_with(self._api, "POST", "/images/load", load_params, prepare, same_error)
        return ProgressStream(self._api, opener, ProgressEvent, finish, on_error=same_error)

    @operation("ImageCreate")
    def import_image(
        self,
        source: Source,
        *,
        repo: str | None = None,
        tag: str | None = None,
        changes: str | Sequence[str] | None = None,
        message: str | None = None,
        platform: str | None = None,
    ) -> ImportStream:
        """``docker import``: make an image from a root file system tar.

        Args:
            source: The root file system tar: a path, bytes, a binary file
                object or an async iterator of bytes (streamed); or, as a
                string starting with ``http://`` or ``https://``, a URL the
                engine downloads it from (``docker import URL``; pass a
                :class:`~pathlib.Path` for a local file of such a name).
            repo: The image's name, which may carry the tag; ``None`` for an
                untagged image.
            tag: The tag (needs ``repo``).
            changes: Dockerfile instructions applied to it (``'CMD ["sh"]'``,
                ``"ENV A=1"``, ``"LABEL a=b"``...).
            message: The commit message of its history entry.
            platform: ``"os/arch[/variant]"`` it is for.

        Returns:
            A stream: ``await`` it for the new image's ID (in a list, like
            :meth:`load`).

        Raises:
            ValueError: ``tag`` without ``repo``, or a malformed name.

        Example:
            >>> [image_id] = await docker.images.import_image(  # doctest: +SKIP
            ...     "rootfs.tar", repo="mini", tag="1", changes=['CMD ["sh"]'])
        """
        target = target_reference(repo, tag, what="import_image") if repo is not None else None
        if repo is None and tag is not None:
            raise ValueError("import_image(tag=...) needs repo= as well")
        _check_platform(platform)
        url = source if isinstance(source, str) and _URL.match(source) else None
        params: dict[str, QueryValue] = {
            "fromSrc": url if url is not None else "-",
            # The reference whole: Podman ignores a separate ``tag``.
            "repo": str(target) if target else None,
            "message": _check.optional_text("message", message),
            "changes": _changes(changes),
            "platform": platform,
        }
        body = None if url is not None else body_from(source, what="import_image source")

        async def prepare() -> tuple[dict[str, str], Any]:
            if body is None:
                return {}, None
            return {"Content-Type": "application/x-tar"}, body

        async def finish(events: builtins.list[ProgressEvent]) -> builtins.list[str]:
            ids = [e.status for e in events if e.status and _IMAGE_ID.match(e.status)]
            if not ids:
                raise StreamError(200, "the import ended without reporting an image ID")
            return [_podman.image_id(i) for i in ids] if self._api.podman else ids

        opener = open_with(self._api, "POST", "/images/create", params, prepare, same_error)
        return ProgressStream(self._api, opener, ProgressEvent, finish, on_error=same_error)

    # -- building ---------------------------------------------------------

    @operation("ImageBuild")
    def build(
        self,
        context: ContextSource,
        *,
        tag: str | Sequence[str] | None = None,
        dockerfile: str = "Dockerfile",
        buildargs: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        target: str | None = None,
        nocache: bool = False,
        pull: bool = False,
        rm: bool = True,
        forcerm: bool = False,
        network_mode: str | None = None,
        platform: str | None = None,
        cache_from: Sequence[str] | None = None,
        extra_hosts: Mapping[str, str] | Sequence[str] | None = None,
        shm_size: int | None = None,
        auth: RegistryAuth | Mapping[str, RegistryAuth] | None = None,
    ) -> BuildStream:
        """``docker build``: build an image from a context.

        ``await`` it for the new image's ID; ``async for`` it for
        :class:`~aiodock.models.BuildEvent` s.

        Args:
            context: A directory (tarred on the fly and streamed, honouring
                its ``.dockerignore``; see :mod:`aiodock.archive`), or an
                existing tar (plain or compressed) as a file path, bytes, a
                binary file object or an async iterator of bytes.
            tag: The image's name, or a list of names; ``None`` for none.
            dockerfile: The Dockerfile's path inside the context.
            buildargs: Values for the Dockerfile's ``ARG`` s.
            labels: Labels added to the image.
            target: The stage to build, in a multi-stage Dockerfile.
            nocache: Do not use the build cache.
            pull: Pull newer versions of the ``FROM`` images.
            rm: Remove the intermediate containers after a successful build.
            forcerm: Remove them even after a failed one.
            network_mode: The network of ``RUN`` steps (``"host"``, ``"none"``).
            platform: ``"os/arch[/variant]"`` to build for.
            cache_from: Images to use as cache sources.
            extra_hosts: ``/etc/hosts`` entries for ``RUN`` steps:
                ``{"db": "10.0.0.2"}`` or ``["db:10.0.0.2"]``.
            shm_size: The size of ``/dev/shm`` in bytes (positive).
            auth: Credentials for the ``FROM`` images' registries (sent as
                ``X-Registry-Config``): one :class:`RegistryAuth` with its
                ``serveraddress``, or registry -> auth; ``None`` sends every
                credential the Docker config has.

        Returns:
            A :class:`BuildStream`.

        Raises:
            BuildError: A step failed (the output so far is in ``.log``).
            ValueError: A bad ``shm_size``, platform or tag.
            TypeError: A flag that is not a ``bool``.

        Example:
            >>> image_id = await docker.images.build(  # doctest: +SKIP
            ...     "app/", tag="app:1", buildargs={"VERSION": "1"}, labels={"team": "a"})
            >>> async for event in docker.images.build("app/"):  # doctest: +SKIP
            ...     print(event.stream or "", end="")
        """
        tags = build_tags(tag)
        for flag, value in (("nocache", nocache), ("pull", pull), ("rm", rm), ("forcerm", forcerm)):
            _check.boolean(flag, value)
        _check_platform(platform)
        if shm_size is not None and (
            isinstance(shm_size, bool) or not isinstance(shm_size, int) or shm_size <= 0
        ):
            raise ValueError(f"shm_size must be a positive number of bytes, not {shm_size!r}")
        credentials = build_auth(auth)
        params: dict[str, QueryValue] = {
            "t": tags or None,
            "dockerfile": dockerfile,
            "buildargs": json_map("buildargs", buildargs),
            "labels": json_map("labels", labels),
            "target": _check.optional_text("target", target),
            "nocache": nocache,
            "pull": pull,
            "rm": rm,
            "forcerm": forcerm,
            "networkmode": _check.optional_text("network_mode", network_mode),
            "platform": platform,
            "cachefrom": json_list("cache_from", cache_from),
            "extrahosts": extra_hosts_param(extra_hosts),
            "shmsize": shm_size,
        }
        make_body = context_body(context, dockerfile, params)

        async def prepare() -> tuple[dict[str, str], Any]:
            found = credentials
            if found is None:
                found = await self._api.credentials.all()
            headers = {
                "Content-Type": "application/x-tar",
                "X-Registry-Config": encode_config_header(found),
            }
            return headers, await make_body()

        async def finish(events: builtins.list[BuildEvent]) -> str:
            built = built_image_id(events, stream.log)
            return _podman.image_id(built) if self._api.podman else built

        opener = open_with(self._api, "POST", "/build", params, prepare, self._build_error)
        stream = BuildStream(self._api, opener, finish)
        return stream

    def _build_error(self, exc: DockerError) -> DockerError:
        if self._api.podman and exc.status == 500 and exc.message == "(empty response body)":
            return ServerError(
                500,
                "the engine failed the build without a word (Podman 4.3 does so for a"
                " context holding a symbolic link that points out of it)",
            )
        return exc

    @operation("BuildPrune")
    async def prune_builds(
        self,
        *,
        keep_storage: int | None = None,
        all: bool = False,
        filters: Filters | None = None,
        reserved_space: int | None = None,
        max_used_space: int | None = None,
        min_free_space: int | None = None,
    ) -> BuildPruneReport:
        """``docker builder prune``: remove build cache.

        Args:
            keep_storage: Keep this many bytes of cache; ``None`` for no
                floor. API 1.48 renamed it ``reserved_space`` (and 1.52
                dropped the old name): aiodock sends it under the name the
                engine's version takes.
            all: Remove every kind of cache, not only dangling.
            filters: ``until``, ``id``, ``parent``, ``type``, ``description``,
                ``inuse``, ``shared``, ``private``.
            reserved_space: Keep at least this many bytes of cache. Needs
                API 1.48.
            max_used_space: Prune until the cache uses at most this many
                bytes. Needs API 1.48.
            min_free_space: Prune until the disk has at least this many bytes
                free. Needs API 1.48.

        Returns:
            The cache ids deleted and the bytes reclaimed.

        Raises:
            ValueError: A negative number of bytes, or both ``keep_storage``
                and ``reserved_space``.
            APIVersionError: ``reserved_space``, ``max_used_space`` or
                ``min_free_space`` on an engine older than API 1.48.
        """
        _check.boolean("all", all)
        if keep_storage is not None and (
            isinstance(keep_storage, bool) or not isinstance(keep_storage, int) or keep_storage < 0
        ):
            raise ValueError(f"keep_storage must be a number of bytes, not {keep_storage!r}")
        params: dict[str, QueryValue] = {
            "keep-storage": keep_storage,
            "all": all or None,
            "filters": filters_param(filters),
        }
        for key, value in (
            ("reserved_space", reserved_space),
            ("max_used_space", max_used_space),
            ("min_free_space", min_free_space),
        ):
            if value is not None:
                params[key.replace("_", "-")] = _check.byte_count(key, value)
        if keep_storage is not None:
            if reserved_space is not None:
                raise ValueError("keep_storage and reserved_space are one setting: give one")
            version = await self._api.negotiated_version()
            if _gate.available("BuildPrune", "reserved-space", version):
                params["reserved-space"] = params.pop("keep-storage")
        return await self._api.get(
            BuildPruneReport, "/build/prune", method="POST", params=params, timeout=None
        )


def _push_result(reference: ImageReference, events: builtins.list[ProgressEvent]) -> PushResult:
    for event in reversed(events):
        if event.aux and {"Tag", "Digest", "Size"} <= event.aux.keys():
            return PushResult.model_validate(event.aux)
    for event in reversed(events):
        match = _PUSH_DIGEST.match(event.status or "")
        if match:
            return PushResult(tag=match["tag"], digest=match["digest"], size=int(match["size"]))
    raise StreamError(200, f"the push of {reference} ended without reporting a digest")


def _repository_only(ref: str, tag: str | None, what: str) -> ImageReference:
    """The repository ``ref`` names, for a pull or push of all its tags."""
    reference = parse_reference(ref, default_tag=None)
    if tag is not None or reference.tag is not None or reference.digest is not None:
        raise ValueError(f"{what}(all_tags=True) takes a repository without a tag, not {ref!r}")
    return reference


def _as_list(refs: ImageRef | Sequence[ImageRef]) -> builtins.list[ImageRef]:
    if isinstance(refs, str) or hasattr(refs, "id"):
        return [refs]
    if isinstance(refs, Sequence):
        return builtins.list(refs)
    raise TypeError(f"expected an image or a list of images, not {type(refs).__name__}")


def _container_name(ref: object) -> str:
    if isinstance(ref, str):
        if not ref.strip() or "/" in ref.strip("/"):
            raise ValueError(f"container must be a container ID or name, not {ref!r}")
        return ref
    return _image_name(ref, what="container")


def _image_name(ref: object, *, what: str = "image") -> str:
    if isinstance(ref, str):
        return check_image_ref(ref)
    ref_id = getattr(ref, "id", None)
    if isinstance(ref_id, str) and ref_id:
        return ref_id
    raise TypeError(
        f"{what} must be an ID, a reference or an object with an id, not {type(ref).__name__}"
    )


def _quoted(name: str) -> str:
    return quote(name, safe="/:@")


def _platform_json(what: str, platform: object) -> str:
    """``"linux/arm64/v8"`` as the JSON-encoded OCI platform the engine
    takes on inspect, history, push, save, load and delete."""
    if not isinstance(platform, str) or not _PLATFORM.match(platform):
        raise ValueError(
            f"{what} must look like 'os[/arch[/variant]]' (linux/amd64), not {platform!r}"
        )
    parts = platform.split("/")
    fields = {"os": parts[0]}
    if len(parts) > 1:
        fields["architecture"] = parts[1]
    if len(parts) > 2:
        fields["variant"] = parts[2]
    return json.dumps(fields, separators=(",", ":"))


def _platforms_json(what: str, platforms: object) -> builtins.list[str] | None:
    """One platform or a list of them, each JSON-encoded (``None``: none)."""
    if platforms is None:
        return None
    if isinstance(platforms, str):
        return [_platform_json(what, platforms)]
    if not isinstance(platforms, Sequence) or not platforms:
        raise ValueError(
            f"{what} must be a platform or a non-empty list of them, not {platforms!r}"
        )
    return [_platform_json(what, item) for item in platforms]


def _check_platform(platform: object) -> None:
    if platform is None:
        return
    if not isinstance(platform, str) or not _PLATFORM.match(platform):
        raise ValueError(
            f"platform must look like 'os[/arch[/variant]]' (linux/amd64), not {platform!r}"
        )


def _check_auth(auth: object) -> None:
    if auth is not None and not isinstance(auth, RegistryAuth):
        raise TypeError(f"auth must be a RegistryAuth, not {type(auth).__name__}")


def _search_registry(term: str) -> str:
    first, slash, _ = term.partition("/")
    if slash and (any(c in first for c in ".:") or first == "localhost"):
        return first
    return DOCKER_HUB


def _changes(changes: str | Sequence[str] | None) -> builtins.list[str] | None:
    if changes is None:
        return None
    items = [changes] if isinstance(changes, str) else builtins.list(changes)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(
                f"changes must be Dockerfile instructions (non-empty strings), not {item!r}"
            )
    return items or None


def _config_body(config: ContainerConfig | Mapping[str, Any] | None) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, ContainerConfig):
        return config.to_engine()
    if isinstance(config, Mapping):
        return ContainerConfig.model_validate(dict(config)).to_engine()
    raise TypeError(f"config must be a ContainerConfig or a mapping, not {type(config).__name__}")


def _image_labels(image: ImageSummary) -> Mapping[str, str] | None:
    return image.labels
