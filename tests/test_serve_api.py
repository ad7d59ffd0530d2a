"""`edgedigits serve` over real HTTP: a real uvicorn server in its own process on 127.0.0.1, real sockets.

Every error case of issue 13 (empty body, wrong content type, not an image, a damaged image, a body over the
size limit, an image over the pixel limit, a slow body, slow headers), the security defaults (loopback, API
key, CORS, no server paths), and concurrent clients."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import cv2
import numpy as np
import pytest

from serving import ROOT, SAMPLES, Server, free_port, multipart, request

pytest.importorskip("fastapi", reason="the serve tests need the [serve] extra")

EXPECTED = json.loads((SAMPLES / "expected.json").read_text())
PHOTO = (SAMPLES / "photo_2026.jpg").read_bytes()
KEY = "test-key-0123456789abcdef"
LIMITS = [
    "--max-body-mb",
    "2",
    "--max-megapixels",
    "4",
    "--max-batch",
    "4",
    "--body-timeout",
    "2",
    "--header-timeout",
    "2",
]


@pytest.fixture(scope="module")
def server():
    with Server(*LIMITS) as running:
        yield running


def post(
    server,
    data: bytes,
    content_type: str | None = "image/jpeg",
    query: str = "",
    path: str = "/v1/read",
    headers: dict | None = None,
):
    head = dict(headers or {})
    if content_type is not None:
        head["Content-Type"] = content_type
    return request(f"{server.url}{path}{query}", data, head, method="POST")


def assert_error(answer, status: int, *words: str):
    code, headers, body = answer
    assert code == status, body
    assert headers["content-type"].startswith("application/json")
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    message = body["error"]
    assert len(message) > 30 and ";" in message, f"not a sentence that says what to do: {message!r}"
    for word in words:
        assert word.lower() in message.lower(), message
    return message


# --------------------------------------------------------------------------- reading


def test_health_models_and_docs(server):
    status, _, body = request(server.url + "/healthz")
    assert status == 200 and body["status"] == "ok" and body["model"] == "default"
    status, _, body = request(server.url + "/v1/models")
    assert status == 200 and body["loaded"]["name"] == "default"
    assert body["loaded"]["line_model"] == "line" and body["loaded"]["orientation_model"] == "orientation"
    assert body["loaded"]["digit_orientation_model"] == "digit-orientation"
    assert body["loaded"]["pencil_model"] == "pencil"
    assert {m["name"] for m in body["models"]} >= {"default", "default-int8"}
    assert "path" not in json.dumps(body), "the models listing must not reveal where files live on the server"
    status, headers, page = request(server.url + "/docs")
    assert status == 200 and headers["content-type"].startswith("text/html") and "openapi.json" in page
    status, _, spec = request(server.url + "/openapi.json")
    assert status == 200
    assert {"/v1/read", "/v1/read/batch", "/v1/models", "/healthz"} <= set(spec["paths"])
    read = spec["paths"]["/v1/read"]["post"]
    assert {p["name"] for p in read["parameters"]} == {"single", "min_confidence"}
    assert {"image/*", "multipart/form-data"} <= set(read["requestBody"]["content"])


def test_the_openapi_schema_names_every_field_the_answers_carry(server):
    """Each key of a real answer (a reading with ``raw``, one without, a batch with an unreadable file) is a
    property of its schema in /openapi.json, so a client generated from /docs keeps it. The schema lacked
    ``raw`` (docs/serving.md: 'raw as in classify') and a batch error's ``status``."""
    _, _, spec = request(server.url + "/openapi.json")
    schemas = spec["components"]["schemas"]

    def fields(name: str) -> set[str]:
        return set(schemas[name]["properties"])

    _, _, photo = post(server, PHOTO)
    _, _, scan = post(server, (SAMPLES / "scan_4.png").read_bytes(), "image/png")
    assert "raw" in photo and "raw" not in scan  # the line model read the photo only
    for body in (photo, scan):
        assert set(body) <= fields("ReadingRecord"), set(body) - fields("ReadingRecord")
        for digit in body["digits"]:
            assert set(digit) <= fields("DigitRecord")
    assert "raw" not in schemas["ReadingRecord"].get("required", [])
    data, kind = multipart([("file", "photo.jpg", PHOTO), ("file", "notes.txt", b"plain text, not an image")])
    _, _, batch = post(server, data, kind, path="/v1/read/batch")
    assert set(batch) <= fields("BatchAnswer")
    good, bad = batch["results"]
    assert set(good) <= fields("ReadingRecord"), set(good) - fields("ReadingRecord")
    assert set(bad) <= fields("ErrorRecord"), set(bad) - fields("ErrorRecord")


