"""A throwaway single-machine Ray cluster for tests and benchmarks: ``ray start --head --block`` in a
session of its own, stopped by ending exactly that session's processes.

(``ray stop`` is not used: it ends every Ray process of the user on the machine, other people's
clusters included.) The cluster uses token authentication with a fresh token that this process puts
in its environment, so drivers started from here (subprocesses included) can join it and nothing is
read from or written to ``~/.ray``.

    with LocalRayCluster(num_cpus=2, env={"PYTHONPATH": checkout}) as cluster:
        run(["synthkit", "synth", ..., "--engine", "ray", "--address", cluster.address])
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Seconds to wait for ``ray start`` to report the cluster up (a hang guard: on a busy machine it can take a
#: minute or more; a start that fails ends the wait at once).
START_TIMEOUT_S = 300
#: Seconds to wait after SIGTERM before SIGKILL.
STOP_GRACE_S = 3
#: Object store size (bytes); small, since stages pass rows, not audio, through Ray.
OBJECT_STORE_BYTES = 200 * 2**20
_STARTED = "Ray runtime started"
_AUTH_VARS = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_USAGE_STATS_ENABLED")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_pids(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


class LocalRayCluster:
    """Start on ``__enter__`` (address ``127.0.0.1:PORT``), stop on ``__exit__``."""

    def __init__(self, num_cpus: int = 2, env: dict[str, str] | None = None) -> None:
        self.num_cpus = num_cpus
        self.extra_env = dict(env or {})
        self.port = 0
        self.temp: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self._saved: dict[str, str | None] = {}

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> LocalRayCluster:
        # short: Ray's unix socket paths under the temp dir must stay below 108 bytes
        self.temp = Path(tempfile.mkdtemp(prefix="skray", dir="/tmp"))
        self.port = free_port()
        auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32), "RAY_USAGE_STATS_ENABLED": "0"}
        self._saved = {k: os.environ.get(k) for k in _AUTH_VARS}
        os.environ.pop("RAY_AUTH_TOKEN_PATH", None)
        os.environ.update(auth)  # drivers started from this process join with the same token
        ray_bin = Path(sys.executable).with_name("ray")
        cmd = [str(ray_bin), "start", "--head", "--block", "--node-ip-address", "127.0.0.1", "--port", str(self.port),
               "--ray-client-server-port", str(free_port()), "--dashboard-agent-listen-port", str(free_port()),
               "--num-cpus", str(self.num_cpus), "--include-dashboard=false", "--disable-usage-stats",
               "--temp-dir", str(self.temp), "--object-store-memory", str(OBJECT_STORE_BYTES)]
        # workers at the machine's normal priority, not Ray's default niceness 15 (see engine.ray.connect)
        env = dict(os.environ, OMP_NUM_THREADS="1", RAY_worker_niceness="0", **self.extra_env)
        # ray start's output goes to a file, never a pipe: with --block, a write to a closed pipe would
        # end `ray start` and, with it, the whole cluster
        self.log_path = self.temp / "ray-start.log"
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            text = self.log_path.read_text(errors="replace")
            if _STARTED in text:
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("ray start failed:\n" + "\n".join(text.splitlines()[-30:]))
            time.sleep(0.2)

    def worker_logs(self) -> set[Path]:
        """Log files of the Ray workers this cluster has started so far."""
        return set(self.temp.glob("session_*/logs/worker-*")) if self.temp else set()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            for sig, wait in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 5)):
                for pid in _session_pids(self.proc.pid):
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass
                end = time.monotonic() + wait
                while _session_pids(self.proc.pid) and time.monotonic() < end:
                    time.sleep(0.2)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        if self.temp is not None:
            shutil.rmtree(self.temp, ignore_errors=True)
            self.temp = None
        for k, v in self._saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved = {}
