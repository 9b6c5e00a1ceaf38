"""`python -m bench.launch serve ...`: `consenso` with experiment knobs the server has no setting for.

Used only when a run's environment has BENCH_* variables, to try a change before anyone makes it:
- BENCH_SWITCH_INTERVAL=0.0005  sys.setswitchinterval (seconds; CPython's default is 0.005)
- BENCH_WS_DEFLATE=0            uvicorn without permessage-deflate (each broadcast frame is otherwise
                                compressed once per connection)
- BENCH_WS=wsproto              uvicorn's WebSocket implementation (websockets-sansio, websockets, wsproto)
- BENCH_LOOP=asyncio            uvicorn's event loop (uvloop, asyncio)
- BENCH_HTTP=h11                uvicorn's HTTP parser (httptools, h11)
"""

from __future__ import annotations

import os
import sys
from typing import Any


def main() -> int:
    interval = os.environ.get("BENCH_SWITCH_INTERVAL")
    if interval:
        sys.setswitchinterval(float(interval))
    overrides: dict[str, Any] = {}
    if os.environ.get("BENCH_WS_DEFLATE") == "0":
        overrides["ws_per_message_deflate"] = False
    for variable, option in (("BENCH_WS", "ws"), ("BENCH_LOOP", "loop"), ("BENCH_HTTP", "http")):
        if os.environ.get(variable):
            overrides[option] = os.environ[variable]
    if overrides:
        import uvicorn

        run = uvicorn.run

        def run_with_overrides(*args: Any, **kwargs: Any) -> None:
            run(*args, **{**kwargs, **overrides})

        uvicorn.run = run_with_overrides
    from server.cli import main as consenso

    return consenso(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
