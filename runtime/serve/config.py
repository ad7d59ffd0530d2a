"""What ``edgedigits serve`` can be told (``ServeConfig``) and the settings it refuses (``ServeError``).

Kept apart from the server's code (app.py) so that both it and the package's entry points can import it:
this module imports nothing of FastAPI, uvicorn or OpenCV.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import math
from dataclasses import dataclass
from typing import Literal

from ..errors import EdgeDigitsError

API_KEY_ENV = "EDGEDIGITS_API_KEY"
CONFIG_ENV = "EDGEDIGITS_SERVE_CONFIG"  # hands the settings to uvicorn's worker processes (--workers > 1)
MIN_KEY_LENGTH = 16
READER_MAX_PIXELS = 64_000_000  # images.MAX_PIXELS (a test checks they agree), without importing OpenCV here
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's


# ServeConfig's fields for the models that read beside the digit model, and the options that set them.
MODEL_OPTIONS = (
    ("line_model", "--line-model"),
    ("orientation_model", "--orientation-model"),
    ("digit_orientation_model", "--digit-orientation-model"),
    ("pencil_model", "--pencil-model"),
)


class ServeError(EdgeDigitsError, ValueError):
    """A setting the server refuses to start with. The message says what to change."""


# What --host takes, said when it is refused (ServeConfig.check) or cannot be listened on (serve.run).
HOST_FORMS = (
    "--host takes an address of this machine (127.0.0.1, ::1, 0.0.0.0 for every interface) or a name that "
    "resolves to one, without a scheme, a port or spaces"
)


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``edgedigits serve`` can be told. Sizes in bytes and pixels, times in seconds.

    ``host``: the address to listen on; anything but loopback (127.0.0.0/8, ::1, localhost) requires
    ``api_key``. ``model``: the digit model, a shipped name or an ``.onnx`` file (None: the default).
    ``line_model``, ``orientation_model``, ``digit_orientation_model``, ``pencil_model``: the line recognizer, the
    text-orientation classifier, the digits' quarter-turn classifier and the digit model of noisy images
    (``--line-model`` and so on), each None for the shipped one (the pencil model only with the default ``model``;
    the two orientation models only with a line model), ``"none"`` or False for no such model, else a shipped name or an
    ``.onnx`` file (serve.models.open_reader opens them; ModelError names a file that is no such model). ``workers``:
    server processes, each with its own model session (each uses about one core).
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
    line_model: str | Literal[False] | None = None
    orientation_model: str | Literal[False] | None = None
    digit_orientation_model: str | Literal[False] | None = None
    pencil_model: str | Literal[False] | None = None
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
        host = self.host
        if not host or any(c.isspace() for c in host) or "/" in host or host.count(":") == 1:  # '', 'a b', 'http://x',
            # 'x:80' (an inner space was taken for a name: 'needs an API key', then 'Name or service not known')
            raise ServeError(f"--host {host!r} is not an address; {HOST_FORMS} (the port is --port).")
        if not is_loopback(self.host) and not self.api_key:
            raise ServeError(
                f"--host {self.host} makes the server reachable from other machines, so it needs an API key: "
                f"pass --api-key KEY or set {API_KEY_ENV} (make one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe())'), or keep the default --host 127.0.0.1."
            )
        if self.api_key is not None and len(self.api_key) < MIN_KEY_LENGTH:
            raise ServeError(
                f"the API key is {len(self.api_key)} characters long; use at least {MIN_KEY_LENGTH} "
                "(python -c 'import secrets; print(secrets.token_urlsafe())' makes a good one)."
            )
        if self.api_key is not None and not all(33 <= ord(c) < 127 for c in self.api_key):
            raise ServeError("the API key must be printable ASCII without spaces (it travels in an HTTP header).")
        if not 0 <= self.port <= 65535:
            raise ServeError(f"--port {self.port} is not a TCP port; pick one from 1 to 65535 (0: any free port).")
        # (a Path, True or a number reached resolve_model: "expected str, bytes or os.PathLike object, not bool")
        for field, option in (("model", "--model"), *MODEL_OPTIONS):
            value = getattr(self, field)
            if not (value is None or isinstance(value, str) or (value is False and field != "model")):
                none = "" if field == "model" else ", 'none' or False (no such model)"
                raise ServeError(
                    f"{option} ({field}=) takes a shipped model's name or an .onnx file's path as a str{none}, or "
                    f"None (the shipped one); got {value!r}."
                )
        for name, value in (
            ("--workers", self.workers),
            ("--max-batch", self.max_batch),
            ("--threads", self.threads if self.threads is not None else 1),
        ):
            if value < 1:
                raise ServeError(f"{name} must be at least 1, got {value}.")
        if self.max_body_bytes < 1024:
            raise ServeError(f"--max-body-mb gives {self.max_body_bytes} bytes; allow at least 1 KB.")
        if not 1 <= self.max_pixels <= READER_MAX_PIXELS:
            raise ServeError(
                f"--max-megapixels must be above 0 and at most {READER_MAX_PIXELS / 1e6:.0f} (the reader's "
                f"own limit), got {self.max_pixels / 1e6:g}."
            )
        for name, seconds in (("--body-timeout", self.body_timeout), ("--header-timeout", self.header_timeout)):
            if not (math.isfinite(seconds) and seconds > 0):
                raise ServeError(f"{name} must be a positive number of seconds, got {seconds:g}.")
        if self.log_level not in LOG_LEVELS:
            raise ServeError(f"--log-level {self.log_level} is not a level; use one of {', '.join(LOG_LEVELS[:5])}.")
        for origin in self.cors_origins:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ServeError(f"--cors-origin {origin!r} is not an origin; give it as https://host[:port].")
        return self

    def to_json(self) -> str:
        """Every field as a JSON object (how the config reaches uvicorn's worker processes: ``from_json``)."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ServeConfig":
        """The config ``to_json`` wrote (unchecked: call ``check``). Raises ValueError for text that is not JSON,
        TypeError for JSON that is not an object of ServeConfig's fields."""
        values = json.loads(text)
        values["cors_origins"] = tuple(values.get("cors_origins") or ())
        return cls(**values)


def scaled(value: float, unit: float, option: str) -> int:
    """``value`` (a number given in MB or MP) times ``unit`` (1e6), as an int: bytes or pixels.

    Raises ServeError naming ``option`` when ``value`` is NaN or infinite (the range is ``check``'s)."""
    if not math.isfinite(value):
        raise ServeError(f"{option} must be a number, got {value:g}.")
    return int(value * unit)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach: 127.0.0.0/8, ::1 and ``localhost``."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # another host name: it may resolve to anything
        return False
