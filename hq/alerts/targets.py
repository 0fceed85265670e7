"""Where a webhook may post (issue 27, finding 9): not into HQ's own network.

A webhook, Slack or Teams channel's URL is refused when its host is, or resolves to, a
loopback, link-local, private, unspecified, multicast, reserved or otherwise non-public
address, in any spelling (``127.1``, ``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
``[::ffff:127.0.0.1]``, ``[::1]``): when the channel is added, and again when each
delivery is sent. At sending, the name is resolved once more and the connection goes to
an address that was just checked (:class:`GuardedAdapter`), so a name that resolved to a
public address when the channel was added and to ``127.0.0.1`` later (DNS rebinding) is
refused too. ``HYMIO_WEBHOOK_ALLOW_NETWORKS`` (comma-separated networks, for example
``10.20.0.0/16,127.0.0.1/32``) lets webhooks reach those networks all the same: a
receiver inside the company, or the tests' receivers on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import LocationParseError, NewConnectionError
from urllib3.util import parse_url

from hq.core.errors import InputError

ALLOW_VAR = "HYMIO_WEBHOOK_ALLOW_NETWORKS"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.ip_network("64:ff9b::/96")
COMPATIBLE = ipaddress.ip_network("::/96")  # the deprecated IPv4-compatible addresses


class TargetRefusedError(InputError):
    """A webhook URL is not one HQ posts to (not http(s), or not a public address)."""


def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolves *host* to, as the connection would."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def literal(host: str) -> Address | None:
    """*host* as an IP address if it is one in any spelling the system takes for one
    (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``), else ``None``."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:  # the old inet_aton spellings, which getaddrinfo and so every client accept
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _address(text: str) -> Address:
    found = literal(text)
    if found is None:
        raise ValueError(f"{text!r} is not an address")
    return found


def embedded(address: Address) -> Address:
    """The IPv4 address inside an IPv6 one that carries it (mapped, NAT64, 6to4,
    compatible); *address* otherwise."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in NAT64 or (address in COMPATIBLE and int(address) > 1):
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


KINDS = {  # ipaddress's test: how the refusal says it, most telling first
    "is_unspecified": "an unspecified",
    "is_loopback": "a loopback",
    "is_link_local": "a link-local",
    "is_multicast": "a multicast",
    "is_reserved": "a reserved",
    "is_private": "a private",
}


def kind_of(address: Address) -> str | None:
    """What makes *address* no place for a webhook (``"a loopback address"``…); ``None``
    if it is a public one."""
    for ip in dict.fromkeys((embedded(address), address)):
        for test, kind in KINDS.items():
            if getattr(ip, test):
                return f"{kind} address"
        if not ip.is_global:
            return "not a public address"
    return None


@dataclass(frozen=True)
class WebhookPolicy:
    """Which addresses webhooks may reach: public ones, and those in *allowed*."""

    allowed: tuple[Network, ...] = ()
    resolve: Callable[[str, int], list[str]] = field(default=system_resolve, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebhookPolicy:
        """The policy ``HYMIO_WEBHOOK_ALLOW_NETWORKS`` sets (none allowed by default)."""
        text = (os.environ if environ is None else environ).get(ALLOW_VAR, "")
        allowed = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            try:
                allowed.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise InputError(
                    f"{ALLOW_VAR}: {part!r} is not a network like 10.20.0.0/16 or 127.0.0.1/32"
                ) from None
        return cls(tuple(allowed))

    def why_not(self, address: Address) -> str | None:
        """Why webhooks may not reach *address*, or ``None`` if they may."""
        if any(ip in net for ip in (address, embedded(address)) for net in self.allowed
               if ip.version == net.version):  # fmt: skip
            return None
        kind = kind_of(address)
        if kind is None:
            return None
        return f"{address}, {kind}; set {ALLOW_VAR} to allow it"

    def addresses(self, host: str, port: int, must_resolve: bool = True) -> list[Address]:
        """Every address *host* is (or resolves to), each one allowed; a
        :class:`TargetRefusedError` naming the first that is not. A name that does not
        resolve is refused if *must_resolve* (sending), else passed (adding a channel)."""
        found = literal(host)
        if found is not None:
            addresses = [found]
        else:
            try:
                addresses = [_address(a) for a in self.resolve(host, port)]
            except (OSError, UnicodeError, ValueError) as e:
                if must_resolve:
                    raise TargetRefusedError(f"{host} does not resolve: {e}") from None
                return []
        for address in addresses:
            if (why := self.why_not(address)) is not None:
                named = "" if found is not None else f"{host} resolves to "
                raise TargetRefusedError(f"refused: {named}{why}")
        if not addresses and must_resolve:
            raise TargetRefusedError(f"{host} resolves to no address")
        return addresses

    def check_url(self, url: str, must_resolve: bool = True) -> list[Address]:
        """The addresses a webhook to *url* would reach, each one allowed; a
        :class:`TargetRefusedError` saying why if not."""
        return self.addresses(*host_and_port(url), must_resolve)


def host_and_port(url: str) -> tuple[str, int]:
    """The host and port *url* posts to, read as urllib3 reads it (which sends it); a
    :class:`TargetRefusedError` if it is not an http:// or https:// URL."""
    try:
        parts = parse_url(url)
    except LocationParseError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.host:
        raise TargetRefusedError(f"webhook URL {url!r} is not an http:// or https:// URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.host.strip("[]").rstrip("."), port  # urllib3 drops a trailing dot too


class RefusedConnection(NewConnectionError):
    """urllib3's error for a connection :class:`_Checked` would not make; ``why`` says why."""

    def __init__(self, conn, why: str):
        super().__init__(conn, why)
        self.why = why


def refusal(error: BaseException) -> str | None:
    """Why a guarded connection was refused, if that is what *error* (requests') is."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return reason.why if isinstance(reason, RefusedConnection) else None


class _Checked:
    """A urllib3 connection that resolves its host itself and connects only to an
    address its :class:`WebhookPolicy` allows (TLS still checks the host's name)."""

    policy: WebhookPolicy

    def _new_conn(self):
        name = getattr(self, "_asked_host", None) or self._dns_host
        self._asked_host = name
        try:
            first = self.policy.addresses(name.strip("[]"), self.port)[0]
        except InputError as e:
            raise RefusedConnection(self, str(e)) from None
        self._dns_host = str(first)
        return super()._new_conn()


def _pools(policy: WebhookPolicy) -> dict[str, type]:
    """urllib3's pool classes for http and https, with connections checked by *policy*."""
    plain = type("CheckedHTTPConnection", (_Checked, HTTPConnection), {"policy": policy})
    tls = type("CheckedHTTPSConnection", (_Checked, HTTPSConnection), {"policy": policy})
    return {
        "http": type("CheckedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type("CheckedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
    }


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose every connection goes only where *policy* allows."""

    def __init__(self, policy: WebhookPolicy, **kwargs):
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pools(self.policy)


def guarded(http: requests.Session, policy: WebhookPolicy) -> requests.Session:
    """*http*, sending only where *policy* allows: a :class:`GuardedAdapter` for http and
    https, and no proxy from the environment (a proxy would resolve the name itself)."""
    adapter = http.get_adapter("https://x")
    if not (isinstance(adapter, GuardedAdapter) and adapter.policy is policy):
        adapter = GuardedAdapter(policy)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
    http.trust_env = False
    return http
