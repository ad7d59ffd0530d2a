"""edgedigits' app embedded in another: mounted under a prefix in a host FastAPI app, and run with lifespan="off"
(real uvicorn servers on 127.0.0.1, tests/embedded_host.py); ``create_app`` without the [serve] extra; what
``create_app`` changes in the process. Starlette never runs a mounted app's lifespan, and every read answered 500
there (``Batcher.start() first``) while /healthz answered 200."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

import pytest

from serving import ROOT, SAMPLES, Server, chromium, multipart, request

pytest.importorskip("fastapi", reason="the serve tests need the [serve] extra")

EXPECTED = json.loads((SAMPLES / "expected.json").read_text())
PHOTO = (SAMPLES / "photo_2026.jpg").read_bytes()
HOST = [sys.executable, str(ROOT / "tests" / "embedded_host.py")]
KEY = "test-key-0123456789abcdef"


def host(mode: str, *args: str) -> Server:
    return Server(command=[*HOST, mode, *args], health="/threads" if mode == "mount" else "/healthz")


@pytest.fixture(scope="module")
def mounted():
    with host("mount") as running:
        yield running


def read_photo(url: str, headers: dict | None = None):
    return request(url, PHOTO, {"Content-Type": "image/jpeg", **(headers or {})}, method="POST")


def test_mounted_under_a_prefix_it_reads(mounted):
    status, _, body = request(mounted.url + "/digits/healthz")
    assert status == 200 and body["status"] == "ok", body
    status, _, body = read_photo(mounted.url + "/digits/v1/read")
    assert status == 200 and body["text"] == EXPECTED["photo_2026.jpg"], (body, mounted.output())
    data, kind = multipart(
        [("file", "photo.jpg", PHOTO), ("file", "scan_4.png", (SAMPLES / "scan_4.png").read_bytes())]
    )
    status, _, body = request(mounted.url + "/digits/v1/read/batch", data, {"Content-Type": kind}, method="POST")
    assert status == 200 and [r["text"] for r in body["results"]] == ["2026", "4"], body
    status, _, body = request(mounted.url + "/digits/v1/models")
    assert status == 200 and body["loaded"]["name"] == "default"
    status, _, body = request(mounted.url + "/digits/v2/read")  # the 404 names the API's place under the prefix
    assert status == 404 and "the API is under /digits/v1 (see /digits/docs)" in body["error"], body
    assert "Traceback" not in mounted.output(), mounted.output()


def test_mounted_the_reading_threads_start_once(mounted):
    """Concurrent first reads start one set of reading threads, not one per request."""
    with ThreadPoolExecutor(16) as clients:
        answers = list(clients.map(lambda _: read_photo(mounted.url + "/digits/v1/read"), range(32)))
    assert [(status, body["text"]) for status, _, body in answers] == [(200, "2026")] * 32
    _, _, names = request(mounted.url + "/threads")
    assert [name for name in names if name.startswith("edgedigits-read")] == ["edgedigits-read_0"], names


def test_mounted_healthz_answers_ok_once_the_reading_threads_run():
    """/healthz answered 200 while every read failed: now it starts the reading threads (as a read would)."""
    with host("mount") as running:
        assert not [name for name in request(running.url + "/threads")[2] if name.startswith("edgedigits-read")]
        status, _, body = request(running.url + "/digits/healthz")
        assert status == 200 and body["status"] == "ok"
        assert "edgedigits-read_0" in request(running.url + "/threads")[2]
        assert read_photo(running.url + "/digits/v1/read")[0] == 200


def test_mounted_the_api_key_is_still_required():
    """The guard saw /digits/v1/read, not /v1/read, and would let requests without the key through."""
    with host("mount", KEY) as running:
        status, _, body = read_photo(running.url + "/digits/v1/read")
        assert status == 401 and "API key" in body["error"], body
        status, _, body = read_photo(running.url + "/digits/v1/read", {"X-API-Key": "wrong-key-0123456789abcdef"})
        assert status == 401, body
        status, _, body = read_photo(running.url + "/digits/v1/read", {"X-API-Key": KEY})
        assert status == 200 and body["text"] == "2026", body
        status, headers, _ = request(running.url + "/digits/")
        assert status == 200 and "content-security-policy" in headers  # the page's headers, the page's only
        status, headers, _ = request(running.url + "/digits/v1/models", headers={"X-API-Key": KEY})
        assert status == 200 and "content-security-policy" not in headers


def test_with_lifespan_off_it_reads_and_stops_cleanly():
    with host("lifespan-off") as running:
        status, _, body = request(running.url + "/healthz")
        assert status == 200 and body["status"] == "ok"
        status, _, body = read_photo(running.url + "/v1/read")
        assert status == 200 and body["text"] == "2026", (body, running.output())
        process = running.process
        assert process is not None
        process.terminate()  # SIGTERM: uvicorn stops, with no shutdown event for the app, and raises it again
        assert process.wait(10) == -15, running.output()  # not held up by the reading thread
        assert "Traceback" not in running.output() and "destroyed" not in running.output(), running.output()


def test_the_page_under_the_prefix_uses_its_own_urls(mounted):
    """Every URL of the page and of /docs is relative (or carries the prefix), so each is the mounted app's."""
    status, _, page = request(mounted.url + "/digits")  # redirected to /digits/
    assert status == 200 and "<title>edgedigits" in page
    base = mounted.url + "/digits/"
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assert len(links) >= 5, page
    for link in links:
        url = urljoin(base, link)
        assert urlsplit(url).path.startswith("/digits/"), f"the page links {link}, outside the app"
        status, _, _ = request(url)
        assert status == 200, url
    script = request(base + "static/app.js")[2]
    calls = re.findall(r"""fetch\(\s*["'`]([^"'`]+)""", script)
    assert calls == ["v1/read"], calls
    assert read_photo(urljoin(base, calls[0]))[0] == 200
    status, _, docs = request(base + "docs")
    assert status == 200
    for link in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", docs) + re.findall(r"url: '([^']+)'", docs):
        url = urljoin(base + "docs", link)
        assert urlsplit(url).path.startswith("/digits/"), f"/docs links {link}, outside the app"
        assert request(url)[0] == 200, url


