"""Liveness: answers without a token, so load balancers and `make run` can check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth import LedgerDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(ledger: LedgerDep) -> dict[str, Any]:
    return {"status": "ok", "position": ledger.position()}
