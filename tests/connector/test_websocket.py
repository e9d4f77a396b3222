"""The market streams' WebSocket client (``connector._websocket``) against a server on
loopback that writes RFC 6455 bytes by hand: splits, fragments, control frames, errors."""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import ipaddress
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from connector._websocket import ProtocolError, WebSocket, connect
from connector.errors import NetworkError

from .helpers import until

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def frame(payload: bytes, head: int = 0x81) -> bytes:
    """A server frame: unmasked, ``head`` = FIN/reserved bits + opcode."""
    n = len(payload)
    if n < 126:
        return bytes((head, n)) + payload
    if n < 1 << 16:
        return bytes((head, 126)) + n.to_bytes(2, "big") + payload
    return bytes((head, 127)) + n.to_bytes(8, "big") + payload


async def client_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one client frame; it must be masked. Returns (head, unmasked payload)."""
    head, second = await reader.readexactly(2)
    assert second & 0x80, "client frames must be masked"
    n = second & 0x7F
    if n == 126:
        n = int.from_bytes(await reader.readexactly(2), "big")
    elif n == 127:
        n = int.from_bytes(await reader.readexactly(8), "big")
    mask = await reader.readexactly(4)
    data = await reader.readexactly(n)
    return head, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def answer_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """What a server does at the end: read until the client's close, and echo it."""
    while True:
        head, payload = await client_frame(reader)
        if head == 0x88:
            writer.write(frame(payload, 0x88))
            return


@asynccontextmanager
async def server(script: Script, *, status: str = "101 Switching Protocols",
                 accept: str | None = None,
                 tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """A one-script WebSocket server on 127.0.0.1; yields its ws:// (or wss://) URL."""
    done: list[asyncio.Task[None]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        done.append(asyncio.current_task())  # type: ignore[arg-type]
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        key = next(line.split(":", 1)[1].strip() for line in head.split("\r\n")
                   if line.lower().startswith("sec-websocket-key:"))
        good = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        writer.write(f"HTTP/1.1 {status}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Accept: {accept or good}\r\n\r\n".encode())
        try:
            await script(reader, writer)
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/stream?streams=a@bookTicker"
    finally:
        srv.close()
        for task in done:
            task.cancel()
        await srv.wait_closed()


async def open_socket(url: str, got: list[bytes],
                      **kwargs: object) -> WebSocket:
    return await connect(url, got.append, timeout=5, slice_seconds=0.001,
                         **kwargs)  # type: ignore[arg-type]


async def test_frames_split_anywhere_arrive_whole_and_in_order() -> None:
    messages = [b"x" * 5, b"y" * 200, b"z" * 70_000, b'{"e":"a"}', b""]
    wire = b"".join(frame(m) for m in messages[:3]) + frame(messages[3], 0x82) + frame(b"")

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in range(0, len(wire), 7):  # 7 bytes a write: headers and lengths split too
            writer.write(wire[i:i + 7])
            if i % 700 == 0:
                await writer.drain()
                await asyncio.sleep(0)
        await answer_close(reader, writer)

    got: list[bytes] = []
    async with server(script) as url:
        ws = await open_socket(url, got)
        await until(lambda: len(got) == len(messages))
        assert got == messages
        await ws.close()


async def test_a_fragmented_message_is_joined_and_a_ping_inside_it_answered() -> None:
    pong: list[tuple[int, bytes]] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(b'{"a":', 0x01) + frame(b"hi", 0x89) + frame(b"1}", 0x80))
        pong.append(await client_frame(reader))
        await answer_close(reader, writer)

    got: list[bytes] = []
    async with server(script) as url:
        ws = await open_socket(url, got)
        await until(lambda: got and pong)
        assert got == [b'{"a":1}']
        assert pong == [(0x8A, b"hi")]  # a pong with the ping's payload, masked
        await ws.close()


async def test_a_close_from_the_server_is_answered_and_ends_the_socket() -> None:
    answer: list[tuple[int, bytes]] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(b"last") + frame((1001).to_bytes(2, "big") + b"bye", 0x88))
        answer.append(await client_frame(reader))

    got: list[bytes] = []
    async with server(script) as url:
        ws = await open_socket(url, got)
        reason = await asyncio.wait_for(ws.ended, 5)
    assert reason == "closed by the exchange (code 1001)" and ws.close_code == 1001
    assert got == [b"last"] and answer == [(0x88, (1001).to_bytes(2, "big"))]


async def test_our_close_is_masked_and_clean_and_text_goes_out_masked() -> None:
    seen: list[tuple[int, bytes]] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await client_frame(reader))
        seen.append(await client_frame(reader))
        writer.write(frame(seen[-1][1], 0x88))  # echo the close

    async with server(script) as url:
        ws = await open_socket(url, [])
        ws.send_text('{"method":"SUBSCRIBE","params":["' + "a" * 300 + '"],"id":1}')
        await asyncio.wait_for(ws.close(), 5)
        assert ws.closed
        with pytest.raises(NetworkError, match="closed"):
            ws.send_text("late")
    assert seen[0][0] == 0x81 and seen[0][1].startswith(b'{"method":"SUBSCRIBE"')
    assert seen[1] == (0x88, (1000).to_bytes(2, "big"))


