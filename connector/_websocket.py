"""The market streams' WebSocket: frames handed to a callback as they are parsed.

Why not aiohttp's client here: its ``receive()`` hands over one message per coroutine
resume, through a queue, as a message object. At a flood that handover alone costs
about 45 % of the plain ``receive`` + ``orjson`` loop (``docs/performance.md``), more
than every guarantee the connector adds. ``websockets``' sans-I/O parser costs 2.5 µs
a frame, more than the whole of our stream path. So the market streams (the one hot
path) use this small RFC 6455 client: ``data_received`` parses each complete frame
and calls ``on_message`` with its payload at once. REST and the user-data stream (a
few events a minute) stay on aiohttp.

What it is, and is not: client side, no extensions (Binance offers none), no proxies
(nothing else in the connector has them either). Pings are answered at once; a
fragmented message is joined; a protocol error (a masked server frame, a reserved bit
or opcode, a bad control frame) closes the socket with 1002 and ends it with an error.
A burst does not hold the event loop: after ``slice_seconds`` of work the socket stops
reading, lets the loop run, and goes on from the frame it stopped at.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import ssl
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from .errors import NetworkError

__all__ = ["OnMessage", "ProtocolError", "TakeFirst", "WebSocket", "connect"]

OnMessage = Callable[[bytes], None]  # a whole text or binary message, as bytes
TakeFirst = Callable[[bytes], bool]  # tried first on each message; True: taken
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HEAD = 64 * 1024  # the upgrade response's headers
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
_WHOLE_TEXT = 0x80 | TEXT  # a whole text message: FIN set, no reserved bits
# A slice looks at the clock every ~2 KB parsed: about every 13 bookTicker frames (Binance
# sends none much smaller), after every large one (a depth update).
_CHECK_BYTES = 2048


class ProtocolError(NetworkError):
    """The server broke RFC 6455: the socket is closed with 1002."""


class WebSocket(asyncio.Protocol):
    """One client connection. Made by ``connect``; ``ended`` resolves when it is over."""

    def __init__(self, on_message: OnMessage, *, first: TakeFirst | None,
                 slice_seconds: float, close_timeout: float) -> None:
        self.on_message = on_message
        self.first = first or _declines
        self.slice_seconds = slice_seconds
        self.close_timeout = close_timeout
        self.activity = 0  # counts the parses of received bytes: the watchdog's signal
        self.close_code: int | None = None
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        # why the socket ended ("closed by the exchange (code 1000)"), or the error
        # (a handler's bug, a protocol error) that ended it
        self.ended: asyncio.Future[str] = loop.create_future()
        self._lost: asyncio.Future[None] = loop.create_future()
        self._transport: asyncio.Transport | None = None
        self._key = ""
        self._head = b""  # the upgrade response until it is whole
        self._upgraded = False
        self._buf, self._pos = b"", 0  # bytes being parsed, and how far
        self._chunks: list[bytes] = []  # bytes received after them
        self._buffered = 0  # bytes not yet parsed, in both
        self._need = 2  # bytes the next frame needs before it can be parsed
        self._paused = False  # a slice ran out: the rest waits for the next loop turn
        self._fragments: list[bytes] = []  # a fragmented message's parts so far
        self._close_sent = False

    @property
    def closed(self) -> bool:
        return self._close_sent or self.ended.done()

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if not self._lost.done():
            self._lost.set_result(None)
        if not self.opened.done():
            self.opened.set_exception(NetworkError("connection closed during the handshake"))
        self._end("connection lost")  # a close frame has ended it already, with its code

    def data_received(self, data: bytes) -> None:
        if not self._upgraded:
            data = self._handshake(data)
            if not data:
                return
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered >= self._need and not self._paused:
            self._parse()

    def eof_received(self) -> bool | None:
        return False  # close the transport: connection_lost ends the socket

    # -- handshake ---------------------------------------------------------------------------

    def send_upgrade(self, host: str, target: str) -> None:
        self._key = base64.b64encode(os.urandom(16)).decode()
        assert self._transport is not None
        self._transport.write(
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self._key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n".encode())

    def _handshake(self, data: bytes) -> bytes:
        """Read the upgrade response; returns the bytes after it (the first frames)."""
        head = self._head + data
        end = head.find(b"\r\n\r\n")
        if end < 0:
            self._head = head
            if len(head) > _MAX_HEAD:
                self._refuse("the upgrade response's headers are too long")
            return b""
        lines = head[:end].decode("latin-1").split("\r\n")
        status = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:])}
        expected = base64.b64encode(hashlib.sha1(self._key.encode() + _GUID).digest()).decode()
        if len(status) < 2 or status[1] != "101":
            self._refuse(f"the server refused the WebSocket upgrade: HTTP {' '.join(status[1:])}")
        elif headers.get("upgrade", "").lower() != "websocket":
            self._refuse("the upgrade response is not for a WebSocket")
        elif headers.get("sec-websocket-accept") != expected:
            self._refuse("the upgrade response has a wrong Sec-WebSocket-Accept")
        elif headers.get("sec-websocket-extensions"):
            self._refuse("the server chose an extension the client did not offer")
        else:
            self._upgraded = True
            self._head = b""
            if not self.opened.done():  # not given up on (a timeout) meanwhile
                self.opened.set_result(None)
            return head[end + 4:]
        return b""

    def _refuse(self, why: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(NetworkError(why))
        if self._transport is not None:
            self._transport.abort()

    # -- frames in ---------------------------------------------------------------------------

    def _parse(self) -> None:
        """Parse and deliver every complete frame buffered, in order, until a slice ends.

        The loop is the connector's hottest code: a whole text frame (Binance sends
        nothing else at volume) costs a few comparisons and one slice before its handler.
        """
        if self._chunks:  # a new read: join it to what is left (a part of a frame)
            chunks, self._chunks = self._chunks, []
            if self._pos < len(self._buf):
                chunks.insert(0, self._buf[self._pos:])
            buf, pos = chunks[0] if len(chunks) == 1 else b"".join(chunks), 0
        else:  # a slice goes on where the last one stopped
            buf, pos = self._buf, self._pos
        end = len(buf)
        on_message, first = self.on_message, self.first
        clock, budget = time.perf_counter, self.slice_seconds
        began = clock()
        check = _CHECK_BYTES  # look at the clock once this many bytes are parsed
        need = 2  # bytes the frame at ``pos`` needs to be whole, as far as its header says
        try:
            while end - pos >= 2:
                size = buf[pos + 1]
                if size < 126:
                    start = pos + 2
                elif size == 126:
                    start = pos + 4
                    if start > end:
                        need = 4
                        break
                    size = buf[pos + 2] << 8 | buf[pos + 3]
                elif size == 127:
                    start = pos + 10
                    if start > end:
                        need = 10
                        break
                    size = int.from_bytes(buf[pos + 2:start], "big")
                else:
                    raise ProtocolError("the server sent a masked frame")
                stop = start + size
                if stop > end:
                    need = stop - pos
                    break
                head, pos = buf[pos], stop
                if head == _WHOLE_TEXT:  # the hot path
                    payload = buf[start:stop]
                    if not first(payload):
                        on_message(payload)
                else:
                    self._other_frame(head, buf[start:stop])
                    if self.ended.done():
                        return
                if pos > check:
                    if clock() - began > budget:
                        self._pause()
                        break
                    check = pos + _CHECK_BYTES
        except Exception as exc:
            self._fail(exc)
            return
        finally:
            self.activity += 1
        self._buf, self._pos, self._buffered, self._need = buf, pos, end - pos, need

    def _deliver(self, payload: bytes) -> None:
        if not self.first(payload):
            self.on_message(payload)

    def _other_frame(self, head: int, payload: bytes) -> None:
        """A control frame, a fragment, or a protocol error."""
        fin, opcode = head & 0x80, head & 0x0F
        if head & 0x70:
            raise ProtocolError("the server set a reserved bit (no extension was agreed)")
        if opcode >= CLOSE:
            if not fin or len(payload) > 125:
                raise ProtocolError("the server sent a fragmented or oversized control frame")
            if opcode == PING:
                self._send(PONG, payload)
            elif opcode == CLOSE:
                self._closed_by_peer(payload)
            elif opcode != PONG:
                raise ProtocolError(f"the server sent an unknown opcode {opcode}")
        elif opcode in (TEXT, BINARY):
            if self._fragments:
                raise ProtocolError("the server began a message inside another")
            if fin:
                self._deliver(payload)
            else:
                self._fragments = [payload]
        elif opcode == 0:
            if not self._fragments:
                raise ProtocolError("the server sent a continuation of no message")
            self._fragments.append(payload)
            if fin:
                whole, self._fragments = b"".join(self._fragments), []
                self._deliver(whole)
        else:
            raise ProtocolError(f"the server sent an unknown opcode {opcode}")

    def _closed_by_peer(self, payload: bytes) -> None:
        self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
        if not self._close_sent:
            self._send(CLOSE, payload[:2])
            self._close_sent = True
        if self._transport is not None:
            self._transport.close()
        self._end(f"closed by the exchange (code {self.close_code})")

    def _pause(self) -> None:
        self._paused = True
        if self._transport is not None:
            self._transport.pause_reading()
        asyncio.get_running_loop().call_soon(self._resume)

    def _resume(self) -> None:
        self._paused = False
        if self.ended.done():
            return
        if self._buffered >= self._need:
            self._parse()
        if not self._paused and self._transport is not None:
            self._transport.resume_reading()

    # -- frames out --------------------------------------------------------------------------

    def _send(self, opcode: int, payload: bytes) -> None:
        if self._transport is None or self._close_sent:
            raise NetworkError("the stream socket is closed")
        n = len(payload)
        mask = os.urandom(4)
        masked = (int.from_bytes(payload, "big") ^
                  int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
        if n < 126:
            head = bytes((0x80 | opcode, 0x80 | n))
        elif n < 1 << 16:
            head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
        self._transport.write(head + mask + masked)

    def send_text(self, text: str) -> None:
        self._send(TEXT, text.encode())

    def ping(self) -> None:
        self._send(PING, b"")

    async def close(self, code: int = 1000) -> None:
        """Send a close frame, wait (``close_timeout`` at most) for the server's, hang up."""
        if self._transport is not None and not self._close_sent:
            self._send(CLOSE, code.to_bytes(2, "big"))
            self._close_sent = True
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.close_timeout):  # not wait_for: tests/test_no_wait_for.py
                    await asyncio.shield(self._lost)
        if self._transport is not None:
            self._transport.abort()
            await asyncio.shield(self._lost)
        self._end("closed")

    # -- ending ------------------------------------------------------------------------------

    def _fail(self, exc: Exception) -> None:
        """A protocol error or a handler's bug: close the socket, end with the error."""
        if isinstance(exc, ProtocolError) and self._transport is not None:
            with contextlib.suppress(NetworkError):
                self._send(CLOSE, (1002).to_bytes(2, "big"))
            self._close_sent = True
        if not self.ended.done():
            self.ended.set_exception(exc)
        if self._transport is not None:
            self._transport.close()  # after what is buffered (the close frame) is sent

    def _end(self, reason: str) -> None:
        if not self.ended.done():
            self.ended.set_result(reason)


