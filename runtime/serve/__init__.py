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

import errno
import os
import socket
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import install_hint
from .config import (  # noqa: F401  (re-exported: the package's API)
    API_KEY_ENV,
    CONFIG_ENV,
    HOST_FORMS,
    MIN_KEY_LENGTH,
    MODEL_OPTIONS,
    READER_MAX_PIXELS,
    ServeConfig,
    ServeError,
    is_loopback,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..reader import DigitReader

__all__ = ["ServeConfig", "ServeError", "create_app", "run", "is_loopback", "API_KEY_ENV"]


def create_app(config: ServeConfig | None = None, reader: "DigitReader | None" = None) -> "FastAPI":
    """The ASGI app: the API under ``/v1``, ``/healthz``, ``/docs`` and the page at ``/``.

    Runs under any ASGI server, on its own or mounted under a prefix in another app (``host.mount("/digits",
    create_app())``: the API is then ``/digits/v1/read``, the page ``/digits/``), with or without lifespan
    events: the reading threads start with the lifespan when it runs, else on the first request that reads (or
    ``/healthz``), and stop at its shutdown, else with the process.

    ``reader``: the one ``DigitReader`` the app shares between requests (None: one for ``config.model``, and its
    ``line_model``, ``orientation_model``, ``digit_orientation_model`` and ``pencil_model``, with one-thread
    onnxruntime sessions: ``models.open_reader``). The app reads on ``config.reading_threads()`` threads, so it
    changes two
    settings of OpenCV for the whole process: its thread pool to one thread (``cv2.setNumThreads(1)``), and its
    log level to silent (``cv2.utils.logging.setLogLevel``; unless ``$OPENCV_LOG_LEVEL`` is set). It sets no
    environment variable. Raises ``ModelError`` when a model cannot be loaded (naming the file, and the option for
    the other four models), ``ServeError`` for a bad config, ``ImportError`` naming the
    ``[serve]`` extra (``errors.install_hint``) when FastAPI, fastapi-offline or python-multipart is missing.
    """
    config = (config or ServeConfig()).check()
    missing = missing_modules(SERVE_MODULES[:3])
    if missing:
        raise ImportError(f"create_app {needs_the_extra(missing[0])}", name=missing[0])
    from .app import build_app

    return build_app(config, reader)


# The [serve] extra's packages (pyproject.toml), each with the modules any of which it installs; the app needs
# the first three, ``run`` all four.
SERVE_MODULES = (
    ("fastapi", ("fastapi",)),
    ("fastapi-offline", ("fastapi_offline",)),
    ("python-multipart", ("python_multipart", "multipart")),
    ("uvicorn", ("uvicorn",)),
)


def missing_modules(packages: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    """The names of ``packages`` (name, its modules) none of whose modules can be imported; nothing imported."""
    from importlib.util import find_spec

    def absent(module: str) -> bool:
        try:
            return find_spec(module) is None
        except (ImportError, ValueError):  # a module blocked with sys.modules[name] = None, or a broken one
            return True

    return [name for name, modules in packages if all(absent(module) for module in modules)]


def needs_the_extra(package: str) -> str:
    return f"needs the [serve] extra ({package} is missing). Install it with: {install_hint('serve')}"


def app_from_environment() -> "FastAPI":
    """uvicorn's factory in each worker process (``--workers > 1``): the config comes in
    ``$EDGEDIGITS_SERVE_CONFIG``."""
    return create_app(ServeConfig.from_json(os.environ[CONFIG_ENV]))


def check_model(config: ServeConfig) -> str:
    """Raise ModelError unless ``config``'s models load: the digit model, and the line, orientation,
    digit-orientation and pencil models it names (``models.open_reader``, whose message names the file, and the
    option for those four).
    Tried in a short-lived process, so that the supervisor of ``--workers N`` does not keep a model session (and
    onnxruntime, ~90 MiB) it never uses. Returns the models as the start-up line names them
    (``models.models_as_options``). Raises ServeError when that process fails for another reason."""
    import json
    import subprocess

    # The model fields only: the whole config holds the API key, and a command line is visible to other users. The
    # current folder is taken off the module path: a json.py or an edgedigits/ there would be imported instead.
    fields = {name: getattr(config, name) for name in ("model", *(field for field, _ in MODEL_OPTIONS))}
    code = (
        "import sys\nif sys.path[:1] == ['']:\n    del sys.path[0]\n"  # python -c puts the current folder first
        "import json\nfrom edgedigits.runtime.model import ModelError\n"
        "from edgedigits.runtime.serve.config import ServeConfig\n"
        "from edgedigits.runtime.serve.models import models_as_options, open_reader\ntry:\n"
        "    print(models_as_options(open_reader(ServeConfig(**json.loads(sys.argv[1])))))\n"
        "except ModelError as exc:\n    print(exc, file=sys.stderr)\n    sys.exit(3)\n"
    )
    probe = subprocess.run(
        [sys.executable, "-c", code, json.dumps(fields)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if probe.returncode == 3:
        from ..model import ModelError

        raise ModelError(probe.stderr.strip())
    if probe.returncode != 0:
        raise ServeError(f"the models could not be checked ({probe.stderr.strip()[-300:]}).")
    return probe.stdout.strip()


def page_host(host: str) -> tuple[str, bool]:
    """(the host to open the page at on this machine, as in a URL; whether ``host`` is every address). An
    unspecified host (0.0.0.0, ::) is where a server listens, not an address to open (Chromium refuses it,
    and it is no secure page for the camera): its loopback address (127.0.0.1, [::1]) stands in for it."""
    import ipaddress

    bare = host.strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:  # a name: localhost, or this machine's
        return bare, False
    every = address.is_unspecified
    if every:
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    return (f"[{address}]" if address.version == 6 else str(address)), every


def banner(config: ServeConfig, models: str = "") -> str:
    """The start-up line: where the page, the API and its docs are; on every address, how other machines
    reach it; the models it reads with (``models``: models.models_as_options); whether the API needs the key."""
    shown, every = page_host(config.host)
    line = f"edgedigits serve: the page at http://{shown}:{config.port}/ , the API under /v1, its docs at /docs"
    if every:
        line += f"; other machines use this machine's name or address in place of {shown} (listening on {config.host})"
    line += f"; reading with {models}" if models else ""
    return line + ("; API key required" if config.api_key else "")


def run(config: ServeConfig) -> None:
    """Serve until interrupted. Raises ServeError (bad settings, port in use, FastAPI/uvicorn missing) or
    ModelError (a model cannot be loaded: the digit model, or another model the config
    names) before listening."""
    config.check()
    # Looked up, not imported: the supervisor of --workers N never needs FastAPI (its workers import it).
    missing = missing_modules(SERVE_MODULES)
    if missing:
        raise ServeError(f"serve {needs_the_extra(missing[0])}")
    import uvicorn

    from .protocol import GuardedHTTPProtocol

    # Fail before uvicorn does, with a sentence instead of a traceback.
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((config.host.strip("[]"), config.port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            advice = "pick another --port or stop the program using it"
        elif exc.errno == errno.EACCES:
            advice = "ports below 1024 need root: pick a --port of 1024 or above"
        else:  # a name that does not resolve (socket.gaierror), an address this machine does not have
            advice = HOST_FORMS
        raise ServeError(f"cannot listen on {config.host}:{config.port} ({exc.strerror}); {advice}.") from None
    finally:
        probe.close()

    target: FastAPI | str
    if config.workers == 1:
        from .app import build_app
        from .models import models_as_options, open_reader

        reader = open_reader(config)  # the models loaded now: a bad model fails before listening
        target, models = build_app(config, reader), models_as_options(reader)
        factory = False
    else:
        models = check_model(config)  # fail now, not in every worker (uvicorn would restart them forever)
        os.environ[CONFIG_ENV] = config.to_json()
        target, factory = "edgedigits.runtime.serve:app_from_environment", True
    uv_config = uvicorn.Config(
        target,
        factory=factory,
        host=config.host.strip("[]"),
        port=config.port,
        workers=config.workers,
        http=GuardedHTTPProtocol,
        ws="none",
        lifespan="on",
        log_level=config.log_level,
        access_log=config.access_log,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=5,
    )
    # An attribute of ours on uvicorn's config (it travels with it to every worker): GuardedHTTPProtocol reads it.
    uv_config.header_timeout = config.header_timeout  # type: ignore[attr-defined]
    server = uvicorn.Server(uv_config)
    sockets = None
    if config.port == 0:  # any free port: bound here, so that the banner names the port the system gave
        sockets = [uv_config.bind_socket()]
        config = replace(config, port=sockets[0].getsockname()[1])
    print(banner(config, models), file=sys.stderr, flush=True)
    try:
        if config.workers == 1:
            server.run(sockets=sockets)
        else:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(uv_config, sockets=sockets or [uv_config.bind_socket()]).run()
    except KeyboardInterrupt:
        pass