def test_the_page_reads_a_photo_in_chromium_under_the_prefix(mounted):
    from selenium.webdriver.support.ui import WebDriverWait

    with chromium() as driver:
        driver.get(mounted.url + "/digits/")
        driver.find_element("id", "tab-image").click()
        driver.find_element("id", "file-input").send_keys(str(SAMPLES / "photo_2026.jpg"))
        WebDriverWait(driver, 20).until(lambda d: d.find_element("id", "reading").text == "2026")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], errors


# --------------------------------------------------------------------------- in-process


@pytest.mark.parametrize(
    "path, root_path", [("/v1/read", ""), ("/digits/v1/read", "/digits"), ("/a/b/v1/read", "/a/b/")]
)
def test_the_guard_asks_for_the_key_within_a_mount(path, root_path):
    from edgedigits.runtime.serve.limits import Guard

    reached, sent = [], []

    async def app(scope, receive, send):
        reached.append(scope["path"])

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    guard = Guard(app, api_key=KEY, max_body_bytes=1000, body_timeout=5)
    scope = {"type": "http", "method": "POST", "path": path, "root_path": root_path, "headers": []}
    asyncio.run(guard(scope, receive, send))
    assert reached == [] and sent[0]["status"] == 401


class CountingReader:
    """A stand-in for DigitReader: reads bytes as their text, and counts the calls (and their threads)."""

    def __init__(self):
        self.calls: list[tuple[int, str]] = []

    def read_batch(self, images, single=False):
        self.calls.append((len(images), threading.current_thread().name))
        time.sleep(0.01)
        return [data.decode() + ("!" if single else "") for data in images]


