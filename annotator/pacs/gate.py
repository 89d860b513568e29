"""At most a few whole-instance transfers at once: opening 20 clips from the browser queues
them (first in, first out) instead of starting 20 parallel downloads that would share the
link and all finish late. A clip waiting its turn still shows its first frame at once (two
small requests, ``RemoteClip``); cancelling or closing it takes it out of the queue."""

from __future__ import annotations

import threading
from collections import deque

#: whole-instance transfers running at once, per app
MAX_TRANSFERS = 3


class Cancelled(Exception):
    """The download was stopped by its owner."""


class TransferGate:
    """A FIFO queue of transfers, ``limit`` of which run at once."""

    def __init__(self, limit: int = MAX_TRANSFERS) -> None:
        self.limit = max(1, limit)
        self._cond = threading.Condition()
        self._waiting: deque[object] = deque()
        self.running = 0

    def enter(self, token: object) -> None:
        """Join the queue (at once, on the caller's thread: the place in line is kept)."""
        with self._cond:
            self._waiting.append(token)

    def queued(self, token: object) -> bool:
        with self._cond:
            return token in self._waiting

    def position(self, token: object) -> int:
        """How many transfers are before ``token`` in the queue (-1 when not queued)."""
        with self._cond:
            return self._waiting.index(token) if token in self._waiting else -1

    def ahead(self, token: object) -> int:
        """The transfers ``token`` waits for: those running and those before it in the queue
        (0 when it is not queued): what the status bar says of a waiting clip."""
        with self._cond:  # a reentrant lock: position() takes it again
            place = self.position(token)
            return 0 if place < 0 else self.running + place

    def wait_turn(self, token: object, cancelled: threading.Event) -> None:
        """Block until ``token`` may run; raises ``Cancelled`` (and leaves the queue) when
        ``cancelled`` is set first."""
        with self._cond:
            try:
                while not (self.running < self.limit and self._waiting and self._waiting[0] is token):
                    if cancelled.is_set():
                        raise Cancelled
                    self._cond.wait(0.5)
            except BaseException:
                if token in self._waiting:
                    self._waiting.remove(token)
                self._cond.notify_all()
                raise
            self._waiting.popleft()
            self.running += 1
            self._cond.notify_all()

    def leave(self) -> None:
        """A running transfer ended: the next in line may start."""
        with self._cond:
            self.running -= 1
            self._cond.notify_all()

    def wake(self) -> None:
        """Let waiting transfers look at their cancel flags now."""
        with self._cond:
            self._cond.notify_all()


#: the app's gate, shared by every clip streamed from any server
TRANSFERS = TransferGate()