def test_docs_page_is_served_from_the_package(server):
    """/docs names no other host (FastAPI's default loads Swagger UI from a CDN): its script, stylesheet and
    icon are this server's paths, and each is served."""
    status, _, page = request(server.url + "/docs")
    assert status == 200
    assert "://" not in page and "//cdn" not in page, page
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assert len(links) >= 3, page
    for link in links:  # a path on this server, from its root or relative (the icon: right under a prefix too)
        assert ":" not in link and not link.startswith("//"), f"/docs loads {link} from another host"
    kinds = {"swagger-ui-bundle.js": "javascript", "swagger-ui.css": "text/css", "icon.svg": "image/svg+xml"}
    for name, kind in kinds.items():
        link = next((link for link in links if link.endswith("/" + name)), None)
        assert link, f"/docs does not load {name}: {page}"
        status, headers, body = request(urljoin(server.url + "/docs", link))
        assert status == 200 and kind in headers["content-type"] and len(body) > (100 if name == "icon.svg" else 10_000)
    status, _, _ = request(server.url + "/redoc")
    assert status == 404  # off: ReDoc would be one more page and script to keep offline


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reads_every_sample_as_raw_bytes(server, name):
    kind = "image/jpeg" if name.endswith(".jpg") else "image/png"
    status, headers, body = post(server, (SAMPLES / name).read_bytes(), kind)
    assert status == 200, body
    assert body["text"] == EXPECTED[name]
    assert body["path"] is None
    assert len(body["digits"]) == len(EXPECTED[name].replace("\n", ""))
    for digit in body["digits"]:
        assert set(digit) == {"digit", "confidence", "box", "line"}
        assert 0 <= digit["digit"] <= 9 and 0 <= digit["confidence"] <= 1 and len(digit["box"]) == 4
    assert {"decode", "extract", "infer", "queue", "total"} <= set(body["timings_ms"])
    assert all(v >= 0 for v in body["timings_ms"].values())
    assert "extract;dur=" in headers["server-timing"]


def test_same_record_as_the_python_api(server):
    from edgedigits.runtime import DigitReader

    reading = DigitReader().read(PHOTO)
    _, _, body = post(server, PHOTO)
    record = reading.to_dict()
    assert "raw" in record  # the line model read it: the server's record carries it too (it once dropped it)
    assert {k: v for k, v in body.items() if k not in ("path", "timings_ms")} == {
        k: v for k, v in record.items() if k != "path"
    }


def test_multipart_upload_and_octet_stream(server):
    data, kind = multipart([("file", "photo_2026.jpg", PHOTO)])
    status, _, body = post(server, data, kind)
    assert status == 200 and body["text"] == "2026" and body["path"] == "photo_2026.jpg"
    status, _, body = post(server, PHOTO, "application/octet-stream")
    assert status == 200 and body["text"] == "2026"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    connection.request("POST", "/v1/read", body=PHOTO)  # no Content-Type at all: the bytes decide
    answer = connection.getresponse()
    assert answer.status == 200 and json.loads(answer.read())["text"] == "2026"
    connection.close()


