"""One error shape for every failure: ``{"error": {"code", "message"}}``.

Handlers cover the application's own errors, HTTP errors raised by Starlette (404, 405...),
request validation (422, malformed JSON included) and anything unexpected (500 with a
generic message: a stack trace never reaches a client).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("api")


class ErrorBody(BaseModel):
    """What went wrong, for a program (``code``) and for a person (``message``)."""

    code: str
    """Stable, machine-readable: ``empty_draft``, ``draft_too_large``, ``rate_limited``..."""
    message: str


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorBody


class ApiError(Exception):
    """An error with its HTTP status, raised by routes and dependencies."""

    def __init__(self, status: int, code: str, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_response(status: int, code: str, message: str,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """Build a response in the single error shape."""
    body = ErrorResponse(error=ErrorBody(code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=dict(headers or {}))


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
    415: "unsupported_media_type", 429: "rate_limited", 503: "unavailable",
}


def describe_validation(errors: list[Any]) -> tuple[str, str]:
    """(code, message) for request validation errors, without echoing input values."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return "invalid_json", "the request body is not valid JSON"
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {e.get('msg', 'invalid')}")
    more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
    return "invalid_request", "; ".join(parts) + more


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    code, message = describe_validation(list(exc.errors()))
    return error_response(422, code, message)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "the server failed to handle this request")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": desc}
    for status, desc in {
        400: "Empty or unusable draft",
        401: "Missing or wrong API key",
        413: "Body or draft too large",
        422: "Schema error or malformed JSON",
        429: "Rate limit exceeded (see Retry-After)",
        503: "Not ready, or the model queue is full (see Retry-After)",
    }.items()
}
"""OpenAPI ``responses`` for the ``/v1`` routes."""
