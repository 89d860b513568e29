"""Run hostile inputs through ``us-annotator info`` and ``open_media(...).frame()``, one child each.

Usage: ``python forkrun.py OUT.jsonl FILE...``. This process imports the app once, then forks a
child per input and check, with a memory limit (RLIMIT_AS) and a time limit (alarm + a kill
from the parent), so a native abort, a hang or a memory blow-up shows as a signal or a
timeout of that child only. One JSON line per input and check: status (exit code, or minus
the signal), timed_out, and the child's stderr.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time

MEMORY_LIMIT = 3 * 1024**3
TIME_LIMIT_S = 30.0


def _check_info(path: str) -> int:
    from annotator.cli import main

    return main(["info", "--json", path])


def _check_frame(path: str) -> int:
    from annotator.media import MediaError, open_media

    try:
        media = open_media(path)
        try:
            media.frame(0)
            if media.frame_count > 1:
                media.frame(media.frame_count - 1)
        finally:
            media.close()
    except MediaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # exactly what the check catches: anything but MediaError
        print(f"UNEXPECTED {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    return 0


CHECKS = {"info": _check_info, "frame": _check_frame}


def _child(check: str, path: str, err_fd: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    signal.alarm(int(TIME_LIMIT_S) + 1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(err_fd, 2)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(2, "w", closefd=False)  # noqa: SIM115
    try:
        rc = CHECKS[check](path)
    except BaseException:
        import traceback

        traceback.print_exc()
        rc = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


def run_one(check: str, path: str) -> dict[str, object]:
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(check, path, err.fileno())
        timed_out = False
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - start > TIME_LIMIT_S + 5:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                break
            time.sleep(0.01)
        code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return {"path": path, "check": check, "status": code, "timed_out": timed_out,
            "stderr": text, "seconds": round(time.monotonic() - start, 2)}


def main(argv: list[str]) -> int:
    out, files = argv[0], argv[1:]
    import annotator.cli.info_cmd  # noqa: F401  (imported once, before forking)
    import annotator.media.dicom  # noqa: F401

    with open(out, "w", encoding="utf-8") as fp:
        for path in files:
            for check in CHECKS:
                fp.write(json.dumps(run_one(check, path)) + "\n")
                fp.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
