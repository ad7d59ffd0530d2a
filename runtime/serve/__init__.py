"""``edgedigits serve``: the reader over HTTP, and a web page at ``/`` (extra ``[serve]``: FastAPI + uvicorn).

    from edgedigits.runtime.serve import ServeConfig, create_app, run

    run(ServeConfig(port=8000))               # what `edgedigits serve --port 8000` does; blocks until Ctrl-C
    app = create_app(ServeConfig())           # the ASGI app, to run under another ASGI server

The API (JSON in and out; see ``/docs`` on a running server, or ``app.py``):

    POST /v1/read?single=false&min_confidence=0.5   one image: raw bytes, or a multipart file field
    POST /v1/read/batch                             several images as multipart file fields
    GET  /v1/models                                 the loaded model and the shipped ones
    GET  /healthz                                   {"status": "ok", ...}
    GET  /                                          the page: draw, drop or pick an image, webcam

A reading answers the ``classify`` record (``path``, ``text``, ``digits[{digit, confidence, box}]``) plus
``timings_ms``. Every error answers ``{"error": "<what is wrong and what to do>"}`` with its status (400, 401,
408, 413, 415, 422).

Importing this package costs nothing: FastAPI and uvicorn are imported by ``create_app`` and ``run``, so
``edgedigits classify`` never loads them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import socket
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..reader import DigitReader

__all__ = ["ServeConfig", "ServeError", "create_app", "run", "is_loopback", "API_KEY_ENV"]

API_KEY_ENV = "EDGEDIGITS_API_KEY"
CONFIG_ENV = "EDGEDIGITS_SERVE_CONFIG"  # hands the settings to uvicorn's worker processes (--workers > 1)
MIN_KEY_LENGTH = 16
READER_MAX_PIXELS = 64_000_000  # images.MAX_PIXELS (a test checks they agree), without importing OpenCV here


class ServeError(ValueError):
    """A setting the server refuses to start with. The message says what to change."""


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``edgedigits serve`` can be told. Sizes in bytes and pixels, times in seconds.

    ``host``: the address to listen on; anything but loopback (127.0.0.0/8, ::1, localhost) requires
    ``api_key``. ``workers``: server processes, each with its own model session (each uses about one core).
    ``threads``: reading threads per process (None: 1). ``api_key``: when set, every ``/v1/``
    request must carry it (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``). ``cors_origins``: origins
    whose pages may call the API from a browser (CORS is off when empty). ``max_body_bytes``: larger bodies get
    413. ``max_pixels``: larger images get 413 (read from the header, before decoding). ``max_batch``: images
    per ``/v1/read/batch`` request. ``body_timeout``: a request body must arrive within this (408 after);
    ``header_timeout``: a request's headers must arrive within this of its first byte (or of connecting).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    model: str | None = None
    workers: int = 1
    threads: int | None = None
    api_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 20 * 1000 * 1000
    max_pixels: int = 40_000_000
    max_batch: int = 64
    body_timeout: float = 30.0
    header_timeout: float = 10.0
    log_level: str = "info"
    access_log: bool = True

    def reading_threads(self) -> int:
        """Reading threads per process: ``threads``, else 1 (see app.py: more threads in one process cost
        more CPU per image for little gain, as the image stages hold the GIL; more processes do scale)."""
        return self.threads if self.threads is not None else 1

    def check(self) -> "ServeConfig":
        """Return self, or raise ServeError naming the setting to change."""
        if not is_loopback(self.host) and not self.api_key:
            raise ServeError(
                f"--host {self.host} makes the server reachable from other machines, so it needs an API key: "
                f"pass --api-key KEY or set {API_KEY_ENV} (make one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe())'), or keep the default --host 127.0.0.1.")
        if self.api_key is not None and len(self.api_key) < MIN_KEY_LENGTH:
            raise ServeError(f"the API key is {len(self.api_key)} characters long; use at least {MIN_KEY_LENGTH} "
                             "(python -c 'import secrets; print(secrets.token_urlsafe())' makes a good one).")
        if self.api_key is not None and not all(33 <= ord(c) < 127 for c in self.api_key):
            raise ServeError("the API key must be printable ASCII without spaces (it travels in an HTTP header).")
        if not 0 <= self.port <= 65535:
            raise ServeError(f"--port {self.port} is not a TCP port; pick one from 1 to 65535.")
        for name, value in (("--workers", self.workers), ("--max-batch", self.max_batch),
                            ("--threads", self.threads if self.threads is not None else 1)):
            if value < 1:
                raise ServeError(f"{name} must be at least 1, got {value}.")
        if self.max_body_bytes < 1024:
            raise ServeError(f"--max-body-mb gives {self.max_body_bytes} bytes; allow at least 1 KB.")
        if not 1 <= self.max_pixels <= READER_MAX_PIXELS:
            raise ServeError(f"--max-megapixels must be above 0 and at most {READER_MAX_PIXELS / 1e6:.0f} (the reader's "
                             f"own limit), got {self.max_pixels / 1e6:g}.")
        if self.body_timeout <= 0 or self.header_timeout <= 0:
            raise ServeError("timeouts must be positive numbers of seconds.")
        for origin in self.cors_origins:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ServeError(f"--cors-origin {origin!r} is not an origin; give it as https://host[:port].")
        return self

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ServeConfig":
        values = json.loads(text)
        values["cors_origins"] = tuple(values.get("cors_origins") or ())
        return cls(**values)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach: 127.0.0.0/8, ::1 and ``localhost``."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # another host name: it may resolve to anything
        return False


def create_app(config: ServeConfig | None = None, reader: "DigitReader | None" = None) -> "FastAPI":
    """The ASGI app: the API under ``/v1``, ``/healthz``, ``/docs`` and the page at ``/``.

    ``reader``: the one ``DigitReader`` the app shares between requests (None: one for ``config.model`` with a
    one-thread onnxruntime session). The app reads on ``config.reading_threads()`` threads, so it sets OpenCV's
    own thread pool to one thread for the process (``cv2.setNumThreads(1)``) and quiets OpenCV's log.
    Raises ``ModelError`` when the model cannot be loaded, ``ServeError`` for a bad config, ``ImportError``
    when FastAPI is missing (install ``edgedigits[serve]``).
    """
    from .app import build_app

    return build_app((config or ServeConfig()).check(), reader)


def app_from_environment() -> "FastAPI":
    """uvicorn's factory in each worker process (``--workers > 1``): the config comes in ``$EDGEDIGITS_SERVE_CONFIG``."""
    return create_app(ServeConfig.from_json(os.environ[CONFIG_ENV]))


