"""The web layer: the Starlette application, its routes and the Yjs sync socket."""

from server.app import create_app
from server.settings import Settings

__all__ = ["Settings", "create_app"]
