"""Every REST route names the policy action it asks for, or says it is public. The authorization
matrix test walks the app's routes and fails on one that does neither."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from auth.policy import Action

E = TypeVar("E", bound=Callable[..., Any])
PUBLIC = "public"


def requires(action: Action) -> Callable[[E], E]:
    """Mark an endpoint with the action it authorizes (it must also call server.access.require)."""

    def mark(endpoint: E) -> E:
        endpoint.policy_action = action  # type: ignore[attr-defined]
        return endpoint

    return mark


def public(endpoint: E) -> E:
    """Mark an endpoint that needs no sign-in (pages, sign-in itself, health, public keys)."""
    endpoint.policy_action = PUBLIC  # type: ignore[attr-defined]
    return endpoint


def policy_action(endpoint: Callable[..., Any]) -> Action | str | None:
    action: Action | str | None = getattr(endpoint, "policy_action", None)
    return action
