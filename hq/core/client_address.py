"""Who the client is: the one place HQ decides a request's client address, which the
login and enrolment throttles count by.

The address is the peer's, as the connection came in. Only when the peer is one of the
proxies named in ``forwarded_allow_ips`` (uvicorn's setting and its
``FORWARDED_ALLOW_IPS`` variable; ``hymio hq serve --forwarded-allow-ips``) does HQ take
the client from its ``X-Forwarded-For`` (the address the nearest trusted proxy saw,
uvicorn's ProxyHeadersMiddleware). By default HQ trusts no proxy, not even one on
127.0.0.1: a header anyone can send must not give a guesser a new address per try (issue
27). Behind a reverse proxy, name it; the systemd unit names the one on this machine.
"""

from __future__ import annotations

import hashlib
import ipaddress

from fastapi import FastAPI, Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hq.core.errors import HQError

ENV_VAR = "FORWARDED_ALLOW_IPS"  # uvicorn's name for it


class ForwardedSettingError(HQError, ValueError):
    """The list of trusted proxies has an entry that is not an address or a network."""


def trusted_proxies(setting: str) -> list[str]:
    """The entries of *setting* (``127.0.0.1,::1``, ``10.0.0.0/8``, ``*``; empty: none),
    each checked: a :class:`ForwardedSettingError` names one that is not an address."""
    found = [part.strip() for part in setting.split(",") if part.strip()]
    for part in found:
        if part == "*":
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ForwardedSettingError(
                f"forwarded_allow_ips: {part!r} is not an IP address or network; name the"
                " proxies HQ may take X-Forwarded-For from, e.g. 127.0.0.1,::1 or 10.0.0.0/8"
            ) from None
    return found


def install(app: FastAPI, setting: str) -> None:
    """Take the client's address from X-Forwarded-For on *app* only from the proxies in
    *setting* (see :func:`trusted_proxies`); nothing to do when it names none."""
    proxies = trusted_proxies(setting)
    if proxies:
        app.add_middleware(
            ProxyHeadersMiddleware,  # type: ignore[arg-type]
            trusted_hosts="*" if "*" in proxies else proxies,
        )


def client_host(request: Request) -> str | None:
    """The client's address as decided above (None if the server knows none)."""
    return request.client.host if request.client else None


def address_key(host: str | None) -> str:
    """How the throttles name the client at *host*: the IPv4 address, the IPv6 /64."""
    try:
        ip = ipaddress.ip_address(host or "")
    except ValueError:
        text = host or "unknown"
        if text.isprintable() and len(text) <= 64:
            return text
        return "?" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))
