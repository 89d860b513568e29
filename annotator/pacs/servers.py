"""Named PACS servers: URL, DICOMweb root, user and TLS option in a small JSON settings file;
passwords only in the OS keyring, never in plain settings.

Where no keyring backend works (a headless Linux box without a secret service), the password
comes from ``US_ANNOTATOR_PACS_PASSWORD`` or a prompt, and ``keyring_problem()`` says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from annotator.case.fileutil import atomic_write_text
from annotator.case.userdirs import config_dir
from annotator.pacs.errors import PacsError

KEYRING_SERVICE = "us-annotator PACS"
PASSWORD_ENV = "US_ANNOTATOR_PACS_PASSWORD"
SETTINGS_NAME = "pacs-servers.json"
#: our own AE title, and the port of our C-MOVE listener: the PACS must have both in its list
#: of destinations, so the port is fixed (11113 is the port DICOM viewers commonly listen on
#: beside 104, which needs root)
DEFAULT_LISTEN_AE = "US_ANNOTATOR"
DEFAULT_LISTEN_PORT = 11113


@dataclass
class PacsServer:
    name: str
    url: str  # scheme://host:port, no path
    dicomweb_root: str = "/dicom-web"
    user: str = ""
    verify_tls: bool = True
    timeout: float = 30.0
    #: the optional DIMSE peer of the same archive (for C-FIND/C-GET/C-MOVE/C-STORE)
    dimse_ae: str = ""
    dimse_host: str = ""
    dimse_port: int = 0
    #: "get" (C-GET on the same association) or "move" (C-MOVE to our own listener)
    dimse_retrieve: str = "get"
    #: our AE title (calling AE, and the C-MOVE destination the PACS must know)
    listen_ae: str = DEFAULT_LISTEN_AE
    #: the fixed port of our storage listener for C-MOVE (the PACS must know ``listen_ae`` at
    #: this computer and port); 0 = any free port, for tests only
    listen_port: int = DEFAULT_LISTEN_PORT
    #: given on the command line inside the URL; never saved
    password: str | None = None

    @property
    def has_dimse(self) -> bool:
        return bool(self.dimse_ae and self.dimse_host and self.dimse_port)

    def dimse_url(self) -> str:
        """The DIMSE peer as ``dicom://AE@host:port`` ("" without one)."""
        return f"dicom://{self.dimse_ae}@{self.dimse_host}:{self.dimse_port}" if self.has_dimse else ""

    @property
    def base(self) -> str:
        return self.url.rstrip("/") + "/" + self.dicomweb_root.strip("/")

    def keyring_key(self) -> str:
        return f"{self.user}@{self.url.rstrip('/')}"


def server_from_url(text: str) -> PacsServer:
    """``http://user@host:port/dicom-web`` as an unnamed server."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PacsError(f"not a server name or an http(s) URL: {text!r}", "config")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    try:
        port = parts.port
    except ValueError:
        raise PacsError(f"bad port in {text!r}", "config") from None
    netloc = host + (f":{port}" if port else "")
    return PacsServer(name=netloc, url=f"{parts.scheme}://{netloc}",
                      dicomweb_root=parts.path.rstrip("/") or "/dicom-web",
                      user=parts.username or "", password=parts.password)


def settings_path() -> Path:
    return config_dir() / SETTINGS_NAME


def load_servers(path: Path | None = None) -> list[PacsServer]:
    p = path or settings_path()
    if not p.is_file():
        return []
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        fields = PacsServer.__dataclass_fields__
        return [PacsServer(**{k: v for k, v in item.items() if k in fields and k != "password"})
                for item in data.get("servers", [])]
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise PacsError(f"cannot read the PACS settings {p}: {exc}", "config") from None


def save_servers(servers: list[PacsServer], path: Path | None = None) -> None:
    p = path or settings_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    items = []
    for s in servers:
        item = asdict(s)
        item.pop("password")  # never in plain settings
        items.append(item)
    atomic_write_text(p, json.dumps({"servers": items}, indent=2) + "\n")


def resolve_server(name_or_url: str, path: Path | None = None) -> PacsServer:
    """A configured server by name, or a URL."""
    if "://" in name_or_url:
        return server_from_url(name_or_url)
    servers = load_servers(path)
    for s in servers:
        if s.name == name_or_url:
            return s
    known = ", ".join(s.name for s in servers) or "none configured"
    raise PacsError(f"no PACS server named {name_or_url!r} (known: {known})", "config")


def keyring_problem() -> str | None:
    """Why the OS keyring cannot keep passwords here, or None when it can."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return "the keyring package is not installed"
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return (f"no OS keyring is available here ({type(backend).__name__}); "
                f"set {PASSWORD_ENV} or type the password when asked")
    return None


def store_password(server: PacsServer, password: str) -> None:
    problem = keyring_problem()
    if problem is not None:
        raise PacsError(f"cannot store the password: {problem}", "config")
    import keyring
    keyring.set_password(KEYRING_SERVICE, server.keyring_key(), password)


def find_password(server: PacsServer, prompt: Callable[[str], str] | None = None) -> str | None:
    """The password of ``server``: from its URL, the keyring, the environment, or ``prompt``."""
    if not server.user:
        return None
    if server.password is not None:
        return server.password
    if keyring_problem() is None:
        import keyring
        try:
            stored = keyring.get_password(KEYRING_SERVICE, server.keyring_key())
        except Exception:  # noqa: BLE001 - any backend failure means: ask elsewhere
            stored = None
        if stored is not None:
            return stored
    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return env
    if prompt is not None:
        return prompt(f"Password for {server.user} at {server.url}: ")
    return None
