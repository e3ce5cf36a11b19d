"""A real Milvus 2.3.5 standalone server for the tests, reachable from this machine only.

``milvus-server`` (PyPI package ``milvus``) listens on 0.0.0.0 on many ports. So it runs inside a network
namespace of its own (``unshare -rn``: loopback only, no route anywhere), and the tests reach its gRPC port
through a Unix socket: inside the namespace this script relays the socket to 127.0.0.1:19530; outside,
:class:`MilvusServer` listens on 127.0.0.1 (an ephemeral port) and relays to the socket. A fresh namespace per
server also means a restart never meets ports left in TIME_WAIT by the previous one.

Run as a script (inside the namespace): ``python milvus_netns.py DATA_DIR SOCKET``; it prints ``ready`` once
``GET http://127.0.0.1:9091/healthz`` answers, and stops the server when its stdin closes or it gets SIGTERM.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

GRPC_PORT = 19530
HEALTH = "http://127.0.0.1:9091/healthz"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


def _relay(connect):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await connect()
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    return handle


def _loopback_up() -> None:
    """``ip link set lo up`` without needing iproute2: SIOCGIFFLAGS / SIOCSIFFLAGS on lo."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifreq = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, 0x8913, ifreq))[1]
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14x", b"lo", flags | 0x1))
    finally:
        sock.close()


def _inside(data_dir: str, sock_path: str) -> None:
    _loopback_up()
    server = shutil.which("milvus-server") or str(Path(sys.executable).with_name("milvus-server"))
    log = open(Path(data_dir) / "server.log", "ab")
    proc = subprocess.Popen([server, "--data", data_dir], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(*_: object) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    deadline = time.monotonic() + 180
    while True:
        if proc.poll() is not None:
            print(f"milvus-server exited with code {proc.returncode}; see {data_dir}/server.log", flush=True)
            stop()
        try:
            with urllib.request.urlopen(HEALTH, timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            print("milvus-server not healthy after 180 s", flush=True)
            stop()
        time.sleep(0.5)

    async def serve() -> None:
        handler = _relay(lambda: asyncio.open_connection("127.0.0.1", GRPC_PORT))
        server = await asyncio.start_unix_server(handler, path=sock_path)
        print("ready", flush=True)
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    asyncio.run(serve())


class MilvusServer:
    """Start milvus-server in its own network namespace; ``uri`` reaches it through 127.0.0.1 only."""

    def __init__(self, data_dir: Path, timeout: float = 180) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.sock = self.data_dir / "grpc.sock"
        self.sock.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            ["unshare", "-rn", sys.executable, __file__, str(self.data_dir), str(self.sock)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started = time.monotonic()
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.proc.kill()
            raise RuntimeError(f"milvus-server did not start: {line or 'no output'} (after {time.monotonic() - started:.0f}s)")
        self.started_in = time.monotonic() - started
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.port = 0

        def run() -> None:
            handler = _relay(lambda: asyncio.open_unix_connection(str(self.sock)))
            server = self._loop.run_until_complete(asyncio.start_server(handler, host="127.0.0.1", port=0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """Kill the server (and the namespace's relay) at once, as a crash would."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def stop(self) -> None:
        """Kill the server, end the connections still relayed (a client in this process may hold one open) and
        close the relay's loop, so that nothing is left pending for the interpreter's exit to tear down."""
        self.kill()

        async def drain() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(drain(), self._loop).result(30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        if not self._loop.is_running():
            self._loop.close()


if __name__ == "__main__":
    _inside(sys.argv[1], sys.argv[2])
