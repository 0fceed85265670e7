"""``hymio release build --for-pi`` on a machine that is not a Pi: pip fetches the Pi's
wheels (aarch64, CPython 3.11, manylinux up to bookworm's glibc) and the release says it is
for the Pi's Python. Real pip, offline: a folder of wheels made here, one dependency with
an x86-64 and an aarch64 wheel, tagged ``manylinux_2_34`` as lgpio's only aarch64 wheel is."""

from __future__ import annotations

import json
import platform
import tarfile
import zipfile
from pathlib import Path

import pytest

from hymio.update.build import PI_PYTHON, build_release
from kiosk.releases.manifest import ReleaseError
from tests.release_bundles import make_key

DEPENDENCY = "hymiotestdep"


def wheel(folder: Path, name: str, version: str, tag: str, requires: str = "") -> Path:
    """A wheel pip can resolve: its METADATA and WHEEL (pip download reads no more)."""
    path = folder / f"{name}-{version}-{tag}.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as z:
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        z.writestr(f"{info}/METADATA", metadata + (f"Requires-Dist: {requires}\n" * bool(requires)))
        z.writestr(f"{info}/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n")
        z.writestr(f"{info}/RECORD", "")
    return path


@pytest.fixture
def wheelhouse(tmp_path, monkeypatch) -> Path:
    house = tmp_path / "wheelhouse"
    house.mkdir()
    for arch in ("x86_64", "aarch64"):
        wheel(house, DEPENDENCY, "1.0", f"cp311-cp311-manylinux_2_34_{arch}")
    monkeypatch.setenv("HYMIO_PIP_ARGS", f"--no-index --find-links {house}")
    return wheel(tmp_path, "hymio", "9.9.9", "py3-none-any", requires=DEPENDENCY)


def bundled(bundle: Path) -> tuple[list[str], str]:
    with tarfile.open(bundle) as tar:
        names = [n.removeprefix("files/") for n in tar.getnames() if n.startswith("files/")]
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    return sorted(names), manifest["python"]


def test_for_pi_bundles_the_aarch64_wheels_and_the_pis_python(wheelhouse, tmp_path):
    key, _public = make_key(tmp_path)
    bundle = build_release(wheelhouse, key, tmp_path / "out", extras="", for_pi=True)
    names, python = bundled(bundle)
    assert f"{DEPENDENCY}-1.0-cp311-cp311-manylinux_2_34_aarch64.whl" in names
    assert not any("x86_64" in n for n in names)
    assert python == PI_PYTHON


def test_without_it_the_builders_own_wheels_go_in(wheelhouse, tmp_path):
    key, _public = make_key(tmp_path)
    names, _python = bundled(build_release(wheelhouse, key, tmp_path / "out", extras=""))
    assert names.count(f"{DEPENDENCY}-1.0-cp311-cp311-manylinux_2_34_{platform.machine()}.whl")


def test_pips_usual_aarch64_platform_alone_finds_no_manylinux_2_34_wheel(
    wheelhouse, tmp_path, monkeypatch
):
    # What the docs said before: --platform manylinux2014_aarch64. pip adds no later tags,
    # so lgpio's only aarch64 wheel (manylinux_2_34) is not found: why --for-pi exists.
    house = wheelhouse.parent / "wheelhouse"
    monkeypatch.setenv(
        "HYMIO_PIP_ARGS",
        f"--no-index --find-links {house} --platform manylinux2014_aarch64 --python-version 3.11",
    )
    key, _public = make_key(tmp_path)
    with pytest.raises(ReleaseError, match=DEPENDENCY):
        build_release(wheelhouse, key, tmp_path / "out", extras="")
