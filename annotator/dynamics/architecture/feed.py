"""The frames a walk through a clip follows, made ready ahead of it: each frame's working
copy, the flow from the frame before, and the line statistics, in a second thread while the
walk follows the frame before (``sequence._walk``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from annotator.dynamics.architecture.detect import Work, prepare
from annotator.dynamics.architecture.fusion import Affine, flow_tracked
from annotator.dynamics.architecture.local import LineStats, line_stats
from annotator.media.bmode_area import Area
from annotator.media.grey import to_grey

FrameFn = Callable[[int], np.ndarray]
Ready = tuple[Work, Affine, LineStats | None]


def prepared_frames(frames: FrameFn, order: Sequence[int], area: Area, every_stats: bool
                    ) -> Iterator[Ready]:
    """Each frame in ``order``: its working copy, the flow from the previous one and, on the
    first frame and with ``every_stats`` on all, the line statistics. All of it is made in a
    second thread for the next frame while this one is followed: none of it depends on what
    is found on a frame, and OpenCV's filters and flow let go of the interpreter (the frames
    themselves are read here, in the caller's thread). One worker keeps the flow's chain in
    order."""
    chain: dict[str, np.ndarray | None] = {"img": None, "points": None}

    def ready(grey: np.ndarray, stats: bool) -> Ready:
        work = prepare(grey, area)
        img = np.clip(work.grey, 0, 255).astype(np.uint8)
        flow = Affine.identity()
        if chain["img"] is not None:
            flow, chain["points"] = flow_tracked(chain["img"], img, chain["points"])
        chain["img"] = img
        return work, flow, line_stats(work) if stats else None

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future[Ready] | None = None
        for n, i in enumerate(order):
            upcoming = pool.submit(ready, to_grey(frames(i)), n == 0 or every_stats)
            if pending is not None:
                yield pending.result()
            pending = upcoming
        if pending is not None:
            yield pending.result()
