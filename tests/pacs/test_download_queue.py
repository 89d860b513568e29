"""Many clips opened at once: a few whole-instance transfers run, the others wait their turn
in order; every clip shows its first frame at once; a closed waiting clip leaves the queue."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest
from clips import clip_dicom
from orthanc_server import PASSWORD, USER, Orthanc
from proxy import Proxy, running_proxy
from pytestqt.qtbot import QtBot

from annotator.media.dicom import DicomMedia
from annotator.pacs import gate as transfer_gate
from annotator.pacs.client import DicomWebClient
from annotator.pacs.gate import Cancelled, TransferGate
from annotator.pacs.remote_clip import RemoteClip, cache_path
from annotator.pacs.servers import server_from_url

CLIPS = 6
LIMIT = 2


def test_the_gate_lets_a_few_run_in_order_and_drops_the_cancelled() -> None:
    gate = TransferGate(2)
    tokens = [object() for _ in range(5)]
    flags = [threading.Event() for _ in tokens]
    order: list[int] = []
    for t in tokens:
        gate.enter(t)
    release = threading.Event()

    def run(i: int) -> None:
        try:
            gate.wait_turn(tokens[i], flags[i])
        except Cancelled:
            order.append(-i)
            return
        order.append(i)
        release.wait(10)
        gate.leave()

    threads = [threading.Thread(target=run, args=(i,)) for i in reversed(range(5))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while len(order) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(order) == [0, 1] and gate.running == 2 and gate.position(tokens[2]) == 0
    flags[3].set()
    gate.wake()
    while -3 not in order and time.monotonic() < deadline:
        time.sleep(0.01)
    assert -3 in order and not gate.queued(tokens[3]) and gate.position(tokens[4]) == 1
    release.set()
    for t in threads:
        t.join(5)
    assert [i for i in order if i >= 0] == [0, 1, 2, 4][:len([i for i in order if i >= 0])]
    assert sorted(order) == [-3, 0, 1, 2, 4] and gate.running == 0


@pytest.fixture(scope="module")
def clip(orthanc: Orthanc, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, str, str]]:
    data = clip_dicom(30, jpeg=True, patient="Queue^Test")
    path = tmp_path_factory.mktemp("queue") / "clip.dcm"
    path.write_bytes(data)
    orthanc.upload(path)
    ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    return path, (str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID))


@pytest.fixture
def proxy(orthanc: Orthanc) -> Iterator[Proxy]:
    with running_proxy(orthanc.http_port) as p:
        yield p


def test_many_clips_queue_their_transfers(clip: tuple, proxy: Proxy, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    original, (study, series, sop) = clip
    gate = TransferGate(LIMIT)
    monkeypatch.setattr(transfer_gate, "TRANSFERS", gate)
    proxy.mode, proxy.delay = "trickle", 0.03  # each whole-instance transfer takes >= 0.6 s
    client = DicomWebClient(server_from_url(proxy.url(USER)), PASSWORD)
    with DicomMedia(original) as truth:
        first = truth.frame(0)
    start = time.perf_counter()
    opened = []
    for n in range(CLIPS):
        remote = RemoteClip(client, study, series, sop, cache_path(tmp_path / f"c{n}", study, sop))
        assert np.array_equal(remote.frame(0), first)  # shown at once, queued or not
        opened.append(remote)
    shown = time.perf_counter() - start
    waiting = [r for r in opened if r.download.queued]
    assert len(waiting) >= CLIPS - LIMIT - 1, [r.download.queued for r in opened]
    assert shown < 0.6 * (CLIPS / LIMIT), shown  # before the queue could have drained
    last = opened[-1]
    assert last.download.queued
    last.close()  # a waiting clip closed: out of the queue, nothing asked for
    assert last.download.done.is_set() and last.download.error is not None
    assert last.download.error.kind == "cancelled" and last.download.bytes_received == 0
    for remote in opened[:-1]:
        assert remote.download.wait(60) and remote.complete, remote.error
    spans = sorted((r.download.started, r.download.finished) for r in opened[:-1])
    most = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert most == LIMIT and gate.running == 0
    assert sum(1 for p in proxy.paths if p.endswith(sop)) == CLIPS - 1  # one transfer per clip
    assert not list(tmp_path.rglob("*.part"))
    for remote in opened[:-1]:
        remote.close()


def test_a_queued_clip_says_it_waits_then_how_far_it_came(clip: tuple, proxy: Proxy, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    from annotator.ui.pacs_open import DownloadWatcher

    _, (study, series, sop) = clip
    monkeypatch.setattr(transfer_gate, "TRANSFERS", TransferGate(1))
    proxy.mode, proxy.delay = "trickle", 0.03  # each whole-instance transfer takes >= 0.6 s
    client = DicomWebClient(server_from_url(proxy.url(USER)), PASSWORD)
    opened = [RemoteClip(client, study, series, sop, cache_path(tmp_path / f"c{n}", study, sop))
              for n in range(3)]
    parent = QWidget()
    qtbot.addWidget(parent)
    said: list[str] = []
    DownloadWatcher(parent, lambda text, _ms: said.append(text), opened[2])
    assert opened[2].download.queued
    assert said and "waiting for 2 other downloads" in said[0], said
    qtbot.waitUntil(lambda: any("waiting for 1 other download " in t for t in said), timeout=20000)
    qtbot.waitUntil(lambda: any("downloading" in t for t in said), timeout=20000)
    qtbot.waitUntil(lambda: any("complete in the local cache" in t for t in said), timeout=20000)
    count = len(said)
    qtbot.wait(600)
    assert len(said) == count and "complete" in said[-1], said  # no progress after the end
    running = [t for t in said if "downloading" in t]
    assert all(" MB" in t for t in running), running
    order = [("waiting for 2" in t, "waiting for 1" in t, "downloading" in t, "complete" in t)
             for t in said]
    firsts = [next(i for i, o in enumerate(order) if o[k]) for k in range(4)]
    assert firsts == sorted(firsts), said  # waiting 2, then 1, then running, then done
    for remote in opened:
        assert remote.download.wait(60) and remote.complete, remote.error
        remote.close()


@pytest.fixture
def one_running_one_waiting(clip: tuple, proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            qtbot: QtBot) -> Iterator[tuple[RemoteClip, RemoteClip, object]]:
    """Two clips through a slow proxy with room for one transfer: the first runs, the second
    waits; and a widget to parent a download watcher. The running one must complete."""
    from PySide6.QtWidgets import QWidget

    _, (study, series, sop) = clip
    monkeypatch.setattr(transfer_gate, "TRANSFERS", TransferGate(1))
    proxy.mode, proxy.delay = "trickle", 0.03
    client = DicomWebClient(server_from_url(proxy.url(USER)), PASSWORD)
    running, waiting = (RemoteClip(client, study, series, sop, cache_path(tmp_path / f"c{n}", study, sop))
                        for n in range(2))
    parent = QWidget()
    qtbot.addWidget(parent)
    yield running, waiting, parent
    assert running.download.wait(60) and running.complete, running.error
    running.close()


def test_a_closed_waiting_clip_does_not_leave_its_waiting_message(one_running_one_waiting: tuple,
                                                                  qtbot: QtBot) -> None:
    from annotator.ui.pacs_open import DownloadWatcher

    _running, waiting, parent = one_running_one_waiting
    said: list[str] = []
    DownloadWatcher(parent, lambda text, _ms: said.append(text), waiting)
    assert said and "waiting for 1 other download " in said[0], said
    waiting.close()
    qtbot.waitUntil(lambda: "download stopped" in said[-1], timeout=10000)


def test_only_the_clip_on_screen_says_how_its_download_goes(one_running_one_waiting: tuple,
                                                           qtbot: QtBot) -> None:
    """Twenty queued clips would take turns in the one status bar: a clip that is not on
    screen stays quiet while it waits (and, closed, leaves nothing to take back)."""
    from annotator.ui.pacs_open import DownloadWatcher

    _running, waiting, parent = one_running_one_waiting
    said: list[str] = []
    DownloadWatcher(parent, lambda text, _ms: said.append(text), waiting, on_screen=lambda: False)
    qtbot.wait(600)
    assert said == []  # waiting, but not on screen
    waiting.close()
    qtbot.wait(300)
    assert said == []