def test_multipart_upload_over_one_megabyte(server):
    # Starlette keeps a file part over 1 MB in a temporary file: the reading must not notice.
    big = cv2.resize(cv2.imread(str(SAMPLES / "photo_2026.jpg")), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    noise = np.random.default_rng(0).normal(0, 4, big.shape)
    png = cv2.imencode(".png", np.clip(big + noise, 0, 255).astype(np.uint8))[1].tobytes()
    assert 1_100_000 < len(png) < 2_000_000  # over the spooling size, under --max-body-mb 2
    data, kind = multipart([("file", "big.png", png)])
    status, _, body = post(server, data, kind)
    assert status == 200 and body["text"] == "2026" and body["path"] == "big.png"


def test_single_and_min_confidence(server):
    drawing = (SAMPLES / "drawing_7.png").read_bytes()
    status, _, body = post(server, drawing, "image/png", "?single=true")
    assert status == 200 and body["text"] == "7" and len(body["digits"]) == 1
    _, _, sure = post(server, PHOTO, query="?min_confidence=0")
    _, _, strict = post(server, PHOTO, query="?min_confidence=1")
    assert sure["text"] == "2026" and sure["digits"] == strict["digits"]
    assert len(strict["text"]) == 4 and "?" in strict["text"], strict
    for char, digit in zip(strict["text"], strict["digits"]):
        assert char == "?" or char == str(digit["digit"])


def test_batch_reads_each_file_and_reports_bad_ones_in_place(server):
    files = [
        ("files", "photo.jpg", PHOTO),
        ("files", "notes.txt", b"not an image at all, just text"),
        ("files", "scan_4.png", (SAMPLES / "scan_4.png").read_bytes()),
        ("files", "empty.png", b""),
    ]
    data, kind = multipart(files)
    status, _, body = post(server, data, kind, path="/v1/read/batch")
    assert status == 200, body
    results = body["results"]
    assert [r.get("path") for r in results] == ["photo.jpg", "notes.txt", "scan_4.png", "empty.png"]
    assert results[0]["text"] == "2026" and results[2]["text"] == "4"
    assert results[1]["status"] == 415 and "not an image" in results[1]["error"]
    assert results[3]["status"] == 400 and "empty" in results[3]["error"]


# --------------------------------------------------------------------------- bad requests: status and sentence


def test_empty_body(server):
    assert_error(post(server, b""), 400, "empty")


@pytest.mark.parametrize("kind", ["text/plain", "application/json", "application/x-www-form-urlencoded"])
def test_wrong_content_type(server, kind):
    assert_error(post(server, PHOTO, kind), 415, "content-type", "image/jpeg")


def test_not_an_image(server):
    assert_error(post(server, b"\x01\x02 this is a document, not a picture" * 10, "image/png"), 415, "not an image")
    # random bytes named .png (a corrupt file): as classify says, not 'send ... not text, JSON or base64'
    noise = np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    message = assert_error(post(server, noise, "image/png"), 415, "not an image opencv can decode", "re-save")
    assert "base64" not in message
    assert_error(post(server, b"data:image/png;base64,iVBORw0KGgo=", "image/png"), 415, "data: URL")
    assert_error(post(server, (ROOT / "README.md").read_bytes(), "image/png"), 415)


def test_a_file_of_another_format_is_named_with_what_to_do(server):
    """A HEIC photo (an iPhone's default) was 'the body is not an image (PNG, JPEG, ...); send the image file's
    bytes, not text, JSON or base64' (a new user's trial): it is an image, in a format this server does not read.
    Bodies whose first bytes tell a common format are named, with what to do (images.other_format)."""
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
    pdf = b"%PDF-1.7\n" + bytes(300)
    for body, kind, words in (
        (heic, "image/heic", ("heic", "jpeg")),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", ("svg", "png")),
        (b"some notes about the scans\n" * 5, "application/octet-stream", ("text",)),
    ):
        assert_error(post(server, body, kind), 415, *words)
    # a PDF is read (the pdf extra, which make test installs): a damaged one is a 422 that says why
    assert_error(post(server, pdf, "application/pdf"), 422, "the PDF could not be read", "PDFium cannot open")


def test_a_video_is_named_with_what_to_do(server, tmp_path):
    """A video posted (an MP4 or AVI clip) was 'its first bytes are no image format's; re-export or re-save the
    file' (a new user's trial), where classify and DigitReader.read say it is a video and how to read its frames."""
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for _ in range(3):
        writer.write(np.full((48, 64, 3), 200, np.uint8))
    writer.release()
    for kind in ("application/octet-stream", "video/x-msvideo"):
        assert_error(post(server, path.read_bytes(), kind), 415, "video", "not an image", "webcam --source")


def test_damaged_image(server):
    png = (SAMPLES / "form_two_lines.png").read_bytes()
    assert_error(post(server, png[: len(png) // 3], "image/png"), 422, "decoded")
    garbage = PHOTO[:600] + bytes(range(256)) * 4  # a JPEG header, then noise
    assert_error(post(server, garbage), 422)


def test_body_over_the_size_limit_declared(server):
    big = b"\xff\xd8\xff" + os.urandom(2_100_000)  # 2.1 MB > 2 MB, sent whole (urllib: Connection: close)
    for _ in range(20):  # every time: the answer, never a broken pipe
        assert_error(post(server, big), 413, "2 MB", "--max-body-mb")
    status, _, _ = request(server.url + "/healthz")
    assert status == 200


def read_answer(sock: socket.socket) -> bytes:
    """One whole HTTP answer from a raw socket: the head, then Content-Length bytes of body."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(65536)
        if not chunk:
            return answer
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_body_over_the_size_limit_refused_before_sending_with_expect_continue(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/read HTTP/1.1\r\nHost: t\r\nContent-Type: image/jpeg\r\n"
            b"Content-Length: 50000000\r\nExpect: 100-continue\r\n\r\n"
        )
        answer = read_answer(sock)  # not one byte of the 50 MB was sent
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b'"error"' in answer


@pytest.mark.parametrize("connection", ["keep-alive", "close"])
def test_body_over_the_size_limit_chunked(server, connection):
    for _ in range(5):
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        chunks = (os.urandom(64 * 1024) for _ in range(48))  # 3 MB in chunks, no Content-Length
        client.request(
            "POST",
            "/v1/read",
            body=chunks,
            encode_chunked=True,
            headers={"Content-Type": "image/jpeg", "Connection": connection},
        )
        answer = client.getresponse()
        assert answer.status == 413
        body = answer.read()
        assert "--max-body-mb" in json.loads(body)["error"] and body.startswith(b'{"error":"')  # compact, as all
        client.close()


def test_image_over_the_pixel_limit(server):
    huge = cv2.imencode(".png", np.full((2000, 2500), 255, np.uint8))[1].tobytes()  # 5 MP > 4 MP, 20 KB
    assert len(huge) < 100_000
    assert_error(post(server, huge, "image/png"), 413, "2500x2000", "4 MP", "downscale it (to about 2236x1788)")
    # the advice keeps the image's own shape: a portrait scan is told a portrait size (it was always 4:3)
    tall = cv2.imencode(".png", np.full((3000, 1500), 255, np.uint8))[1].tobytes()
    assert_error(post(server, tall, "image/png"), 413, "1500x3000", "to about 1414x2828")


def test_the_pixel_limit_counts_every_page_of_a_tiff_or_a_pdf(server):
    """Three pages of 1.5 MP each pass a 4 MP limit page by page, not together: refused before reading (the
    limit read the first page only, and the reader's own 64 MP let the rest through)."""
    page = np.full((1000, 1500), 255, np.uint8)
    ok, tiff = cv2.imencodemulti(".tiff", [page, page, page])
    assert ok
    assert_error(post(server, tiff.tobytes(), "image/tiff"), 413, "a TIFF of 3 pages", "4.5 MP in all", "4 MP")
    import pypdfium2  # the pdf extra: make test installs it

    document = pypdfium2.PdfDocument.new()
    for _ in range(3):
        document.new_page(540, 360)  # points: 1500x1000 px at 200 dpi
    out = io.BytesIO()
    document.save(out)
    assert_error(post(server, out.getvalue(), "application/pdf"), 413, "a PDF of 3 page(s) at 200 dpi", "4.5 MP")


def test_reads_a_pdf_page_by_page(server):
    from PIL import Image

    pages = [Image.open(SAMPLES / "photo_2026.jpg").convert("RGB"), Image.open(SAMPLES / "scan_4.png").convert("RGB")]
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=200, save_all=True, append_images=pages[1:])
    code, _, body = post(server, out.getvalue(), "application/pdf")
    assert code == 200, body
    assert body["pages"] == 2 and body["text"] == "2026\n4" and {d["page"] for d in body["digits"]} == {1, 2}
    assert body["page_texts"] == ["2026", "4"]
    code, _, strict = post(server, out.getvalue(), "application/pdf", query="?min_confidence=1")
    assert code == 200 and "?" in strict["text"], strict
    assert strict["page_texts"] == strict["text"].split("\n")  # each page's text at the request's threshold too


def test_bad_query_parameters(server):
    assert_error(post(server, PHOTO, query="?min_confidence=2"), 422, "min_confidence")
    assert_error(post(server, PHOTO, query="?single=perhaps"), 422, "single")
    # NaN is no number from 0 to 1: told so (it was 'should be less than or equal to 1')
    assert_error(post(server, PHOTO, query="?min_confidence=nan"), 422, "min_confidence", "finite")
    # a misspelt parameter is named (it was ignored, and the image read at the default threshold: a new user's trial)
    assert_error(post(server, PHOTO, query="?minconfidence=0.9"), 422, "'minconfidence'", "min_confidence")
    assert_error(
        post(server, b"", "multipart/form-data; boundary=x", query="?x=1&y=2", path="/v1/read/batch"), 422, "'x', 'y'"
    )


def test_a_query_parameter_given_twice_is_refused(server):
    """'?min_confidence=0.1&min_confidence=0.9' read at the last one, silently; which one the client meant is
    not the server's guess."""
    assert_error(post(server, PHOTO, query="?min_confidence=0.1&min_confidence=0.9"), 422, "'min_confidence'", "twice")
    assert_error(post(server, PHOTO, query="?single=1&single=0"), 422, "'single'", "give it once")


def test_a_client_that_drops_mid_upload_logs_no_traceback(server):
    """A phone that loses its network mid-upload: starlette's ClientDisconnect was logged as 'Exception in ASGI
    application' with 30 lines of traceback, for a raw body and a multipart one. The server goes on serving."""
    import socket
    import time

    host, port = server.url.split("//")[1].split(":")
    for path, content_type in (("/v1/read", "image/png"), ("/v1/read/batch", "multipart/form-data; boundary=b")):
        with socket.create_connection((host, int(port))) as connection:
            head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: 100000\r\n\r\n"
            part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            part += b"Content-Type: image/png\r\n\r\n"
            connection.sendall(head.encode() + part + b"\x89PNG")  # (a well-formed start: the parser waits for more)
            time.sleep(0.5)
    time.sleep(0.5)
    code, _, body = post(server, PHOTO)
    assert code == 200 and body["text"], body
    assert "Traceback" not in server.output() and "ClientDisconnect" not in server.output(), server.output()[-3000:]


def test_unknown_paths_and_methods(server):
    assert_error(request(server.url + "/v1/nothing"), 404, "/v1")
    assert_error(request(server.url + "/v1/read"), 405, "GET")


def test_multipart_mistakes(server):
    data, kind = multipart([])
    assert_error(post(server, data, kind), 400, "file field")
    data, kind = multipart([("file", "a.jpg", PHOTO), ("file", "b.jpg", PHOTO)])
    assert_error(post(server, data, kind), 413, "at most 1")
    data, kind = multipart([("files", f"{i}.jpg", PHOTO) for i in range(5)])  # --max-batch 4
    assert_error(post(server, data, kind, path="/v1/read/batch"), 413, "at most 4")
    assert_error(post(server, PHOTO, "image/jpeg", path="/v1/read/batch"), 415, "multipart")
    assert_error(post(server, b"--x\r\nnonsense", "multipart/form-data"), 400, "multipart")


def test_errors_about_an_uploaded_file_name_it(server):
    """A file field's problem names the file, not 'the body' (it was: 'the body is not an image' for the second
    of three files in a batch); two files sent to /v1/read are pointed to /v1/read/batch, not only told to
    split them."""
    png = (SAMPLES / "form_two_lines.png").read_bytes()
    huge = cv2.imencode(".png", np.full((2000, 2500), 255, np.uint8))[1].tobytes()  # 5 MP > 4 MP
    cases = [
        ("notes.txt", b"plain text, not an image at all", 415, "not an image"),
        ("empty.png", b"", 400, "empty"),
        ("cut.png", png[: len(png) // 3], 422, "decoded"),
        ("huge.png", huge, 413, "2500x2000"),
    ]
    for name, data, status, words in cases:
        body, kind = multipart([("file", name, data)])
        message = assert_error(post(server, body, kind), status, words, name)
        assert "the body" not in message, message
    batched = cases[:3]  # with the photo: --max-batch 4
    body, kind = multipart([("file", name, data) for name, data, _, _ in batched] + [("file", "photo.jpg", PHOTO)])
    _, _, batch = post(server, body, kind, path="/v1/read/batch")
    for (name, _, status, words), result in zip(batched, batch["results"]):
        assert result["status"] == status and name in result["error"] and words in result["error"], result
        assert "the body" not in result["error"], result
    assert batch["results"][-1]["text"] == "2026"
    body, kind = multipart([("file", "a.jpg", PHOTO), ("file", "b.jpg", PHOTO)])
    assert_error(post(server, body, kind), 413, "at most 1", "/v1/read/batch")


def trickle(port: int, head: bytes, drip: bytes, period: float = 0.2, limit: float = 12.0) -> tuple[bytes, float]:
    """Send ``head``, then one byte of ``drip`` every ``period`` s until the server answers and closes (or
    ``limit`` s pass). The answer and the seconds it took."""
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:
        sock.sendall(head)
        started = time.monotonic()
        sock.settimeout(period)
        answer, i = b"", 0
        while time.monotonic() - started < limit:
            try:
                chunk = sock.recv(65536)
                if not chunk:
                    break  # closed by the server
                answer += chunk
                continue
            except socket.timeout:
                pass
            except ConnectionResetError:
                break
            try:
                sock.sendall(drip[i % len(drip) : i % len(drip) + 1])
                i += 1
            except OSError:
                pass
        return answer, time.monotonic() - started


def test_slow_body_times_out(server):
    head = (
        b"POST /v1/read HTTP/1.1\r\nHost: t\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n" + PHOTO[:100]
    )
    answer, seconds = trickle(server.port, head, PHOTO[100:])
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"--body-timeout" in answer
    assert 1.8 <= seconds <= 6, seconds  # --body-timeout 2


def test_slow_headers_time_out(server):
    answer, seconds = trickle(server.port, b"POST /v1/read HTTP/1.1\r\n", b"X-Slow: " + b"a" * 200)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"headers" in answer
    assert 1.8 <= seconds <= 6, seconds  # --header-timeout 2


def test_silent_connection_is_closed(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        started = time.monotonic()
        answer = read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 408")
        assert sock.recv(65536) == b""
    assert time.monotonic() - started <= 6


def test_still_healthy_after_all_that(server):
    status, _, body = post(server, PHOTO)
    assert status == 200 and body["text"] == "2026"
    assert server.process.poll() is None


# --------------------------------------------------------------------------- concurrency


def test_concurrent_clients_get_their_own_answers(server):
    images = {name: (SAMPLES / name).read_bytes() for name in EXPECTED}
    jobs = [name for name in sorted(EXPECTED) for _ in range(6)]

    def one(name: str):
        kind = "image/jpeg" if name.endswith(".jpg") else "image/png"
        return name, post(server, images[name], kind)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, jobs))
    assert len(results) == len(jobs)
    for name, (status, _, body) in results:
        assert status == 200, body
        assert body["text"] == EXPECTED[name], name


def test_concurrent_requests_read_together_keep_their_own_options(server):
    # Requests waiting together are read in one batch: each keeps its own single and min_confidence.
    drawing = (SAMPLES / "drawing_7.png").read_bytes()
    jobs = [
        (PHOTO, "image/jpeg", "", "2026"),
        (drawing, "image/png", "?single=true", "7"),
        (PHOTO, "image/jpeg", "?min_confidence=1", None),
        ((SAMPLES / "scan_4.png").read_bytes(), "image/png", "?single=true", "4"),
    ] * 8

    def one(job):
        data, kind, query, expected = job
        status, _, body = post(server, data, kind, query)
        assert status == 200, body
        return expected, body

    with ThreadPoolExecutor(16) as pool:
        for expected, body in pool.map(one, jobs):
            if expected is None:  # min_confidence=1: the photo's digits, some shown as "?"
                assert len(body["text"]) == 4 and "?" in body["text"] and len(body["digits"]) == 4
            else:
                assert body["text"] == expected
                if expected in ("7", "4"):
                    assert len(body["digits"]) == 1


def test_a_slow_client_does_not_hold_up_the_others(server):
    head = b"POST /v1/read HTTP/1.1\r\nHost: t\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n"
    slow = [threading.Thread(target=trickle, args=(server.port, head, PHOTO), daemon=True) for _ in range(8)]
    for thread in slow:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    for _ in range(10):
        status, _, body = post(server, PHOTO)
        assert status == 200 and body["text"] == "2026"
    assert time.monotonic() - started < 5  # ten reads of a few ms each, while eight clients trickle
    for thread in slow:
        thread.join(15)


def test_two_worker_processes():
    with Server("--workers", "2") as running:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: post(running, PHOTO), range(24)))
        assert all(status == 200 and body["text"] == "2026" for status, _, body in answers)


def test_the_line_orientation_and_pencil_models_can_be_switched_off(server, tmp_path):
    """`serve --line-model none --orientation-model none --pencil-model none`, as classify takes them (serve had
    only --model, so a server could not read without the line model, or with a line model of the user's): with
    two worker processes (the settings travel to them as JSON; whichever answers), /v1/models names none of the
    three, and a photo of a line of digits is read without the line model (no ``raw``), which the default server
    reads with it. That every worker gets the settings is the JSON round trip's test."""
    _, _, with_line_model = post(server, PHOTO)
    assert "raw" in with_line_model, with_line_model
    switched_off = ["--line-model", "none", "--orientation-model", "None", "--pencil-model", "NONE"]
    own = tmp_path / "own models" / "default.onnx"  # a file of the user's: named by its path, not as the shipped one
    own.parent.mkdir()
    own.write_bytes((ROOT / "models" / "default.onnx").read_bytes())
    with Server("--workers", "2", "--model", str(own), *switched_off) as running:
        banner = next(line for line in running.output().splitlines() if line.startswith("edgedigits serve:"))
        assert f"; reading with --model '{own}' --line-model none --pencil-model none" in banner, banner
        for _ in range(6):  # answered by either worker
            status, _, body = request(running.url + "/v1/models")
            assert status == 200, body
            loaded = body["loaded"]
            assert loaded["name"] == "default" and loaded["digit_orientation_model"] is None  # (needs a line model)
            assert loaded["line_model"] is None and loaded["orientation_model"] is None, loaded
            assert loaded["pencil_model"] is None, loaded
            status, _, reading = post(running, PHOTO)
            assert status == 200 and reading["digits"], reading
            assert "raw" not in reading, reading


# --------------------------------------------------------------------------- security defaults


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a listening socket on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_binds_loopback_by_default(server):
    assert listening_addresses(server.port) == {"127.0.0.1"}


def run_cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_refuses_other_hosts_without_an_api_key():
    environment = {k: v for k, v in os.environ.items() if k != "EDGEDIGITS_API_KEY"}
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "serve", "--host", "0.0.0.0", "--port", str(port)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 2
    assert "API key" in result.stderr and "--api-key" in result.stderr and "EDGEDIGITS_API_KEY" in result.stderr
    assert listening_addresses(port) == set()
    result = run_cli("serve", "--port", str(port), "--api-key", "short")
    assert result.returncode == 2 and "at least 16" in result.stderr


def test_the_banner_names_the_models_it_reads_with(server):
    """The start-up line names every model the server reads with, as the options that name them (it named none:
    a new user's trial, 2026-12-07); --workers 2 and --line-model none: test above."""
    banner = next(line for line in server.output().splitlines() if line.startswith("edgedigits serve:"))
    models = "--model default --line-model line --orientation-model orientation --digit-orientation-model "
    assert f"; reading with {models}digit-orientation --pencil-model pencil" in banner, banner


def test_on_every_address_the_banner_gives_a_page_address_that_opens():
    """``--host 0.0.0.0``: the start-up line gave 'the page at http://0.0.0.0:PORT/', an address to listen on,
    not one to open (Chromium refuses it, and it is no secure page, so the camera would not start). It now
    gives this machine's loopback address, which answers, and says other machines use this one's address."""
    with Server("--host", "0.0.0.0", env={"EDGEDIGITS_API_KEY": KEY}) as running:
        banner = next(line for line in running.output().splitlines() if line.startswith("edgedigits serve:"))
        assert "0.0.0.0" not in banner.split("listening")[0], banner
        page = re.search(r"http://\S+/", banner)
        assert page and page.group(0) == f"http://127.0.0.1:{running.port}/", banner
        assert "other machines" in banner and "API key required" in banner, banner
        status, headers, _ = request(page.group(0))
        assert status == 200 and headers["content-type"].startswith("text/html")


def test_config_checks():
    from edgedigits.runtime.serve import ServeConfig, ServeError, is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.9.9.9")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.5")
    assert not is_loopback("example.org")
    ServeConfig(host="0.0.0.0", api_key=KEY).check()  # a key makes any host acceptable
    for bad in (
        dict(host="::"),
        dict(host="10.0.0.2"),
        dict(max_body_bytes=10),
        dict(max_pixels=10**9),
        dict(workers=0),
        dict(body_timeout=0),
        dict(cors_origins=("example.org",)),
    ):
        with pytest.raises(ServeError):
            ServeConfig(**bad).check()


def test_the_config_keeps_the_models_on_its_way_to_the_worker_processes():
    """--workers N hands the settings to each worker as JSON ($EDGEDIGITS_SERVE_CONFIG): the line, orientation,
    digit-orientation and pencil models come back as they were given (None: the shipped one; "none" or False: no
    such model). A model given as anything else (a Path, True) is refused by check, naming the option; it reached
    resolve_model, whose "expected str, bytes or os.PathLike object, not bool" named nothing."""
    from pathlib import Path

    from edgedigits.runtime.serve import ServeConfig, ServeError

    config = ServeConfig(
        model="seed-mlp",
        line_model="/models/my-line.onnx",
        orientation_model="none",
        digit_orientation_model=False,
        pencil_model="pencil",
        workers=2,
        cors_origins=("https://app.example",),
    )
    assert ServeConfig.from_json(config.to_json()) == config.check()
    for field, value in (("line_model", True), ("pencil_model", Path("x.onnx")), ("model", False)):
        option = "--" + field.replace("_", "-")
        said = rf"^{option} \({field}=\) takes a shipped model's name .*got {re.escape(repr(value))}"
        with pytest.raises(ServeError, match=said):
            ServeConfig(**{field: value}).check()
    assert ServeConfig.from_json(ServeConfig().to_json()) == ServeConfig()
    assert ServeConfig().line_model is None and ServeConfig().orientation_model is None
    assert ServeConfig().pencil_model is None


@pytest.mark.parametrize(
    "option, value, words",
    [
        ("--max-body-mb", "nan", "--max-body-mb"),
        ("--max-body-mb", "inf", "--max-body-mb"),
        ("--max-megapixels", "nan", "--max-megapixels"),
        ("--max-megapixels", "inf", "--max-megapixels"),
        ("--body-timeout", "nan", "--body-timeout"),
        ("--body-timeout", "inf", "--body-timeout"),
        ("--header-timeout", "nan", "--header-timeout"),
        ("--log-level", "loud", "critical"),
        ("--port", "65536", "1 to 65535"),
    ],
)
def test_bad_numbers_and_names_are_refused_before_listening(option, value, words):
    """A value that is no number of its kind is refused at the start, exit 2, with a sentence naming the option.
    Before: NaN or infinite sizes and an unknown log level ended in a traceback (exit 1), a NaN --body-timeout
    started a server answering 500 to every image, and a NaN --header-timeout one closing every connection
    unanswered. (--port 0 listened on a random port while printing http://127.0.0.1:0/; it is refused no more,
    test_port_0_listens_on_a_free_port_and_names_it.)"""
    port = [] if option == "--port" else ["--port", str(free_port())]
    try:
        result = run_cli("serve", *port, option, value, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve {option} {value} started a server instead of refusing the value")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("edgedigits: ") and words in result.stderr, result.stderr


def test_port_0_listens_on_a_free_port_and_names_it():
    """--port 0: the system picks a free port (an app or a test starting its own server, two at once), and the
    start-up line names it (a new user's trial found 0 refused; before that it printed http://127.0.0.1:0/)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "edgedigits.runtime.cli", "serve", "--port", "0", "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        for _ in range(20):  # the start-up line (after any warning)
            line = process.stderr.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found or not line:
                break
        assert found and int(found.group(1)) > 0, line
        url = f"http://127.0.0.1:{found.group(1)}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = request(url + "/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, line
                time.sleep(0.1)
        assert status == 200, body
    finally:
        process.terminate()
        process.wait(15)


def test_reader_pixel_limit_matches():
    from edgedigits.runtime.images import MAX_PIXELS
    from edgedigits.runtime.serve import READER_MAX_PIXELS

    assert READER_MAX_PIXELS == MAX_PIXELS


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bad_model_is_a_clear_error(tmp_path, workers):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not an ONNX model" * 100)
    for model, words in ((str(broken), "not a usable ONNX model"), (str(tmp_path / "missing.onnx"), "no such")):
        result = run_cli("serve", "--port", str(free_port()), "--workers", workers, "--model", model)
        assert result.returncode == 2, result.stderr
        assert words in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bad_line_orientation_digit_orientation_or_pencil_model_is_a_clear_error(tmp_path, workers):
    """A named line, orientation, digit-orientation or pencil model that is no such model (a damaged file, a missing
    one, a shipped model of another kind) stops the server before it listens, exit 2, with a sentence naming the
    option and the problem: with one worker (the app opens them as it is built) and with two (the supervisor checks
    them in a short-lived process)."""
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not an ONNX model" * 100)
    cases = [
        ("--line-model", str(broken), ["broken.onnx", "not a usable ONNX model"]),
        ("--line-model", str(tmp_path / "missing.onnx"), ["missing.onnx", "no such model file"]),
        ("--line-model", "default", ["default: not a line model", "shipped digit model"]),  # a digit model
        ("--orientation-model", "default", ["default: not an orientation model", "--model or --pencil-model"]),
        ("--pencil-model", "line", ["line: not a digit model", "goes to --line-model"]),
        ("--digit-orientation-model", "pencil", ["pencil: not a digit-orientation model", "shipped digit model"]),
    ]
    for option, value, words in cases:
        try:
            result = run_cli("serve", "--port", str(free_port()), "--workers", workers, option, value, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"serve {option} {value} started a server instead of refusing the model")
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith(f"edgedigits: {option}: "), result.stderr
        for word in words:
            assert word in result.stderr, result.stderr


def test_port_in_use_is_a_clear_error(server):
    result = run_cli("serve", "--port", str(server.port))
    assert result.returncode == 2 and "cannot listen" in result.stderr and "--port" in result.stderr
    assert "--host" not in result.stderr


@pytest.mark.parametrize("host", ["", "http://127.0.0.1", "localhost:8000", "127.0.0.1 ", "a b"])
def test_a_host_that_is_no_address_is_refused_before_anything_else(host):
    """'--host http://127.0.0.1' and 'localhost:8000' were told to add an API key, then to pick another --port;
    '--host ""' started and printed the page at 'http://:PORT/'; '--host "a b"' was told to add an API key, then
    'Name or service not known' (new users' trials)."""
    for env in ({}, {"EDGEDIGITS_API_KEY": KEY}):
        result = run_cli("serve", "--port", str(free_port()), "--host", host, env=env)
        assert result.returncode == 2 and f"--host {host!r} is not an address" in result.stderr, result.stderr
        assert "API key" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["999.1.1.1", "nosuchhost.invalid", "192.0.2.1"])
def test_a_host_that_is_not_this_machines_is_a_clear_error(host):
    """A bad --host is the host's fault, not the port's (a new user's trial: '999.1.1.1' was told to pick
    another --port). 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine's address."""
    result = run_cli("serve", "--port", str(free_port()), "--host", host, env={"EDGEDIGITS_API_KEY": KEY})
    assert result.returncode == 2, result.stderr
    assert f"cannot listen on {host}:" in result.stderr and "--host takes an address of this machine" in result.stderr
    assert "pick another --port" not in result.stderr


def test_api_key():
    with Server(env={"EDGEDIGITS_API_KEY": KEY}) as running:
        message = assert_error(post(running, PHOTO), 401, "API key")
        assert "X-API-Key" in message
        assert_error(post(running, PHOTO, headers={"X-API-Key": KEY[:-1] + "X"}), 401, "wrong")
        assert_error(post(running, PHOTO, headers={"Authorization": "Bearer " + KEY[1:]}), 401, "wrong")
        assert_error(post(running, PHOTO, headers={"Authorization": "Basic " + KEY}), 401, "needs")
        status, _, body = post(running, PHOTO, headers={"X-API-Key": KEY})
        assert status == 200 and body["text"] == "2026"
        status, _, body = post(running, PHOTO, headers={"Authorization": f"Bearer {KEY}"})
        assert status == 200 and body["text"] == "2026"
        assert request(running.url + "/healthz")[0] == 200  # liveness and the page need no key
        assert request(running.url + "/")[0] == 200
        assert_error(request(running.url + "/v1/models"), 401)


def test_cors_is_off_unless_configured(server):
    origin = {"Origin": "https://elsewhere.example"}
    _, headers, _ = post(server, PHOTO, headers=origin)
    assert "access-control-allow-origin" not in headers
    preflight = {**origin, "Access-Control-Request-Method": "POST"}
    status, headers, _ = request(server.url + "/v1/read", headers=preflight, method="OPTIONS")
    assert status >= 400 and "access-control-allow-origin" not in headers
    with Server("--cors-origin", "https://app.example") as running:
        _, headers, _ = post(running, PHOTO, headers={"Origin": "https://app.example"})
        assert headers["access-control-allow-origin"] == "https://app.example"
        assert "server-timing" in headers["access-control-expose-headers"].lower()  # a page may read the timings
        _, headers, _ = post(running, PHOTO, headers=origin)
        assert "access-control-allow-origin" not in headers
        status, headers, _ = request(
            running.url + "/v1/read",
            method="OPTIONS",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert status == 200 and headers["access-control-allow-origin"] == "https://app.example"


def test_requests_never_name_server_files(server):
    # No operation takes a file name, path or model: only the two reading options.
    _, _, spec = request(server.url + "/openapi.json")
    for path, operations in spec["paths"].items():
        assert "{" not in path, path
        for operation in operations.values():
            assert {p["name"] for p in operation.get("parameters", [])} <= {"single", "min_confidence"}
    # A query that names a file is refused, naming the parameters: only the body is ever read.
    message = assert_error(post(server, PHOTO, query="?path=/etc/passwd&model=/etc/passwd&file=/etc/passwd"), 422)
    assert "'file', 'model', 'path'" in message and "passwd" not in message
    # The page's files cannot be climbed out of.
    for attempt in (
        b"/static/../serve/app.py",
        b"/static/..%2f..%2fcli.py",
        b"/static/%2e%2e/%2e%2e/etc/passwd",
        b"/static//etc/passwd",
    ):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET " + attempt + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.split(b"\r\n")[0] in (b"HTTP/1.1 404 Not Found", b"HTTP/1.1 400 Bad Request"), attempt
        assert b"import" not in answer and b"root:" not in answer


def test_page_and_its_headers(server):
    status, headers, page = request(server.url + "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    for asset in ("/static/app.js", "/static/style.css", "/static/icon.svg"):
        status, _, _ = request(server.url + asset)
        assert status == 200, asset
    assert "http://" not in page and "https://" not in page, "the page must load nothing from elsewhere"


def test_serves_without_tensorflow():
    from helpers import RUN_WITHOUT_TF  # importing tensorflow, keras, onnx, ... raises ImportError

    with Server(launcher=[sys.executable, "-c", RUN_WITHOUT_TF]) as running:
        status, _, body = post(running, PHOTO)
        assert status == 200 and body["text"] == "2026"
        data, kind = multipart([("file", "a.png", (SAMPLES / "scan_4.png").read_bytes())])
        assert post(running, data, kind, path="/v1/read/batch")[2]["results"][0]["text"] == "4"
        assert "blocked for this test" not in running.output()


def test_classify_never_imports_the_server():
    code = (
        "import sys\nfrom edgedigits.runtime.cli import main\nsys.argv = ['edgedigits', 'classify', "
        f"{str(SAMPLES / 'scan_4.png')!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'pydantic') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
