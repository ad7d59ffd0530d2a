"""Helpers for the serve tests: a real `edgedigits serve` process on a free loopback port, raw HTTP, and the
system's headless Chromium driven by Selenium through chromedriver (Debian: chromium, chromium-driver)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

# What works here (as root, on a closed network): no sandbox, no GPU, no background calls home.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--lang=en-US",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`edgedigits serve` in a subprocess; ``url`` once it answers /healthz. Use as a context manager.

    ``command``: another server to run instead, given the port as its last argument; ``health``: the path it
    answers 200 at once it is up."""

    def __init__(
        self,
        *args: str,
        env: dict | None = None,
        port: int | None = None,
        launcher: list[str] | None = None,
        command: list[str] | None = None,
        health: str = "/healthz",
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.health = health
        launcher = launcher or [sys.executable, "-m", "edgedigits.runtime.cli"]
        self.args = [*launcher, "serve", "--port", str(self.port), "--no-access-log", *args]
        if command:
            self.args = [*command, str(self.port)]
        self.env = {**os.environ, **(env or {})}
        self.log = tempfile.TemporaryFile()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.process = subprocess.Popen(
            self.args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"edgedigits serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + self.health, timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"edgedigits serve did not answer within 60 s:\n{self.output()}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def request(
    url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None, timeout: float = 30
) -> tuple[int, dict, dict | str]:
    """(status, headers, JSON body or text) of one HTTP request; error statuses are returned, not raised."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            status, head, body = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        status, head, body = error.code, dict(error.headers), error.read()
    head = {k.lower(): v for k, v in head.items()}
    if head.get("content-type", "").startswith("application/json"):
        return status, head, json.loads(body)
    return status, head, body.decode(errors="replace")


def multipart(files: list[tuple[str, str, bytes]], boundary: str = "edgedigits-test-boundary") -> tuple[bytes, str]:
    """A multipart/form-data body from (field, filename, bytes) triples, and its Content-Type."""
    parts = []
    for field, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# --------------------------------------------------------------------------- Chromium


def browser_paths() -> tuple[str, str]:
    """The system's Chromium and chromedriver. Skips the test where they are missing, but fails it under CI
    (CI=true): .ci/run installs them, so their absence there is a broken set-up, not a reason to skip."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        message = (
            "the browser tests need the system's Chromium and chromedriver (Debian: apt-get install "
            "chromium chromium-driver)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + "; .ci/run should have installed them")
        pytest.skip(message)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("the browser tests need selenium (pip install -e '.[dev]')")
    return chromium, driver


@contextmanager
def chromium(*extra_flags: str, width: int = 1280, height: int = 900, mobile: bool = False):
    """A headless Chromium session (Selenium WebDriver) with a fresh profile; closed on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = browser_paths()
    profile = tempfile.mkdtemp(prefix="edgedigits-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS + list(extra_flags):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if mobile:  # a phone: small viewport, touch, device pixel ratio 2
        options.add_experimental_option(
            "mobileEmulation",
            {
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": True},
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/156.0 Mobile Safari/537.36",
            },
        )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def write_y4m(path: Path, frames: list, fps: int = 10) -> Path:
    """BGR frames (all the same size, even sides) as a YUV4MPEG2 4:2:0 video, the format Chromium's fake
    camera plays (--use-file-for-fake-video-capture)."""
    import cv2

    height, width = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def camera_frames(name: str, count: int, seed: int = 0, size: tuple[int, int] = (640, 480)) -> list:
    """``count`` frames of a camera held close to the paper of the sample ``name``: the paper fills the frame
    (its edges carried on), the writing takes about 70% of it, the camera shakes by a few pixels, and the
    sensor adds noise. (A sheet lying on a contrasting desk is not read yet: the reader has no page stage.)"""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    picture = cv2.imread(str(SAMPLES / name), cv2.IMREAD_COLOR)
    width, height = size
    scale = min(0.7 * width / picture.shape[1], 0.7 * height / picture.shape[0])
    picture = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    ph, pw = picture.shape[:2]
    shake = 6
    top, left = (height - ph) // 2 + shake, (width - pw) // 2 + shake
    paper = cv2.copyMakeBorder(
        picture, top, height + 2 * shake - ph - top, left, width + 2 * shake - pw - left, cv2.BORDER_REPLICATE
    )
    frames = []
    for _ in range(count):
        x, y = (int(v) for v in rng.integers(0, 2 * shake + 1, 2))
        frame = paper[y : y + height, x : x + width].astype(np.int16)
        frame += rng.normal(0, 3, frame.shape).astype(np.int16)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames
