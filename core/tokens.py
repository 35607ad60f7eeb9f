"""What a stored OAuth token set holds, as the token manager (``oauth``) and the store (``storage``)
both see it: either side may hand over its own type with these three fields."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class HeldTokens(Protocol):
    @property
    def access_token(self) -> str: ...
    @property
    def refresh_token(self) -> str | None: ...
    @property
    def expires_at(self) -> datetime | None: ...
