"""A host app that embeds edgedigits' app, for tests/test_serve_embed.py: ``python embedded_host.py MODE [KEY] PORT``.

MODE ``mount``: a FastAPI app of its own (``/threads`` lists this process's threads) with edgedigits' app mounted
at ``/digits``; Starlette runs the host's lifespan, never the mounted app's. MODE ``lifespan-off``: edgedigits'
app alone, run with ``lifespan="off"``. KEY: the app's API key. Real uvicorn on 127.0.0.1:PORT."""

from __future__ import annotations

import sys
import threading

import uvicorn
from fastapi import FastAPI

from edgedigits.runtime.serve import ServeConfig, create_app

mode, port = sys.argv[1], int(sys.argv[-1])
key = sys.argv[2] if len(sys.argv) == 4 else None
digits = create_app(ServeConfig(api_key=key))
if mode == "mount":
    host = FastAPI()

    @host.get("/threads")
    async def threads():
        return sorted(thread.name for thread in threading.enumerate())

    host.mount("/digits", digits)
    uvicorn.run(host, host="127.0.0.1", port=port, log_level="warning")
else:
    uvicorn.run(digits, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
