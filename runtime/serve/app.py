"""The FastAPI app: routes, the reading threads, and an answer for every kind of bad request.

One ``DigitReader`` (one onnxruntime session) per process, shared by every request; its ``read_batch`` is
thread-safe. Decoding and reading run on a pool of reading threads, never on the event loop, so a slow image
never stalls other connections; concurrent requests are read together, one ``read_batch`` per batch
(batching.py). One reading thread per process by default: the image stages hold Python's GIL, and two threads
in one process cost 25-50% more CPU per image than one, for no more throughput on the shared 2-core machine
(``benchmarks/serve_load.py --threads 2``); ``--workers`` adds processes, which do use more cores.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.staticfiles import StaticFiles

from ..images import FORMATS, header_size, is_video, looks_like_image, other_format, pixel_count
from ..pdf import available as pdf_available
from ..pdf import is_pdf
from ..reader import DigitReader, Reading
from .batching import Batcher
from .config import ServeConfig
from .limits import ApiError, Guard
from .models import loaded_models, open_reader

WEB = Path(__file__).resolve().parent.parent / "web"  # the page: plain HTML, JS and CSS, package data
MAX_NAME = 255  # an upload's file name is echoed back as ``path``, cut to this many characters
# What to do with a video posted: the server reads still images (the CLI and DigitReader.read say the same)
SEND_FRAMES = "send its frames as images (edgedigits webcam --source FILE --headless reads a video's frames)"

# --------------------------------------------------------------------------- the schema, for /docs


class DigitRecord(BaseModel):
    digit: int = Field(description="0-9, the network's best guess")
    confidence: float = Field(description="its probability, 0-1")
    box: list[int] = Field(description="[x, y, w, h] in the image's pixels")
    line: int = Field(0, description="the line of text the digit is on, 0 = first (text's lines, split by '\\n')")
    page: int | None = Field(None, description="in a file of several pages (a TIFF, a PDF): its page, 1 = first")


class ReadingRecord(BaseModel):
    path: str | None = Field(None, description="the uploaded file's name (multipart), else null")
    text: str = Field(description="the digits in reading order; lines joined by '\\n'; '?' below min_confidence")
    digits: list[DigitRecord]
    raw: str | None = Field(
        None,
        description="everything the line model read (digits, separators, '*' for a word), lines joined by "
        "'\\n'; absent when no line model read the image",
    )
    pages: int | None = Field(None, description="a file of several pages (a TIFF, a PDF): how many, read in order")
    page_texts: list[str] | None = Field(None, description="with pages: each page's text, '' for a page of none")
    timings_ms: dict[str, float] = Field(
        description="decode, extract, infer (the reader's stages), queue (waiting "
        "for a reading thread), total (from the whole body to the answer)"
    )


class ErrorRecord(BaseModel):
    error: str = Field(description="what is wrong and what to do")
    path: str | None = None
    status: int | None = Field(None, description="in a batch's results: the status this image alone would get")


class BatchAnswer(BaseModel):
    results: list[ReadingRecord | ErrorRecord] = Field(
        description="one per file field, in order; an unreadable image gives {path, error, status}"
    )
    timings_ms: dict[str, float]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorRecord, "description": "empty body, no file field, malformed request"},
    401: {"model": ErrorRecord, "description": "API key missing or wrong (only when the server has one)"},
    408: {"model": ErrorRecord, "description": "the body did not arrive in time"},
    413: {"model": ErrorRecord, "description": "body over the size limit, image over the pixel limit, too many files"},
    415: {"model": ErrorRecord, "description": "wrong Content-Type, or the body is not an image"},
    422: {"model": ErrorRecord, "description": "a damaged image, or a bad query parameter"},
}

IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "image/*": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}
BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                }
            }
        },
    }
}

DESCRIPTION = f"""Read handwritten digits over HTTP.

