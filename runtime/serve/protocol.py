"""uvicorn's HTTP protocol with a deadline for request headers.

uvicorn times out an idle keep-alive connection, but not a client that connects and sends nothing, nor one
that trickles its request line and headers a byte at a time: each would hold a connection open forever (the
"slowloris" attack). Here a request's headers must be complete within ``header_timeout`` seconds of its first
byte (or, for a new connection, of connecting); otherwise the server answers 408 and closes the connection.
A slow *body* is timed by the app (``limits.py``), which knows where the body ends.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.auto import AutoHTTPProtocol  # httptools' parser when installed, else h11's

DEFAULT_HEADER_TIMEOUT = 10.0


def timeout_response(seconds: float) -> bytes:
    body = json.dumps(
        {
            "error": f"the request's headers did not arrive within {seconds:g} s of its first byte; "
            "send each request whole and promptly"
        }
    ).encode()
    return (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
    ) + body


class GuardedHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """AutoHTTPProtocol plus a header deadline. ``config.header_timeout`` (seconds) sets it."""

    def __init__(self, config, *args, **kwargs):
        super().__init__(config, *args, **kwargs)
        self.header_timeout = float(getattr(config, "header_timeout", DEFAULT_HEADER_TIMEOUT))
        self._header_timer = None
        self._cycle_when_armed = None

    def _arm_header_timer(self) -> None:
        self._cycle_when_armed = self.cycle
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_deadline)

    def _header_deadline(self) -> None:
        self._header_timer = None
        if self.cycle is not self._cycle_when_armed:  # a new request's headers arrived in time
            if self.cycle.response_complete and not self.transport.is_closing():
                self._arm_header_timer()  # ... and was answered: time the next one (if any) from here
            return
        if not self.transport.is_closing():
            self.transport.write(timeout_response(self.header_timeout))
            self.transport.close()

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm_header_timer()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)

    def connection_lost(self, exc) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)
