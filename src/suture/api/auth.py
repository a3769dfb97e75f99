"""Bearer-token check for the API (the admin token from ./var/admin.token; fuller auth comes later)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import HTTPException, Request


def bearer_guard(token: str) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip(), token):
            raise HTTPException(status_code=401, detail="missing or wrong bearer token",
                                headers={"WWW-Authenticate": "Bearer"})

    return check
