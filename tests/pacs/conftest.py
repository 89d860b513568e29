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
