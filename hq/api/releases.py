"""A device's releases: ``GET /api/v1/release`` (which release it should run), the
release key's metadata (``GET /api/v1/release-metadata``), and the release's manifest,
signature and files, for the device to check and install."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from hq.api import errors
from hq.core.errors import ApiError
from hq.fleet.release_metadata import read_metadata
from hq.fleet.releases import release_of, stored_file, wanted_for
from hq.ingest.device_calls import Caller, device_call, still_valid
from hq.web.deps import Bearer, device_bearer
from kiosk.releases.manifest import FILE_PATTERN, VERSION_PATTERN, parse_manifest

router = APIRouter(prefix="/api/v1", tags=["devices"])
Version = Annotated[str, Path(max_length=40, pattern=VERSION_PATTERN)]
FileName = Annotated[str, Path(max_length=200, pattern=FILE_PATTERN)]
BINARY = {200: {"content": {"application/octet-stream": {}}, "description": "the file"}}


class WantedRelease(BaseModel):
    """The release the device should run; ``version`` null when no rollout covers it
    (it keeps what it runs)."""

    version: str | None


@router.get("/release", response_model=WantedRelease, responses=errors(401, 429, 503))
async def wanted_release(
    request: Request, credentials: Annotated[Bearer, Depends(device_bearer)]
) -> WantedRelease:
    """Which release this device should run, by the newest rollout step that covers it."""

    def work(session: Session, device: Caller) -> WantedRelease:
        still_valid(session, device)
        return WantedRelease(version=wanted_for(session, device.id, device.store_id))

    return await device_call(request, credentials and credentials.credentials, work)


class SignedMetadata(BaseModel):
    """The release key's metadata (``kiosk.releases.metadata``): the document's text
    exactly as it was signed, and the Ed25519 signature of its bytes, base64."""

    signed: str
    signature: str


@router.get(
    "/release-metadata", response_model=SignedMetadata, responses=errors(401, 404, 429, 503)
)
async def release_metadata(
    request: Request, credentials: Annotated[Bearer, Depends(device_bearer)]
) -> SignedMetadata:
    """Which releases the release key lists, until when, and which may be rolled back to;
    the device checks the signature, the version and the expiry."""

    def work(session: Session, device: Caller) -> None:
        still_valid(session, device)

    await device_call(request, credentials and credentials.credentials, work)
    held = read_metadata(request.app.state.release_folder)
    if held is None:
        raise ApiError(
            404,
            "no_release_metadata",
            "HQ holds no release metadata: add a bundle made by hymio release build or"
            " hymio release metadata (hymio hq add-release)",
        )
    return SignedMetadata(signed=held[0].decode(), signature=held[1])


def _release(session: Session, version: str):
    found = release_of(session, version)
    if found is None:
        raise ApiError(404, "unknown_release", f"HQ holds no release {version!r}")
    return found


@router.get(
    "/releases/{version}/manifest",
    responses={**errors(401, 404, 422, 429, 503), 200: {"content": {"application/json": {}}}},
    response_class=Response,
)
async def manifest(
    request: Request, version: Version, credentials: Annotated[Bearer, Depends(device_bearer)]
) -> Response:
    """The release's manifest, byte for byte as it was signed."""
    text = await _release_text(request, version, credentials, "manifest")
    return Response(text.encode(), media_type="application/json")


@router.get(
    "/releases/{version}/signature",
    response_class=Response,
    responses={**errors(401, 404, 422, 429, 503), 200: {"content": {"text/plain": {}}}},
)
async def signature(
    request: Request, version: Version, credentials: Annotated[Bearer, Depends(device_bearer)]
) -> PlainTextResponse:
    """The release key's Ed25519 signature of the manifest, base64."""
    return PlainTextResponse(await _release_text(request, version, credentials, "signature"))


async def _release_text(request: Request, version: str, credentials: Bearer, field: str) -> str:
    """The release's *field* (``manifest`` or ``signature``), for the device behind the token."""

    def work(session: Session, device: Caller) -> str:
        still_valid(session, device)
        return getattr(_release(session, version), field)

    return await device_call(request, credentials and credentials.credentials, work)


@router.get(
    "/releases/{version}/files/{name}",
    response_class=Response,
    responses={**errors(401, 404, 422, 429, 503), **BINARY},
)
async def release_file(
    request: Request,
    version: Version,
    name: FileName,
    credentials: Annotated[Bearer, Depends(device_bearer)],
) -> FileResponse:
    """One file the manifest names (a wheel, ``requirements.txt``), streamed from HQ's
    release folder."""

    def work(session: Session, device: Caller) -> str:
        still_valid(session, device)
        found = parse_manifest(_release(session, version).manifest.encode()).file(name)
        if found is None:
            raise ApiError(404, "unknown_file", f"release {version} has no file {name!r}")
        return found.sha256

    sha256 = await device_call(request, credentials and credentials.credentials, work)
    path = stored_file(request.app.state.release_folder, sha256)
    if not path.is_file():
        raise ApiError(
            404,
            "file_missing",
            f"HQ's release folder lacks {name} of release {version}; add the release again",
        )
    return FileResponse(path, media_type="application/octet-stream")
