"""A handled 500 or 503 ends with its problem response, and the client's keep-alive
connection stays open for its next request (a real server: only it can close one)."""

from __future__ import annotations

import socket

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.app import create_app, load_services
from backend.testing.live import serve


def _request(connection: socket.socket, path: str) -> tuple[int, dict[str, str], bytes]:
    connection.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = connection.recv(65536)
        assert chunk, f"the server closed the connection instead of answering {path}"
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    while len(body) < int(headers["content-length"]):
        body += connection.recv(65536)
    return int(status_line.split()[1]), headers, body


@pytest.fixture(scope="module")
def failing_server(settings):
    app = create_app(settings, load_services(["api"]), name="api")

    async def broken() -> None:
        raise RuntimeError("a bug")

    async def unreachable() -> None:
        raise RedisConnectionError("Connection refused")

    app.add_api_route("/test/broken", broken)
    app.add_api_route("/test/unreachable", unreachable)
    with serve(app) as url:
        yield url


@pytest.mark.parametrize(("path", "status"), [("/test/broken", 500), ("/test/unreachable", 503)])
def test_the_connection_stays_open_after_a_handled_error(failing_server, path, status):
    port = int(failing_server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        code, headers, body = _request(connection, path)
        assert code == status
        assert headers["content-type"] == "application/problem+json"
        assert headers.get("connection") != "close"
        assert b'"status":%d' % status in body
        again, _, _ = _request(connection, "/health/live")
        assert again == 200
