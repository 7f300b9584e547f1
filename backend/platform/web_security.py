"""What browsers are told and asked: security headers on every response, a Content-Security-
Policy made from a page's own inline scripts (no `unsafe-inline`), and the same-origin check
on requests a session cookie authenticates (a page of another origin — even another port of
the same host — cannot act as the signed-in user)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.requests import Request

from backend.platform.errors import Problem

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""JSON and other non-page answers: nothing may load, nothing may frame them."""

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_CSP = b"content-security-policy"
_API_CSP = API_CSP.encode()
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers plus ours; a CSP the response set itself (a page's) is kept."""
    if any(name.lower() == _CSP for name, _ in headers):
        return [*headers, *SECURITY_HEADERS]
    return [*headers, *SECURITY_HEADERS, (_CSP, _API_CSP)]


def script_hashes(html: bytes) -> list[str]:
    """CSP sources allowing exactly the page's inline scripts, by their sha256."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def page_csp(html: bytes, *, inline_styles: bool = False) -> str:
    """The policy of an HTML page: scripts only from this origin or inline ones named by hash,
    no plugins, no framing, requests only to this origin."""
    scripts = " ".join(["'self'", *script_hashes(html)])
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return (
        f"default-src 'self'; script-src {scripts}; style-src {styles}; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )


def _origin_of(request: Request) -> str:
    host = request.headers.get("host", "")
    return f"{request.url.scheme}://{host}".lower()


def require_same_origin(request: Request, *, allowed: Collection[str]) -> None:
    """Refuse an unsafe request a browser sent from another origin with the session cookie.

    Fetch Metadata first (`Sec-Fetch-Site`, sent by every current browser), then `Origin`.
    A request with neither does not come from a browser page, so no page can have forged it.
    Origins in CORS_ORIGINS are trusted, as the CORS policy already lets them send cookies.
    """
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() in allowed:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site in ("same-origin", "none"):
            return
        raise _cross_site(f"Sec-Fetch-Site is {site}")
    if origin is None:
        return
    if origin.lower() != _origin_of(request) or not urlsplit(origin).netloc:
        raise _cross_site(f"Origin {origin[:100]} is not this site")
    return


def _cross_site(why: str) -> Problem:
    return Problem(
        403,
        f"Cross-origin request refused ({why}): a page of another origin cannot act with "
        "your session cookie; send an Authorization header instead",
    )
