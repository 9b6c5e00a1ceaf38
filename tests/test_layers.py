"""The direction of dependency (docs/decisions/0003): server → auth → drafting, and no web below server."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = frozenset({"starlette", "uvicorn", "server"})


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module `source` imports, as absolute dotted names (relative imports resolved)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)] if node.level - 1 < len(package) else []
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if base:
                found.add(base)
            found.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and ast.unparse(node.func) in {"__import__", "importlib.import_module", "import_module"}
        ):
            found.add(node.args[0].value)
    return found


def wrong_imports(path: Path, root: Path, forbidden: frozenset[str]) -> set[str]:
    module = module_name(path, root)
    imported = imported_modules(
        path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"
    )
    return {name for name in imported if name.split(".")[0] in forbidden}


def sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


DOMAIN = sources("drafting", "auth")
DRAFTING = sources("drafting")


def test_the_walk_sees_the_domain() -> None:
    names = set(ids(DOMAIN))
    assert {"drafting/store.py", "drafting/layout.py", "auth/policy.py", "auth/credentials.py"} <= names
    assert not any(name.startswith("server/") for name in names)


@pytest.mark.parametrize("path", DOMAIN, ids=ids(DOMAIN))
def test_the_domain_imports_no_web(path: Path) -> None:
    assert wrong_imports(path, ROOT, WEB) == set()


@pytest.mark.parametrize("path", DRAFTING, ids=ids(DRAFTING))
def test_drafting_does_not_import_auth(path: Path) -> None:
    assert wrong_imports(path, ROOT, frozenset({"auth"})) == set()


SYNC = sources("server/sync")


def test_the_walk_sees_the_sync_package() -> None:
    assert {"server/sync/room.py", "server/sync/protocol.py", "server/sync/committer.py"} <= set(ids(SYNC))


@pytest.mark.parametrize("path", SYNC, ids=ids(SYNC))
def test_the_sync_protocol_and_rooms_know_no_starlette(path: Path) -> None:
    # The sync socket (server/sync_socket.py) adapts Starlette's WebSocket to a room's peers.
    assert wrong_imports(path, ROOT, frozenset({"starlette", "uvicorn"})) == set()


def test_every_form_of_a_wrong_import_is_found(tmp_path: Path) -> None:
    bad = tmp_path / "drafting" / "bad.py"
    bad.parent.mkdir()
    bad.write_text(
        "import starlette\n"
        "import uvicorn.config as config\n"
        "import os, server.app\n"
        "from starlette import websockets\n"
        "from starlette.responses import JSONResponse\n"
        "from server import create_app\n"
        "from auth.policy import may_edit_text\n"
        "def later():\n"
        "    import server.cli\n"
        "    importlib.import_module('server.sync.rooms')\n"
        "    __import__('starlette.routing')\n"
        "if TYPE_CHECKING:\n"
        "    from server.settings import Settings\n",
        encoding="utf-8",
    )
    assert wrong_imports(bad, tmp_path, WEB) == {
        "starlette",
        "uvicorn.config",
        "server.app",
        "starlette.websockets",
        "starlette.responses",
        "starlette.responses.JSONResponse",
        "server",
        "server.create_app",
        "server.cli",
        "server.sync.rooms",
        "starlette.routing",
        "server.settings",
        "server.settings.Settings",
    }
    assert wrong_imports(bad, tmp_path, frozenset({"auth"})) == {"auth.policy", "auth.policy.may_edit_text"}


def test_look_alike_and_relative_imports_are_not_wrong(tmp_path: Path) -> None:
    good = tmp_path / "drafting" / "sub" / "good.py"
    good.parent.mkdir(parents=True)
    good.write_text(
        "import serverless\n"
        "from starlette_extra import x\n"
        "from . import server\n"
        "from .. import auth\n"
        "from ..server import rooms\n"
        "from drafting.server_side import y\n",
        encoding="utf-8",
    )
    assert wrong_imports(good, tmp_path, WEB | {"auth"}) == set()
    assert "drafting.sub.server" in imported_modules(good.read_text(), "drafting.sub.good")
    assert "drafting.server.rooms" in imported_modules(good.read_text(), "drafting.sub.good")


def _first_party_graph() -> dict[str, set[str]]:
    """Every first-party module and the first-party modules it imports, TYPE_CHECKING imports included."""
    paths = sources("server", "drafting", "auth")
    names = {module_name(path, ROOT): path for path in paths}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        source = path.read_text(encoding="utf-8")
        imported = imported_modules(source, name, is_package=path.name == "__init__.py")
        targets = set()
        for target in imported:
            # `from package import module` names the module; `from module import name` names the module
            while target and target not in names:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def _is_package_init(name: str) -> bool:
    return (ROOT / name.replace(".", "/") / "__init__.py").exists()


def test_no_module_imports_itself_round_a_cycle() -> None:
    graph = _first_party_graph()
    # A package's __init__ gathers its modules; their importing it back is the package, not a cycle.
    for name in graph:
        graph[name] = {t for t in graph[name] if not (_is_package_init(t) and name.startswith(t + "."))}
        if _is_package_init(name):
            graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    assert _cycle(graph) is None, f"an import cycle: {' → '.join(_cycle(graph) or [])}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
