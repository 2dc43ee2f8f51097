"""Credentials for the offline backend's project path: a fixed bearer token, never refreshed,
so that the SDK's project mode runs against the emulator without Application Default
Credentials. Imported only when an offline client is built."""

from __future__ import annotations

from typing import Any

from google.auth import credentials as auth_credentials

# The emulator checks that a token is sent, not which one.
OFFLINE_TOKEN = "storyreel-offline"  # noqa: S105 - not a secret: the emulator takes any


class OfflineToken(auth_credentials.Credentials):
    """A token that never expires and never reaches a token server."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.token = OFFLINE_TOKEN

    def refresh(self, request: Any) -> None:
        self.token = OFFLINE_TOKEN

    @property
    def expired(self) -> bool:
        return False

    @property
    def valid(self) -> bool:
        return True
