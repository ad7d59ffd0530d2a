"""The guard in front of the app: API key, body size and body deadline, security headers. Plain ASGI.

    app = Guard(app, api_key=..., max_body_bytes=..., body_timeout=...)

- ``/v1/`` requests need the API key when one is set (401 otherwise), compared in constant time. Paths are the
  app's own: under a mount's prefix (``/digits/v1/read``) as at the root.
- A body whose ``Content-Length`` is over the limit is refused with 413 before a byte of it is read (a client
  that sent ``Expect: 100-continue``, as curl does for big bodies, never sends it). A chunked body is counted
  as it arrives and refused (``BodyTooLarge``) once it passes the limit. Either way the rest of the body (up to
  4x the limit, within the body deadline) is read and dropped before the answer, so a client that sends its
  whole body before reading (urllib, requests, ...) gets the 413 rather than a broken pipe.
- The whole body must arrive within ``body_timeout`` seconds of the request's start (``BodyTimeout``, 408):
  uvicorn's keep-alive timeout does not time a body that trickles in a byte at a time.
- Every answer gets ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``; the page also
  gets a Content-Security-Policy that allows nothing but this server (no CDN, no inline script).
"""

from __future__ import annotations

import asyncio
import hmac
import json

PAGE_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
    "connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)


class ApiError(Exception):
    """An answer other than 200: ``status``, and a sentence saying what is wrong and what to do.

    ``close``: end the connection after answering (the rest of the body is not worth reading)."""

    def __init__(self, status: int, message: str, *, close: bool = False, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.close = status, message, close
        self.headers = dict(headers or {})
        if close:
            self.headers["connection"] = "close"


class BodyTooLarge(ApiError):
    def __init__(self, limit: int):
        super().__init__(
            413,
            f"the request body is over this server's limit of {limit / 1e6:g} MB; send a smaller "
            "image (downscale it or save it as JPEG), or start the server with a larger "
            "--max-body-mb",
        )


class BodyTimeout(ApiError):
    def __init__(self, seconds: float):
        super().__init__(
            408,
            f"the request body did not arrive within {seconds:g} s; send it whole and promptly "
            "(a slower link needs a server started with a larger --body-timeout)",
            close=True,
        )


DRAIN_FACTOR = 4  # a body over the limit is read and dropped, up to this many times the limit, before the 413


def error_body(message: str) -> bytes:
    return json.dumps({"error": message}, ensure_ascii=False, separators=(",", ":")).encode()  # as app.json_response


def route_path(scope) -> str:
    """The request's path within this app: ``scope["path"]`` without ``root_path``, the prefix of a mount
    (``/digits/v1/read`` is ``/v1/read`` to the app mounted at ``/digits``) or of a proxy (``--root-path``)."""
    path, root = scope["path"], scope.get("root_path", "").rstrip("/")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


class Guard:
    """ASGI middleware; see the module's docstring. ``api_key`` None: no key needed."""

    def __init__(self, app, *, api_key: str | None, max_body_bytes: int, body_timeout: float):
        self.app = app
        self.api_key = api_key.encode() if api_key else None
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = route_path(scope)
        send = self._with_headers(send, page=not path.startswith(("/v1/", "/docs", "/redoc", "/openapi")))
        headers = dict(scope["headers"])  # names are lower-case bytes; a repeated header keeps its last value
        if self.api_key is not None and path.startswith("/v1/") and scope["method"] != "OPTIONS":
            given = self._given_key(headers)
            if given is None or not hmac.compare_digest(given, self.api_key):
                message = (
                    (
                        "this server needs an API key; send it as 'Authorization: Bearer KEY' or 'X-API-Key: "
                        "KEY' (the page asks for it once)"
                    )
                    if given is None
                    else ("the API key is wrong; check it with whoever runs this server and send it again")
                )
                return await self._answer(send, 401, message, {"www-authenticate": 'Bearer realm="edgedigits"'})
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                return await self._answer(
                    send,
                    400,
                    "the Content-Length header is not a number; send a valid request",
                    {"connection": "close"},
                )
            if length > self.max_body_bytes:
                if headers.get(b"expect", b"").lower() != b"100-continue":  # the client is sending it anyway
                    await self._drain(
                        receive,
                        asyncio.get_running_loop().time() + self.body_timeout,
                        DRAIN_FACTOR * self.max_body_bytes,
                    )
                return await self._answer(send, 413, BodyTooLarge(self.max_body_bytes).message)
        await self.app(scope, self._timed_receive(receive), send)

    @staticmethod
    def _given_key(headers: dict) -> bytes | None:
        """The key a request carries (X-API-Key, or Authorization: Bearer), or None."""
        if b"x-api-key" in headers:
            return headers[b"x-api-key"].strip()
        scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
        return token.strip() if scheme.lower() == b"bearer" and token.strip() else None

    def _timed_receive(self, receive):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        received = 0
        done = False

        async def timed():
            nonlocal received, done
            if done:  # the body is in: what follows is the wait for a disconnect, untimed
                return await receive()
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise asyncio.TimeoutError
                message = await asyncio.wait_for(receive(), remaining)
            except asyncio.TimeoutError:
                raise BodyTimeout(self.body_timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    if message.get("more_body", False):
                        await self._drain(receive, deadline, DRAIN_FACTOR * self.max_body_bytes - received)
                    raise BodyTooLarge(self.max_body_bytes)
                done = not message.get("more_body", False)
            return message

        return timed

    @staticmethod
    async def _drain(receive, deadline: float, budget: int) -> None:
        """Read and drop the rest of a body until it ends, ``budget`` bytes have come, or ``deadline`` (loop
        time) passes. A client that sends a whole body before it reads the answer (most do, unless they send
        ``Expect: 100-continue``) then gets the 413 instead of a broken pipe when the server closes on it."""
        loop = asyncio.get_running_loop()
        while budget > 0:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                message = await asyncio.wait_for(receive(), remaining)
            except asyncio.TimeoutError:
                return
            if message["type"] != "http.request":
                return
            budget -= len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    @staticmethod
    def _with_headers(send, page: bool):
        async def sending(message):
            if message["type"] == "http.response.start":
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if page:
                    extra += [(b"content-security-policy", PAGE_CSP.encode()), (b"x-frame-options", b"DENY")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        return sending

    @staticmethod
    async def _answer(send, status: int, message: str, headers: dict | None = None):
        body = error_body(message)
        raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