Send an image ({FORMATS}) as the raw body of `POST /v1/read` (with `Content-Type: image/png`, `image/jpeg`, ... or
`application/octet-stream`) or as a multipart file field; several at once as multipart fields to
`POST /v1/read/batch`. A PDF (`application/pdf`) is read page by page when the server has the `pdf` extra. Every
error answers `{{"error": "..."}}`: a sentence saying what to fix.
"""


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status, headers, media_type="application/json")


# --------------------------------------------------------------------------- the app


def build_app(config: ServeConfig, reader: DigitReader | None) -> FastAPI:
    """See ``serve.create_app``. ``config`` must be checked already."""
    import cv2

    from ..images import quiet_opencv_log
    from ..model import shipped_models

    quiet_opencv_log()  # and no environment variable: a host's child processes inherit those
    cv2.setNumThreads(1)  # requests run side by side on the pool's threads: OpenCV's own pool would only spin
    reader = reader or open_reader(config)  # its named models opened now: a bad one stops the server unstarted
    batcher = Batcher(reader, config.reading_threads())

    # Starts the reading threads early, and opens and runs every model's session once (DigitReader.warm_up: the
    # first read cost 33-35 ms where the next cost 6-8, and a broken line model file now stops the server as it
    # starts, naming the file), and stops the threads at shutdown, when the server runs the app's lifespan. It
    # may not (mounted in another app, whose server runs only the host's; lifespan="off"): the first request
    # that reads then starts them (batching.py), and pays the first read's cost.
    @asynccontextmanager
    async def lifespan(app):
        batcher.start()
        await asyncio.get_running_loop().run_in_executor(batcher.pool(), reader.warm_up)
        yield
        await batcher.stop()

    # FastAPI's /docs loads Swagger UI from a CDN: blank offline. fastapi-offline's FastAPI serves the same page
    # with the script and stylesheet from its own package (under /static-offline-docs); no ReDoc.
    app = FastAPIOffline(
        title="edgedigits",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        redoc_url=None,
        favicon_url="static/icon.svg",  # relative to /docs: right also under a prefix (mounted in another app)
    )
    app.state.reader = reader
    app.state.config = config

    async def in_pool(function):
        """Run ``function()`` on a reading thread: (its result, ms it waited for a thread)."""
        submitted = time.perf_counter()

        def timed():
            started = time.perf_counter()
            return function(), (started - submitted) * 1e3

        return await asyncio.get_running_loop().run_in_executor(batcher.pool(), timed)

    # ----------------------------------------------------------------------- errors as sentences

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return json_response({"error": exc.message}, exc.status, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            root = request.scope.get("root_path", "")  # where an app that mounts this one put it (create_app)
            message = f"no such page or endpoint: {request.url.path}; the API is under {root}/v1 (see {root}/docs)"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; see /docs for the methods"
        else:
            message = str(exc.detail)
        return json_response({"error": message}, exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = []
        for error in exc.errors():
            where = " ".join(str(part) for part in error.get("loc", ()) if part not in ("query", "body"))
            problems.append(f"{where}: {error.get('msg', 'invalid')}".lower())
        return json_response(
            {
                "error": "bad query parameter (" + "; ".join(problems) + "); fix it and send the "
                "request again (see /docs)"
            },
            422,
        )

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect):
        """A client that closed the connection mid-upload (a phone losing its network): nobody is left to answer,
        and it is no server error (it logged 30 lines of traceback as one). uvicorn drops the answer: no access-log
        line either."""
        return json_response({"error": "the client closed the connection before its body arrived"}, 400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # logged by uvicorn with its traceback
        return json_response(
            {
                "error": "internal error while handling the request; the server logged it: please "
                "report it with the image that caused it"
            },
            500,
        )

    # ----------------------------------------------------------------------- reading

    def record(reading: Reading, name: str | None, min_confidence: float, queue_ms: float, started: float) -> dict:
        timings = {key: round(value, 3) for key, value in reading.timings_ms.items()}
        timings["queue"] = round(queue_ms, 3)
        timings["total"] = round((time.perf_counter() - started) * 1e3, 3)
        # classify's record (Reading.to_dict), with this request's name, min_confidence and timings
        out = {"path": name, **reading.with_min_confidence(min_confidence).to_dict()}  # (page_texts too)
        out.update(path=name, timings_ms=timings)
        return out

    def check_image(data: bytes, name: str | None = None) -> None:
        """Raise ApiError for an empty body or an image over the pixel limit (read from its header).
        ``name``: the uploaded file's name (multipart), which the message then names."""
        image = f"the image {name!r}" if name else "the image"
        if not data and name:
            raise ApiError(
                400, f"the file {name!r} is empty (0 bytes); it was not fully written or copied: send it whole"
            )
        if not data:
            raise ApiError(
                400,
                "the image is empty (0 bytes); send the image file's bytes as the body, or as a "
                "multipart file field named 'file'",
            )
        counted = pixel_count(data)  # every page of a multi-page TIFF or a PDF, from the headers
        if counted is None or counted[0] <= config.max_pixels:
            return
        pixels, pages, what = counted
        limit = f"above this server's limit of {config.max_pixels / 1e6:g} MP"
        if pages > 1:
            raise ApiError(
                413,
                f"{image} is {what}, {pixels / 1e6:.1f} MP in all, {limit}; send its pages in smaller files "
                "(one request each)",
            )
        size = header_size(data) or (0, 0)
        shrink = (config.max_pixels / pixels) ** 0.5  # the image's own shape, scaled to fit
        width, height = max(1, int(size[0] * shrink)), max(1, int(size[1] * shrink))
        raise ApiError(
            413,
            f"{image} is {what} ({pixels / 1e6:.1f} MP), {limit}; downscale it (to about {width}x{height}) "
            "and send it again",
        )

    def unreadable(data: bytes, reading: Reading, name: str | None = None) -> ApiError:
        """The 415 or 422 for bytes the reader could not read; ``name`` (multipart) is named instead of the body."""
        body = f"the file {name!r}" if name else "the body"
        if data.startswith(b"data:"):
            return ApiError(
                415, f"{body} is a data: URL, not an image; send the decoded image bytes (or a multipart file field)"
            )
        if is_pdf(data) and pdf_available():  # a PDF this server reads, but not this one: why, from the reader
            document = f"the PDF {name!r}" if name else "the PDF"
            return ApiError(422, f"{document} could not be read: {reading.error}")
        if is_video(data):  # as classify and DigitReader.read say ('its first bytes are no image format's' misled a
            # new user who posted an MP4)
            return ApiError(415, f"{body} is a video file, not an image; {SEND_FRAMES}")
        other = other_format(data)  # a PDF (without the pdf extra), a HEIC photo, text, ...: named, with what to do
        if other is not None:
            return ApiError(415, f"{body} is not an image this server reads: {other}")
        if not looks_like_image(data):  # binary, of no format its first bytes tell (text was named above): a
            # damaged file or an unknown format, as classify says ('send ... not text, JSON or base64' misled a
            # new user who posted a corrupt PNG)
            return ApiError(
                415,
                f"{body} is not an image OpenCV can decode ({FORMATS}): its first bytes are no image format's; "
                "re-export or re-save the file and send its bytes",
            )
        image = f"the image {name!r}" if name else "the image"
        return ApiError(
            422,
            f"{image} could not be decoded ({(reading.error or '').split(';')[0]}); re-save or "
            "re-export it and send the whole file",
        )

    async def files_of(request: Request, max_files: int, split: str) -> list[tuple[str | None, bytes]]:
        """The (file name, bytes) of each file field of a multipart body; the spooled files are closed.
        ``split``: what to do with more than ``max_files`` files (the end of the 413's sentence)."""
        try:
            async with request.form(max_files=max_files, max_fields=max_files + 16) as form:
                uploads = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
                return [
                    (upload.filename[:MAX_NAME] if upload.filename else None, await upload.read()) for upload in uploads
                ]
        except StarletteHTTPException as exc:  # python-multipart's complaints, as 400s
            detail = str(exc.detail)
            if "Too many files" in detail:
                raise ApiError(413, f"too many files in one request: at most {max_files}; {split}") from None
            raise ApiError(
                400,
                f"the multipart body could not be parsed ({detail.rstrip('.')}); send it as "
                "multipart/form-data with a boundary (curl -F file=@photo.jpg ...)",
            ) from None

    def media_type(request: Request) -> str:
        return request.headers.get("content-type", "").split(";")[0].strip().lower()

    def known_query(request: Request) -> None:
        """Raise ApiError 422 naming a query parameter the reading endpoints do not have: a misspelt one
        ('?minconfidence=0.9') was ignored, and the image read at the default threshold (a new user's trial)."""
        unknown = sorted(set(request.query_params) - {"single", "min_confidence"})
        if unknown:
            raise ApiError(
                422,
                f"unknown query parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; the "
                "reading endpoints take single and min_confidence (see /docs)",
            )
        for name in ("single", "min_confidence"):  # '?min_confidence=0.1&min_confidence=0.9' took the last
            values = request.query_params.getlist(name)
            if len(values) > 1:
                times = "twice" if len(values) == 2 else f"{len(values)} times"
                raise ApiError(422, f"query parameter {name!r} given {times} ({', '.join(values)}); give it once")

    @app.post(
        "/v1/read",
        response_model=ReadingRecord,
        responses=ERRORS,
        openapi_extra=IMAGE_BODY,
        summary="Read the digits in one image",
    )
    async def read(
        request: Request,
        single: bool = Query(False, description="the whole image is one digit: skip detection"),
        min_confidence: float = Query(
            0.5, ge=0, le=1, allow_inf_nan=False, description="digits less certain show as '?'"
        ),
    ):
        """The body is one image: its raw bytes, or a multipart file field (named ``file``). Answers the
        ``classify`` record with the time each stage took."""
        known_query(request)
        kind = media_type(request)
        name = None
        if kind == "multipart/form-data":
            files = await files_of(
                request,
                max_files=1,
                split=f"send several images to POST /v1/read/batch (up to {config.max_batch} a request) or "
                "one per request here",
            )
            if not files:
                raise ApiError(
                    400,
                    "the multipart body has no file field; send the image as a file field named "
                    "'file' (curl -F file=@photo.jpg ...)",
                )
            name, data = files[0]
        elif kind in ("", "application/octet-stream", "application/pdf") or kind.startswith("image/"):
            data = await request.body()
        elif kind.startswith("video/"):
            raise ApiError(415, f"Content-Type {kind} is a video's, not an image's; {SEND_FRAMES}")
        else:
            raise ApiError(
                415,
                f"Content-Type {kind} is not an image type; send the image's bytes with "
                "Content-Type image/png, image/jpeg, application/pdf or application/octet-stream (curl -H "
                "'Content-Type: image/jpeg' --data-binary @photo.jpg ...), or as a multipart file "
                "field named 'file' (curl -F file=@photo.jpg ...)",
            )
        started = time.perf_counter()
        check_image(data, name)
        reading, queue_ms = await batcher.read(data, single)
        if not reading.ok:
            raise unreadable(data, reading, name)
        answer = record(reading, name, min_confidence, queue_ms, started)
        return json_response(answer, headers={"server-timing": server_timing(answer["timings_ms"])})

    @app.post(
        "/v1/read/batch",
        response_model=BatchAnswer,
        responses=ERRORS,
        openapi_extra=BATCH_BODY,
        summary="Read the digits in several images",
    )
    async def read_batch(
        request: Request,
        single: bool = Query(False, description="each image is one digit: skip detection"),
        min_confidence: float = Query(
            0.5, ge=0, le=1, allow_inf_nan=False, description="digits less certain show as '?'"
        ),
    ):
        """Several images as multipart file fields (any names), read with one pass of the network. An image
        that cannot be read gives ``{path, error, status}`` in its place; the others are read."""
        known_query(request)
        if media_type(request) != "multipart/form-data":
            raise ApiError(
                415,
                "send the images as multipart/form-data file fields (curl -F file=@a.png -F "
                "file=@b.png ...); for one raw image use POST /v1/read",
            )
        items = await files_of(request, max_files=config.max_batch, split="split them into several requests")
        if not items:
            raise ApiError(
                400, "the multipart body has no file fields; add one per image (curl -F file=@a.png -F file=@b.png ...)"
            )
        started = time.perf_counter()
        results: list[dict | None] = [None] * len(items)
        good = []
        for index, (name, data) in enumerate(items):
            try:
                check_image(data, name)
                good.append(index)
            except ApiError as exc:
                results[index] = {"path": name, "error": exc.message, "status": exc.status}
        readings, queue_ms = await in_pool(lambda: reader.read_batch([items[i][1] for i in good], single=single))
        for index, reading in zip(good, readings):
            name, data = items[index]
            if reading.ok:
                results[index] = record(reading, name, min_confidence, queue_ms, started)
            else:
                problem = unreadable(data, reading, name)
                results[index] = {"path": name, "error": problem.message, "status": problem.status}
        total = round((time.perf_counter() - started) * 1e3, 3)
        return json_response({"results": results, "timings_ms": {"queue": round(queue_ms, 3), "total": total}})

    # ----------------------------------------------------------------------- about the server

    loaded = loaded_models(reader)  # the digit model, and the models that read with it (null: none)

    @app.get("/v1/models", summary="The loaded model and the shipped ones")
    async def models():
        shipped = [
            {
                key: row[key]
                for key in ("name", "accuracy", "size_bytes", "params", "mflops_per_digit", "preset", "description")
            }
            for row in shipped_models()
        ]
        return json_response({"loaded": loaded, "models": shipped})

    @app.get("/healthz", summary="Liveness: the model is loaded and the reading threads run")
    async def healthz():
        """200 once the reading threads run for this server's event loop: started here when no read started
        them, as the first read would, so 200 means a read is taken. No image is read: a probe must not wait
        behind the readings queued under load."""
        batcher.start()
        return json_response({"status": "ok", "model": reader.model.name, "version": app.version})

    # ----------------------------------------------------------------------- the page

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(
            WEB / "index.html", media_type="text/html; charset=utf-8", headers={"cache-control": "no-cache"}
        )

    app.mount("/static", StaticFiles(directory=WEB), name="static")

    # Outermost last: CORS (when configured) answers preflights before the guard asks for the API key.
    app.add_middleware(
        Guard, api_key=config.api_key, max_body_bytes=config.max_body_bytes, body_timeout=config.body_timeout
    )
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
            expose_headers=["Server-Timing"],  # (the timings are in the body too: timings_ms)
            max_age=600,
        )
    return app


def server_timing(timings: dict) -> str:
    """The stage times as a ``Server-Timing`` header, which browsers' developer tools draw."""
    return ", ".join(f"{key};dur={value:.2f}" for key, value in timings.items())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("edgedigits")
    except PackageNotFoundError:
        return "0+unknown"
