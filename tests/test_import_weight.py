"""A serving process loads only the libraries it uses (docs/decisions/0051): the migrations, Word and XML,
Redis and the OpenID Connect client are imported by the first call that needs them, so one instance on its
own keeps none of their memory. The application is built as `consenso serve` builds it, started, and asked
for its health and for a refused request; the health check is also asked while its database cannot answer
(which must not load Redis to name the error). httpx2 is checked before the test client, which uses it
itself, is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOADED_ON_DEMAND = ("alembic", "docx", "lxml", "redis", "authlib", "httpx2")

SERVE = """
import json, sys
import server.cli  # what `consenso serve` imports
from server.app import create_app
from server.settings import Settings

def loaded(names):
    return sorted({name.split(".")[0] for name in sys.modules} & set(names))

app = create_app(Settings.from_env())
built = loaded(sys.argv[1:])
from starlette.testclient import TestClient  # which itself speaks HTTP through httpx2

with TestClient(app) as client:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/documents").status_code == 401
    health = app.state.services.health

    def broken():
        raise RuntimeError("the database driver failed")  # neither SQLAlchemy's error nor OSError

    health._select_one = broken
    try:
        client.get("/healthz")
    except RuntimeError:
        pass
print(json.dumps({"built": built, "served": loaded(set(sys.argv[1:]) - {"httpx2"})}))
"""


def loaded_while_serving(tmp_path: Path) -> dict[str, list[str]]:
    env = {**os.environ, "CONSENSO_DATABASE_URL": f"sqlite:///{tmp_path / 'consenso.db'}"}
    for name in [name for name in env if name.startswith("CONSENSO_") and name != "CONSENSO_DATABASE_URL"]:
        del env[name]
    subprocess.run([sys.executable, "-m", "server", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    found = subprocess.run(
        [sys.executable, "-c", SERVE, *LOADED_ON_DEMAND], cwd=ROOT, env=env, check=True, capture_output=True
    )
    loaded: dict[str, list[str]] = json.loads(found.stdout.decode().strip().splitlines()[-1])
    return loaded


def test_one_instance_serves_without_loading_what_it_does_not_use(tmp_path: Path) -> None:
    assert loaded_while_serving(tmp_path) == {"built": [], "served": []}
