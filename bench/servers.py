"""Gunicorn servers for the benchmarks: started on a checked free port in their own process group,
and stopped (the whole group) when the run ends, however it ends."""
from __future__ import annotations

import atexit
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_running: set[subprocess.Popen] = set()


def free_port() -> int:
    """A port nobody listens on: the kernel picks it for a socket bound to port 0."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(target: str, port: int, url: str, workdir: Path, workers: int, log: Path,
                 extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """gunicorn with the project's gunicorn.conf.py, serving ``target`` on 127.0.0.1:``port``.

    Ready once gunicorn has logged that it listens on that port (so a port taken in between by
    someone else is an error, not a server we would measure by mistake)."""
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_DIR": str(workdir), "SECRET_KEY": "rush",
           "CONSULT_ENV": "development", "MAIL_BACKEND": "console", "WEB_CONCURRENCY": str(workers),
           "BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT), **(extra_env or {})}
    with log.open("w") as out:  # the server keeps its own copy of the file
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                    target], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    _running.add(process)
    listening = f"Listening at: http://127.0.0.1:{port} "
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            _running.discard(process)
            raise RuntimeError(f"server {target} exited with {process.returncode}; see {log}")
        if listening in log.read_text(errors="replace"):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return process
            except OSError:
                pass
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"server {target} did not start within 90 s; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop gunicorn and everything it started (its process group): TERM, then KILL after 30 s."""
    _running.discard(process)
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(10)


def workers_of(master: subprocess.Popen) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(master.pid)], check=False, capture_output=True, text=True)
    return [int(pid) for pid in result.stdout.split()]


def kill_one_worker(master: subprocess.Popen) -> int | None:
    """SIGKILL one of the master's workers (gunicorn starts a replacement)."""
    children = workers_of(master)
    if not children:
        return None
    victim = random.choice(children)
    os.kill(victim, signal.SIGKILL)
    return victim


@atexit.register
def _stop_all() -> None:
    for process in list(_running):
        stop_server(process)