def test_the_lifespan_opens_and_runs_every_model_before_the_first_request():
    """The first request read at the first-read cost (33-35 ms against 6-8: the line and orientation models opened
    then); the lifespan now warms the reader up (DigitReader.warm_up), and a line model file that is no line
    model stops the server as it starts, naming the file, instead of failing every request."""
    from edgedigits.runtime import DigitReader
    from edgedigits.runtime.model import ModelError
    from edgedigits.runtime.serve import create_app

    reader = DigitReader(threads=1)
    app = create_app(reader=reader)
    assert not reader._line.opened and not reader._orientation.opened  # (LazyModel)

    async def opened(app) -> bool:
        async with app.router.lifespan_context(app):
            return reader._line.opened and reader._orientation.opened

    assert asyncio.run(opened(app))
    digit_model = str(ROOT / "models" / "default.onnx")  # a digit model where a line model should be
    with pytest.raises(ModelError, match="default.onnx"):
        asyncio.run(opened(create_app(reader=DigitReader(threads=1, line_model=digit_model))))


def test_the_batcher_starts_on_first_read_in_each_new_event_loop():
    """No start() call: a read starts it; a later event loop (the first one ended with its tasks) starts it again."""
    from edgedigits.runtime.serve.batching import Batcher

    reader = CountingReader()
    batcher = Batcher(reader, threads=1)  # type: ignore[arg-type]

    async def many(prefix: str):
        return await asyncio.gather(*(batcher.read(f"{prefix}{i}".encode(), i % 2 == 1) for i in range(20)))

    for prefix in "ab":
        results = asyncio.run(asyncio.wait_for(many(prefix), 10))
        assert [reading for reading, _ in results] == [f"{prefix}{i}" + ("!" if i % 2 else "") for i in range(20)]
        assert len(batcher.tasks) == 1
    assert sum(n for n, _ in reader.calls) == 40 and len(reader.calls) < 40  # read together
    assert {name for _, name in reader.calls} == {"edgedigits-read_0"}

    async def stopped():
        await batcher.read(b"c", False)
        await batcher.stop()
        return batcher.tasks, batcher._pool

    assert asyncio.run(stopped()) == ([], None)


def test_the_batcher_reads_for_a_second_event_loop_running_at_once():
    """An app served by two event loops at once (two threads): the second's requests are read alone, not lost in
    the first loop's queue."""
    from edgedigits.runtime.serve.batching import Batcher

    reader = CountingReader()
    batcher = Batcher(reader, threads=1)  # type: ignore[arg-type]
    first_read, done = threading.Event(), threading.Event()

    async def first():
        assert (await batcher.read(b"x", False))[0] == "x"
        first_read.set()
        while not done.is_set():
            await asyncio.sleep(0.01)

    other = threading.Thread(target=asyncio.run, args=(first(),))
    other.start()
    try:
        assert first_read.wait(10)
        reading, _ = asyncio.run(asyncio.wait_for(batcher.read(b"y", True), 10))
        assert reading == "y!"
    finally:
        done.set()
        other.join(10)
    assert [n for n, _ in reader.calls] == [1, 1]


# --------------------------------------------------------------------------- create_app and the process


def run_python(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120
    )


@pytest.mark.parametrize("module", ["fastapi", "fastapi_offline", "python_multipart"])
def test_create_app_without_the_serve_extra_names_it(module):
    blocked = [module, "multipart"] if module == "python_multipart" else [module]
    code = (
        "import sys\n"
        + "".join(f"sys.modules[{name!r}] = None\n" for name in blocked)
        + "from edgedigits.runtime.serve import create_app\n"
        "try:\n    create_app()\nexcept ImportError as exc:\n    print(type(exc).__name__, exc)\n"
    )
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert "pip install '.[serve]' in the edgedigits clone" in out.stdout and "is missing" in out.stdout, out.stdout


def test_create_app_sets_no_environment_variable():
    """A host's child processes inherit its environment: create_app leaves it alone. What it does change, as its
    docstring says: OpenCV's threads (1) and log level (silent, unless $OPENCV_LOG_LEVEL is set)."""
    code = (
        "import os, json, cv2\n"
        "from edgedigits.runtime.serve import create_app\n"
        "before = dict(os.environ)\n"
        "create_app()\n"
        "print(json.dumps([sorted(set(os.environ.items()) ^ set(before.items())), cv2.getNumThreads(), "
        "cv2.utils.logging.getLogLevel() == cv2.utils.logging.LOG_LEVEL_SILENT]))\n"
    )
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENCV_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == [[], 1, True]
    out = run_python(code, {"OPENCV_LOG_LEVEL": "INFO"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == [[], 1, False]  # the user's level is kept
