"""Clients of one live server for the interop tests, and the demo users they act as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.interop.interop_node import ATTACKER, NodeClient
from tests.interop.interop_pycrdt import PycrdtClient

PPT = "ppt@demo.consenso"
HEAD_MEX = "head.mex@demo.consenso"
DELEGATE_GTM = "delegate.gtm@demo.consenso"

# What the attack tests draft: accents, emoji and an emoji with a skin tone (several UTF-16 units).
ATTACKED_PARAGRAPHS = [
    "Reconociendo la contribución de las personas migrantes al desarrollo 🌎.",
    "Proteger a niñas, niños y adolescentes 👧🏽 en situación de migración.",
    "Fortalecer la cooperación regional en materia de retorno digno.",
]


@dataclass(frozen=True)
class Draft:
    id: str
    paragraph_ids: list[str]


class Peers:
    """Creates clients of one live server and ends them all, whatever the test did."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._tokens: dict[str, str] = {}
        self._open: list[NodeClient | PycrdtClient] = []

    def token(self, email: str) -> str:
        if email not in self._tokens:
            self._tokens[email] = self._server.cli("token", "create", email)
        return self._tokens[email]

    def node(self, document_id: str, email: str) -> NodeClient:
        client = NodeClient(email, self._server.ws_url, document_id, self.token(email))
        self._open.append(client)
        return client

    def attacker(self, document_id: str, email: str) -> NodeClient:
        """attacker.mjs: a stock yjs client that also writes what the server refuses."""
        client = NodeClient(
            f"attacker.mjs as {email}", self._server.ws_url, document_id, self.token(email), ATTACKER
        )
        self._open.append(client)
        return client

    def pycrdt(self, document_id: str, email: str) -> PycrdtClient:
        client = PycrdtClient(self._server.ws_url, document_id, self.token(email))
        self._open.append(client)
        client.connect()
        return client

    def document(self, document_id: str, email: str = PPT) -> dict[str, Any]:
        """The document as GET /api/documents/{id} returns it."""
        response = httpx.get(
            f"{self._server.url}/api/documents/{document_id}",
            headers={"Authorization": f"Bearer {self.token(email)}"},
            timeout=10,
        )
        assert response.status_code == 200, (
            f"GET document {document_id}: {response.status_code} {response.text}"
        )
        body: dict[str, Any] = response.json()
        return body

    def lock(self, document_id: str, paragraph_id: str) -> dict[str, Any]:
        """The PPT locks a paragraph through REST; the paragraph as the answer gives it."""
        response = httpx.post(
            f"{self._server.url}/api/documents/{document_id}/paragraphs/{paragraph_id}/lock",
            json={"reason": "texto acordado en la sala"},
            headers={"Authorization": f"Bearer {self.token(PPT)}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def close_all(self) -> None:
        while self._open:
            self._open.pop().close()
