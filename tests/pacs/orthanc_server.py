"""Start a private Orthanc with the DICOMweb plugin for tests and benchmarks: loopback HTTP on
a free port, its own storage and config folder (never /etc/orthanc: Orthanc merges every
*.json of its config folder), basic auth on, stopped by PID."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ORTHANC = "/usr/sbin/Orthanc"
USER, PASSWORD = "sono", "s3cret-pw"

OTHER_AE = "US_WORKSTATION2"  # our AE title when set in the server settings

def plugin_path() -> Path | None:
    for candidate in ("/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
                      "/usr/lib/orthanc/libOrthancDicomWeb.so.1.7"):
        if Path(candidate).is_file():
            return Path(candidate)
    try:
        out = subprocess.run(["dpkg", "-L", "orthanc-dicomweb"], capture_output=True, text=True,
                             check=False).stdout
    except OSError:
        return None
    found = [line for line in out.splitlines() if ".so" in line and Path(line).is_file()]
    return Path(found[0]) if found else None


def missing_reason() -> str | None:
    orthanc = shutil.which("Orthanc") or (ORTHANC if Path(ORTHANC).is_file() else None)
    if orthanc is None:
        return "Orthanc is not installed (Debian: apt-get install orthanc orthanc-dicomweb)"
    if plugin_path() is None:
        return "the Orthanc DICOMweb plugin is not installed (apt-get install orthanc-dicomweb)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Orthanc:
    process: subprocess.Popen[bytes]
    http_port: int
    dicom_port: int
    folder: Path
    #: where Orthanc sends a C-MOVE to US_ANNOTATOR (the tests' storage listener)
    move_port: int = 0
    #: where Orthanc sends a C-MOVE to OTHER_AE (a listener with an AE title of its own)
    other_move_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def upload(self, path: Path) -> None:
        request = urllib.request.Request(self.url + "/instances", data=path.read_bytes(),
                                         method="POST", headers=_auth_header())
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _auth_header() -> dict[str, str]:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def start_orthanc(folder: Path) -> Orthanc:
    http_port, dicom_port, move_port, other_port = free_port(), free_port(), free_port(), free_port()
    config_dir = folder / "config"
    config_dir.mkdir(parents=True)
    config = {
        "Name": "us-annotator-test",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "storage"),
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "DicomAet": "ORTHANCTEST",
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {USER: PASSWORD},
        "Plugins": [str(plugin_path())],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "Host": f"127.0.0.1:{http_port}",
                     "StudiesMetadata": "MainDicomTags", "SeriesMetadata": "MainDicomTags"},
        "DicomModalities": {"us-annotator": ["US_ANNOTATOR", "127.0.0.1", move_port],
                            "workstation": [OTHER_AE, "127.0.0.1", other_port]},
        "UnknownSopClassAccepted": True,
        "DicomCheckCalledAet": False,
        "DicomAlwaysAllowEcho": True,
        "DicomAlwaysAllowStore": True,
        "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowGet": True,
        "HttpTimeout": 60,
        "StableAge": 1,
    }
    (config_dir / "orthanc.json").write_text(json.dumps(config), encoding="utf-8")
    log = open(folder / "orthanc.log", "wb")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen([shutil.which("Orthanc") or ORTHANC, str(config_dir)],
                               stdout=log, stderr=subprocess.STDOUT)
    server = Orthanc(process, http_port, dicom_port, folder, move_port, other_port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Orthanc exited: {(folder / 'orthanc.log').read_text()[-2000:]}")
        try:
            request = urllib.request.Request(server.url + "/system", headers=_auth_header())
            with urllib.request.urlopen(request, timeout=2) as response:
                response.read()
            return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError("Orthanc did not answer within 30 s")