def _declines(payload: bytes) -> bool:
    return False


_default_context: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """The system's trust store, loaded once (it takes tens of ms)."""
    global _default_context
    if _default_context is None:
        _default_context = ssl.create_default_context()
    return _default_context


async def connect(url: str, on_message: OnMessage, *, first: TakeFirst | None = None,
                  timeout: float, slice_seconds: float, close_timeout: float = 2.0,
                  ssl_context: ssl.SSLContext | None = None) -> WebSocket:
    """Open ``ws://`` or ``wss://`` ``url``; every message then goes to ``on_message``.

    ``first``, if given, is tried on each message before ``on_message``, which gets the
    messages it declines. Raises ``NetworkError`` if it cannot connect, the upgrade is
    refused (the HTTP status is in the message: 429 and 418 are Binance's connection
    limits), or ``timeout`` passes.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise NetworkError(f"not a WebSocket URL: {url!r}")
    secure = parts.scheme == "wss"
    port = parts.port or (443 if secure else 80)
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    context = (ssl_context or _ssl_context()) if secure else None
    loop = asyncio.get_running_loop()
    sock: WebSocket | None = None
    try:
        async with asyncio.timeout(timeout):
            _, sock = await loop.create_connection(
                lambda: WebSocket(on_message, first=first, slice_seconds=slice_seconds,
                                  close_timeout=close_timeout),
                parts.hostname, port, ssl=context)
            sock.send_upgrade(host, target)
            await sock.opened
    except TimeoutError:
        if sock is not None and sock._transport is not None:
            sock._transport.abort()
        raise NetworkError(f"no WebSocket from {parts.hostname} within {timeout:g} s") from None
    except OSError as exc:
        raise NetworkError(f"cannot connect to {parts.hostname}:{port} ({exc})") from exc
    return sock
