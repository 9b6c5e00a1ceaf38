"""`python -m bench.launch serve ...`: `consenso` with experiment knobs the server has no setting for.

Used only when a run's environment has BENCH_* variables, to try a change before anyone makes it:
- BENCH_SWITCH_INTERVAL=0.0005  sys.setswitchinterval (seconds; CPython's default is 0.005)
- BENCH_WS_DEFLATE=0            uvicorn without permessage-deflate (each broadcast frame is otherwise
                                compressed once per connection)
"""

from __future__ import annotations

import os
import sys
from typing import Any


def main() -> int:
    interval = os.environ.get("BENCH_SWITCH_INTERVAL")
    if interval:
        sys.setswitchinterval(float(interval))
    if os.environ.get("BENCH_WS_DEFLATE") == "0":
        import uvicorn

        run = uvicorn.run

        def run_without_deflate(*args: Any, **kwargs: Any) -> None:
            run(*args, **{**kwargs, "ws_per_message_deflate": False})

        uvicorn.run = run_without_deflate
    from server.cli import main as consenso

    return consenso(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
