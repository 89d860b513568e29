"""A real Orthanc (with the DICOMweb plugin) for the PACS tests, started once per session.

Skipped where Orthanc is absent, but failing when US_ANNOTATOR_REQUIRE_ORTHANC=1 (CI)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from orthanc_server import PASSWORD, USER, Orthanc, missing_reason, start_orthanc  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ISSUE164 = ROOT.parent / "shared" / "corpus" / "orthanc-tests" / "Issue164.dcm"
US_FILES = ("US1_J2KR.dcm", "US1_UNCR.dcm", "examples_ybr_color.dcm")


def pydicom_files() -> list[Path]:
    from pydicom.data import get_testdata_file

    out = []
    for name in US_FILES:
        found = get_testdata_file(name)
        if found:
            out.append(Path(str(found)))
    return out


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    reason = missing_reason()
    if reason is not None:
        if os.environ.get("US_ANNOTATOR_REQUIRE_ORTHANC") == "1":
            pytest.fail(f"US_ANNOTATOR_REQUIRE_ORTHANC=1 but {reason}")
        pytest.skip(reason)
    server = start_orthanc(tmp_path_factory.mktemp("orthanc"))
    try:
        for path in pydicom_files():
            server.upload(path)
        if ISSUE164.is_file():
            server.upload(ISSUE164)
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_url(orthanc: Orthanc) -> str:
    return f"http://{USER}@127.0.0.1:{orthanc.http_port}/dicom-web"


@pytest.fixture
def password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("US_ANNOTATOR_PACS_PASSWORD", PASSWORD)
    return PASSWORD


@pytest.fixture(autouse=True)
def _no_real_keyring() -> Iterator[None]:
    """Every PACS test runs as on a machine without a keyring, unless it asks for one."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    import keyring
    from keyring.backend import KeyringBackend

    store: dict[tuple[str, str], str] = {}

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            store.pop((service, username), None)

    keyring.set_keyring(Memory())
    yield store