async def test_a_cancel_as_the_connection_ends_in_a_close_reaches_the_task() -> None:
    """The app quitting cancels a stream's task while its socket closes. If the
    connection ends at that moment, the cancel must still reach the task (``wait_for``
    returned instead, and the stream reconnected while the window waited for it)."""
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await client_frame(reader)  # our close frame; no answer
        await reader.read()

    async with server(script) as url:
        ws = await open_socket(url, [])
        transport = ws._transport
        assert transport is not None
        closing = asyncio.create_task(ws.close())
        await until(lambda: ws._close_sent, what="our close frame sent")
        ws.connection_lost(None)  # the connection ends ...
        closing.cancel()  # ... as the cancel comes
        with pytest.raises(asyncio.CancelledError):
            await closing
        transport.abort()


@pytest.mark.parametrize("bad, why", [
    (bytes((0x81, 0x85)) + b"\x00" * 9, "masked"),
    (frame(b"x", 0xC1), "reserved bit"),
    (frame(b"x", 0x83), "unknown opcode"),
    (frame(b"x", 0x80), "continuation of no message"),
    (frame(b"x" * 130, 0x89), "oversized control frame"),
    (frame(b"x", 0x01) + frame(b"y", 0x01), "inside another"),
])
async def test_a_protocol_error_closes_with_1002_and_ends_with_it(bad: bytes, why: str) -> None:
    closes: list[tuple[int, bytes]] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(b"before") + bad + frame(b"after"))
        closes.append(await client_frame(reader))

    got: list[bytes] = []
    async with server(script) as url:
        ws = await open_socket(url, got)
        with pytest.raises(ProtocolError, match=why):
            await asyncio.wait_for(ws.ended, 5)
        await until(lambda: closes)
    assert got == [b"before"]  # nothing after the error is delivered
    assert closes == [(0x88, (1002).to_bytes(2, "big"))]


@pytest.mark.parametrize("status, accept, why", [
    ("429 Too Many Requests", None, "refused the WebSocket upgrade: HTTP 429 Too Many Requests"),
    ("101 Switching Protocols", "d3Jvbmc=", "wrong Sec-WebSocket-Accept"),
])
async def test_a_refused_or_false_upgrade_is_a_network_error(status: str, accept: str | None,
                                                             why: str) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await answer_close(reader, writer)

    async with server(script, status=status, accept=accept) as url:
        with pytest.raises(NetworkError, match=why):
            await open_socket(url, [])


async def test_nothing_listening_is_a_network_error() -> None:
    srv = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    srv.close()
    await srv.wait_closed()
    with pytest.raises(NetworkError, match=f"cannot connect to 127.0.0.1:{port}"):
        await open_socket(f"ws://127.0.0.1:{port}/ws", [])


async def test_a_server_that_never_upgrades_times_out_as_a_network_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # takes the request, never answers

    srv = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        with pytest.raises(NetworkError, match=re.escape("no WebSocket from 127.0.0.1 within 0.2 s")):
            await connect(f"ws://127.0.0.1:{port}/ws", [].append, timeout=0.2,
                          slice_seconds=0.001)
    finally:
        srv.close()
        await srv.wait_closed()


async def test_a_bug_in_the_handler_ends_the_socket_with_that_bug() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(b"1") + frame(b"2") + frame(b"3"))
        await answer_close(reader, writer)

    got: list[bytes] = []

    def handler(payload: bytes) -> None:
        got.append(payload)
        if payload == b"2":
            raise RuntimeError("a bug of ours")

    async with server(script) as url:
        ws = await connect(url, handler, timeout=5, slice_seconds=0.001)
        with pytest.raises(RuntimeError, match="a bug of ours"):
            await asyncio.wait_for(ws.ended, 5)
    assert got == [b"1", b"2"]


async def test_wss_speaks_tls_and_checks_the_certificate(tmp_path: Path) -> None:
    server_tls, client_tls = tls_pair(tmp_path)

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(frame(b"secret"))
        await answer_close(reader, writer)

    got: list[bytes] = []
    async with server(script, tls=server_tls) as url:
        assert url.startswith("wss://")
        ws = await open_socket(url, got, ssl_context=client_tls)
        await until(lambda: got)
        assert got == [b"secret"]
        await ws.close()
        with pytest.raises(NetworkError):  # the system's trust store does not know it
            await open_socket(url, [])


def tls_pair(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: the server's context and a client's that
    trusts it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    client_tls = ssl.create_default_context(cafile=str(cert_file))
    return server_tls, client_tls
