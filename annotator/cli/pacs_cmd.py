"""``us-annotator pacs find|get|send|echo|add-server|servers``: a DICOMweb PACS from the
command line. SERVER is a configured name or a URL such as http://user@host:8042/dicom-web;
the password comes from the OS keyring, US_ANNOTATOR_PACS_PASSWORD, or a prompt. A DIMSE-only
archive is given as dicom://AE_TITLE@host:port, or a saved server's DIMSE peer with --dimse
(C-FIND, C-GET or C-MOVE, C-STORE, C-ECHO)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from annotator.cli import CliError
from annotator.pacs.client import DicomWebClient
from annotator.pacs.errors import PacsError
from annotator.pacs.servers import PASSWORD_ENV


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "pacs", help="find, download and send studies on a DICOMweb PACS",
        description=(
            "Work with a PACS over DICOMweb (QIDO-RS, WADO-RS, STOW-RS). SERVER is a name given "
            "with 'pacs add-server', a URL like http://user@host:8042/dicom-web, or a DIMSE peer "
            "dicom://AE_TITLE@host:port (we call as US_ANNOTATOR). Passwords are "
            f"kept in the OS keyring; without one, set {PASSWORD_ENV} or type it when asked."),
    )
    sub = p.add_subparsers(dest="pacs_command", metavar="ACTION", required=True)
    find = sub.add_parser("find", help="search studies (QIDO-RS)")
    find.add_argument("server")
    find.add_argument("--patient-name", help="wildcards * and ? allowed, e.g. 'DOE^*'")
    find.add_argument("--patient-id")
    find.add_argument("--accession")
    find.add_argument("--date", help="YYYYMMDD or YYYYMMDD-YYYYMMDD")
    find.add_argument("--modality", help="e.g. US (default: any)")
    find.add_argument("--limit", type=int, default=None, help="at most this many studies")
    find.add_argument("--offset", type=int, default=0,
                      help="skip this many studies first (with --limit: one page of a long list)")
    find.add_argument("--json", action="store_true", help="print JSON")
    get = sub.add_parser("get", help="download a study into a folder, with a case file")
    get.add_argument("server")
    get.add_argument("study_uid")
    get.add_argument("dest", type=Path)
    get.add_argument("--move", action="store_true",
                     help="DIMSE: C-MOVE to our own listener instead of C-GET")
    get.add_argument("--listen-port", type=int, default=None,
                     help="DIMSE: the port of our C-MOVE listener (default: the saved server's, "
                          "else 11113; the PACS must know our AE title there)")
    get.add_argument("--listen-ae", default=None,
                     help="DIMSE: our AE title (default: the saved server's, else US_ANNOTATOR)")
    send = sub.add_parser("send", help="send DICOM files (STOW-RS)")
    send.add_argument("server")
    send.add_argument("files", nargs="+", type=Path)
    echo = sub.add_parser("echo", help="check that the server answers with these credentials")
    echo.add_argument("server")
    add = sub.add_parser("add-server", help="save a named server (password into the keyring)")
    add.add_argument("name")
    add.add_argument("url", help="http(s)://[user@]host:port/dicom-web")
    add.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate")
    add.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    add.add_argument("--dimse", metavar="AE@HOST:PORT", help="the archive's DIMSE peer, e.g. ORTHANC@pacs:4242")
    add.add_argument("--retrieve", choices=("get", "move"), default="get",
                     help="DIMSE retrieval: C-GET, or C-MOVE to our listener (default get)")
    add.add_argument("--listen-port", type=int, default=11113,
                     help="DIMSE: our C-MOVE listener port (default 11113)")
    add.add_argument("--listen-ae", default="US_ANNOTATOR",
                     help="DIMSE: our AE title (default US_ANNOTATOR)")
    for action in (find, get, send, echo):
        action.add_argument("--dimse", action="store_true",
                            help="use the saved server's DIMSE peer instead of DICOMweb")
    sub.add_parser("servers", help="list the saved servers")


def _prompt(text: str) -> str:
    if not sys.stdin.isatty():
        raise CliError(f"a password is needed: set {PASSWORD_ENV} (no terminal to ask on)")
    return getpass.getpass(text)


def _client(name_or_url: str) -> DicomWebClient:
    from annotator.pacs.servers import find_password, resolve_server

    server = resolve_server(name_or_url)
    return DicomWebClient(server, find_password(server, _prompt))


def _peer(name_or_url: str, dimse: bool = False) -> Any:
    """The DIMSE peer when SERVER is dicom://... (or a saved server with ``--dimse``), else
    None (DICOMweb)."""
    if dimse and "://" not in name_or_url:
        from annotator.pacs.dimse import peer_from_server
        from annotator.pacs.servers import resolve_server

        return peer_from_server(resolve_server(name_or_url))
    if not name_or_url.startswith("dicom://"):
        return None
    from annotator.pacs.dimse import peer_from_url

    return peer_from_url(name_or_url)


def run(args: argparse.Namespace) -> int:
    try:
        return int(_ACTIONS[args.pacs_command](args))
    except PacsError as exc:
        raise CliError(str(exc)) from None


def _find(args: argparse.Namespace) -> int:
    from annotator.pacs.study import find_studies, study_query

    query = study_query(args.patient_name, args.patient_id, args.accession, args.date, args.modality)
    peer = _peer(args.server, args.dimse)
    if peer is not None:
        from annotator.pacs.dimse import find_studies_dimse

        end = None if args.limit is None else args.offset + args.limit
        studies = find_studies_dimse(peer, query)[args.offset:end]
    else:
        studies = find_studies(_client(args.server), query, max_results=args.limit,
                               offset=args.offset)
    if args.json:
        print(json.dumps([s.as_json() for s in studies], indent=2, ensure_ascii=False))
        return 0
    for s in studies:
        frames = sum(x.frames for x in s.series)
        print(f"{s.study_date or '--------'}  {s.patient_name or '(no name)'} [{s.patient_id}]  "
              f"{s.description}  acc {s.accession or '-'}  {len(s.series)} series, {frames} frames")
        print(f"    {s.study_uid}")
    if not studies:
        print("no studies match", file=sys.stderr)
    return 0


def _get(args: argparse.Namespace) -> int:
    from annotator.pacs.study import get_study

    def progress(n: int, total: int) -> None:
        print(f"\r{n}/{total} instances", end="", file=sys.stderr, flush=True)

    peer = _peer(args.server, args.dimse)
    if peer is not None:
        from annotator.pacs.dimse import c_get_study, c_move_study
        from annotator.pacs.servers import DEFAULT_LISTEN_PORT
        from annotator.pacs.study import write_study_case

        move, port = args.move, args.listen_port
        if "://" not in args.server:  # a saved server: its retrieval settings
            from annotator.pacs.servers import resolve_server

            saved = resolve_server(args.server)
            move = move or saved.dimse_retrieve == "move"
            port = saved.listen_port if port is None else port
        if args.listen_ae:
            peer.calling_ae = args.listen_ae
        files = (c_move_study(peer, args.study_uid, args.dest,
                              DEFAULT_LISTEN_PORT if port is None else port) if move
                 else c_get_study(peer, args.study_uid, args.dest))
        case_path = write_study_case(files, args.dest, args.study_uid)
    else:
        case_path = get_study(_client(args.server), args.study_uid, args.dest, progress)
    print(file=sys.stderr)
    print(case_path)
    return 0


def _send(args: argparse.Namespace) -> int:
    from pydicom.misc import is_dicom

    blobs = []
    for path in args.files:
        if not path.is_file():
            raise CliError(f"{path}: no such file")
        if not is_dicom(path):
            raise CliError(f"{path}: not a DICOM file (no DICM preamble)")
        blobs.append(path.read_bytes())
    peer = _peer(args.server, args.dimse)
    if peer is not None:
        from annotator.pacs.dimse import c_store

        c_store(peer, args.files)
        print(f"sent {len(blobs)} file(s) to {peer.ae_title}@{peer.host}:{peer.port} (C-STORE)")
        return 0
    client = _client(args.server)
    client.store(blobs)
    print(f"sent {len(blobs)} file(s) to {client.server.url}")
    return 0


def _echo(args: argparse.Namespace) -> int:
    peer = _peer(args.server, args.dimse)
    if peer is not None:
        from annotator.pacs.dimse import c_echo

        c_echo(peer)
        print(f"OK: {peer.ae_title}@{peer.host}:{peer.port} answers C-ECHO")
        return 0
    client = _client(args.server)
    client.echo()
    print(f"OK: {client.server.base} answers DICOMweb")
    return 0


def _add_server(args: argparse.Namespace) -> int:
    from annotator.pacs.servers import (
        keyring_problem,
        load_servers,
        save_servers,
        server_from_url,
        store_password,
    )

    server = server_from_url(args.url)
    server.name, server.verify_tls, server.timeout = args.name, not args.insecure, args.timeout
    if args.dimse:
        from annotator.pacs.dimse import peer_from_url

        peer = peer_from_url("dicom://" + args.dimse)
        server.dimse_ae, server.dimse_host, server.dimse_port = peer.ae_title, peer.host, peer.port
    server.dimse_retrieve, server.listen_port = args.retrieve, args.listen_port
    server.listen_ae = args.listen_ae
    password, server.password = server.password, None
    servers = [s for s in load_servers() if s.name != args.name] + [server]
    save_servers(servers)
    print(f"saved server {args.name}: {server.base}")
    if server.user:
        problem = keyring_problem()
        if problem is not None:
            print(f"note: password not stored: {problem}", file=sys.stderr)
        else:
            store_password(server, password if password is not None else _prompt("Password: "))
            print("password stored in the OS keyring")
    return 0


def _servers(args: argparse.Namespace) -> int:
    from annotator.pacs.servers import load_servers

    for s in load_servers():
        dimse = f"\tdimse={s.dimse_url()} ({s.dimse_retrieve})" if s.has_dimse else ""
        print(f"{s.name}\t{s.base}\tuser={s.user or '-'}\ttls-verify={'yes' if s.verify_tls else 'no'}{dimse}")
    return 0


_ACTIONS = {"find": _find, "get": _get, "send": _send, "echo": _echo,
            "add-server": _add_server, "servers": _servers}
