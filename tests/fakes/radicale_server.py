"""A real Radicale CalDAV server on loopback, and a fault-injecting proxy in front of it.

The CalDAV connector is tested against a real server rather than a fake, because CalDAV servers
differ in the details (expansion, etags, preconditions) and Radicale is small enough to start
per test module. `running_radicale()` starts `python -m radicale` in a subprocess on 127.0.0.1
with a free port, a temporary storage folder and htpasswd (plain) or no authentication, waits
until it answers, and stops it on exit:

    with running_radicale({"alice": "secret"}) as server:
        server.url                        # http://127.0.0.1:PORT/
        server.principal_url("alice")     # http://127.0.0.1:PORT/alice/

Radicale never sends 429s or times out on demand, so `FaultProxy` sits between the client and
the server and plays scripted faults (status + Retry-After, or a delay) before forwarding, and
can rewrite request bodies (e.g. drop <C:expand> to play a server that does not expand):

    with FaultProxy(server.url) as proxy:
        proxy.script(Fault(429, retry_after="3"), Fault(503))
        ...  # point the connector at proxy.url
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class RadicaleServer:
    """A running Radicale: its base URL, users (name -> password) and storage folder."""

    url: str
    port: int
    users: dict[str, str]
    storage: Path

    def principal_url(self, user: str) -> str:
        return f"{self.url}{user}/"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running_radicale(users: dict[str, str] | None = None) -> Iterator[RadicaleServer]:
    """Start Radicale (htpasswd auth when `users` is given, else none); stop it on exit."""
    folder = Path(tempfile.mkdtemp(prefix="radicale-"))
    try:
        for attempt in range(3):  # a free port can be taken between probe and bind: retry
            port = free_port()
            process = _spawn(folder, port, users)
            try:
                if _wait_until_up(process, port):
                    break
            except BaseException:
                _stop(process)
                raise
            _stop(process)
            if attempt == 2:
                log = (folder / "radicale.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Radicale did not start on 127.0.0.1:{port}:\n{log}")
        try:
            yield RadicaleServer(f"http://{LOOPBACK}:{port}/", port, dict(users or {}), folder)
        finally:
            _stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _spawn(folder: Path, port: int, users: dict[str, str] | None) -> subprocess.Popen[bytes]:
    storage = folder / "collections"
    storage.mkdir(exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "radicale",
        "--config",
        "",  # read no system or user config file
        "--server-hosts",
        f"{LOOPBACK}:{port}",
        "--storage-filesystem-folder",
        str(storage),
        "--web-type",
        "none",
        "--logging-level",
        "warning",
        "--auth-delay",
        "0",  # a refused login answers at once (the default waits a second)
    ]
    if users is not None:
        htpasswd = folder / "users"
        htpasswd.write_text("".join(f"{name}:{secret}\n" for name, secret in users.items()))
        args += [
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(htpasswd),
            "--auth-htpasswd-encryption",
            "plain",
            "--rights-type",
            "owner_only",
        ]
    else:
        args += ["--auth-type", "none", "--rights-type", "authenticated"]
    log = (folder / "radicale.log").open("ab")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADICALE")}
    try:
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    finally:
        log.close()


def _wait_until_up(process: subprocess.Popen[bytes], port: int) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=1)
        try:
            connection.request("OPTIONS", "/")
            connection.getresponse().read()
            return True
        except OSError:
            time.sleep(0.02)
        finally:
            connection.close()
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass(frozen=True)
class Fault:
    """One scripted answer: a status (with Retry-After and a body), or a delay, then forward.

    It is consumed by the first request whose method is in `methods` (any when None), whose
    path contains `path` and whose body contains `match` (each: any when None).
    """

    status: int | None = None
    retry_after: str | None = None
    delay_s: float = 0.0
    methods: frozenset[str] | None = None
    path: str | None = None
    match: bytes | None = None
    body: bytes = b"scripted fault\n"
    content_type: str = "text/plain; charset=utf-8"


@dataclass
class _ProxyState:
    upstream: urllib.parse.SplitResult
    faults: deque[Fault] = field(default_factory=deque)
    rewrite: Callable[[str, bytes], bytes] | None = None
    log: list[tuple[str, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, method: str, path: str, body: bytes) -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if (
                    (fault.methods is None or method in fault.methods)
                    and (fault.path is None or fault.path in path)
                    and (fault.match is None or fault.match in body)
                ):
                    del self.faults[index]
                    return fault
            return None


class FaultProxy:
    """A reverse proxy on loopback that forwards to `upstream` after playing scripted faults.

    `log` records (method, path, status) of every request the proxy answered, faults included.
    """

    def __init__(self, upstream: str) -> None:
        self.state = _ProxyState(urllib.parse.urlsplit(upstream))
        handler = type("Handler", (_ProxyHandler,), {"state": self.state})
        self.server = ThreadingHTTPServer((LOOPBACK, 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def script(self, *faults: Fault) -> None:
        with self.state.lock:
            self.state.faults.extend(faults)

    def rewrite_requests(self, rewrite: Callable[[str, bytes], bytes] | None) -> None:
        """Change request bodies (method, body) -> body before forwarding (None: stop)."""
        with self.state.lock:
            self.state.rewrite = rewrite

    @property
    def log(self) -> list[tuple[str, str, int]]:
        with self.state.lock:
            return list(self.state.log)

    def pending(self) -> int:
        with self.state.lock:
            return len(self.state.faults)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _ProxyHandler(BaseHTTPRequestHandler):
    state: _ProxyState
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `FaultProxy.log` instead."""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = self.state.next_fault(self.command, self.path, body)
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        if fault is not None and fault.status is not None:
            scripted = {"Retry-After": fault.retry_after, "Content-Type": fault.content_type}
            self._answer(fault.status, scripted, fault.body)
            return
        with self.state.lock:
            rewrite = self.state.rewrite
        if rewrite is not None:
            body = rewrite(self.command, body)
        upstream = self.state.upstream
        connection = http.client.HTTPConnection(
            upstream.hostname or LOOPBACK, upstream.port, timeout=30
        )
        try:
            dropped = ("host", "content-length", "transfer-encoding", "connection")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
            headers["Host"] = upstream.netloc
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            passed = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in ("transfer-encoding", "connection", "content-length")
            }
            self._answer(response.status, passed, payload)
        finally:
            connection.close()

    def _answer(self, status: int, headers: Mapping[str, str | None], payload: bytes) -> None:
        with self.state.lock:
            self.state.log.append((self.command, self.path, status))
        try:
            self.send_response(status)
            for key, value in headers.items():
                if value is not None:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test): nothing to answer

    do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = _handle
    do_HEAD = do_POST = do_PROPPATCH = do_MKCOL = do_MKCALENDAR = _handle