def check_model(model: str | None) -> None:
    """Raise ModelError unless ``model`` loads. Tried in a short-lived process, so that the supervisor of
    ``--workers N`` does not keep a model session (and onnxruntime, ~90 MiB) it never uses."""
    import subprocess

    code = ("import sys\nfrom edgedigits.runtime.model import Model, ModelError\ntry:\n"
            "    Model(sys.argv[1] if len(sys.argv) > 1 else None, threads=1)\n"
            "except ModelError as exc:\n    print(exc, file=sys.stderr)\n    sys.exit(3)\n")
    probe = subprocess.run([sys.executable, "-c", code, *([model] if model else [])], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
    if probe.returncode == 3:
        from ..model import ModelError

        raise ModelError(probe.stderr.strip())
    if probe.returncode != 0:
        raise ServeError(f"the model could not be checked ({probe.stderr.strip()[-300:]}).")


def run(config: ServeConfig) -> None:
    """Serve until interrupted. Raises ServeError (bad settings, port in use, FastAPI/uvicorn missing) or
    ModelError (the model cannot be loaded) before listening."""
    config.check()
    from importlib.util import find_spec

    # Looked up, not imported: the supervisor of --workers N never needs FastAPI (its workers import it).
    missing = [name for name, modules in (("fastapi", ["fastapi"]), ("uvicorn", ["uvicorn"]),
                                          ("python-multipart", ["python_multipart", "multipart"]))
               if all(find_spec(module) is None for module in modules)]
    if missing:
        raise ServeError(f"serve needs the [serve] extra ({missing[0]} is missing). Install it with: "
                         "pip install 'edgedigits[serve]'")
    import uvicorn

    from .protocol import GuardedHTTPProtocol

    # Fail before uvicorn does, with a sentence instead of a traceback.
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((config.host.strip("[]"), config.port))
    except OSError as exc:
        raise ServeError(f"cannot listen on {config.host}:{config.port} ({exc.strerror}); pick another --port "
                         "or stop the program using it.") from None
    finally:
        probe.close()

    if config.workers == 1:
        from .app import build_app

        target = build_app(config, None)  # loads the model now: a bad model fails before listening
        factory = False
    else:
        check_model(config.model)  # fail now, not in every worker (uvicorn would restart them forever)
        os.environ[CONFIG_ENV] = config.to_json()
        target, factory = "edgedigits.runtime.serve:app_from_environment", True
    uv_config = uvicorn.Config(
        target, factory=factory, host=config.host.strip("[]"), port=config.port, workers=config.workers,
        http=GuardedHTTPProtocol, ws="none", lifespan="on", log_level=config.log_level,
        access_log=config.access_log, server_header=False, proxy_headers=False, timeout_keep_alive=5,
    )
    uv_config.header_timeout = config.header_timeout  # read by GuardedHTTPProtocol (travels with the config)
    server = uvicorn.Server(uv_config)
    shown = f"[{config.host.strip('[]')}]" if ":" in config.host else config.host
    print(f"edgedigits serve: the page at http://{shown}:{config.port}/ , the API under /v1, its docs at /docs"
          + ("; API key required" if config.api_key else ""), file=sys.stderr, flush=True)
    try:
        if config.workers == 1:
            server.run()
        else:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(uv_config, sockets=[uv_config.bind_socket()]).run()
    except KeyboardInterrupt:
        pass
