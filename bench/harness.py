"""What the server benchmarks share: a free port, and the real app under uvicorn.

``start_server`` runs the same app factory ``wendu serve`` runs, in its own process, and
returns once ``/health`` answers; ``stop_server`` stops it with SIGINT so its audit buffer
is flushed, as in production.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    port: int, settings: Mapping[str, str | None], *, workers: int = 1, wait: float = 60
) -> subprocess.Popen[bytes]:
    """Start the app on ``port`` and wait (``wait`` s at most) until ``/health`` answers.

    ``settings`` are environment variables for the server on top of this process's own;
    a None value removes the variable (e.g. ``WENDU_REDIS_URL`` for the in-process limiter).
    """
    env = dict(os.environ)
    for name, value in settings.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    command = [sys.executable, "-m", "uvicorn", "wendu.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    if workers != 1:
        command += ["--workers", str(workers)]
    command += ["--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env)
    deadline = time.time() + wait
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the server did not become healthy within {wait:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the server gracefully (its audit buffer is flushed on shutdown)."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
