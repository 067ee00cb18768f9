"""Callback URL checks: refuse internal addresses in production, at subscribe and send time."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

MAX_URL_LENGTH = 2000
NOTIFICATION_PATH = "/event-notifications"


class CallbackRefused(ValueError):
    """The callback URL is malformed or points somewhere the bank must not call."""


@dataclass(frozen=True)
class ResolvedCallback:
    """A callback URL pinned to one checked address (so DNS cannot change under us)."""

    url: str  # the URL to connect to (host replaced by the checked address)
    host_header: str
    sni_hostname: str | None


def notification_url(callback_url: str) -> str:
    """Return where notifications go: the callback URL plus the OB resource name."""
    base = callback_url.rstrip("/")
    return base if base.endswith(NOTIFICATION_PATH) else base + NOTIFICATION_PATH


def check_syntax(url: str, *, production: bool) -> None:
    """Refuse URLs that are not absolute http(s) URLs (https only in production)."""
    if len(url) > MAX_URL_LENGTH:
        raise CallbackRefused("CallbackUrl is too long")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CallbackRefused("CallbackUrl is not a valid URL") from exc
    allowed = ("https",) if production else ("http", "https")
    if parts.scheme not in allowed:
        raise CallbackRefused(f"CallbackUrl must use {' or '.join(allowed)}")
    if not parts.hostname:
        raise CallbackRefused("CallbackUrl must name a host")
    if parts.username or parts.password:
        raise CallbackRefused("CallbackUrl must not carry credentials")
    if parts.fragment:
        raise CallbackRefused("CallbackUrl must not have a fragment")
    if port == 0:
        raise CallbackRefused("CallbackUrl has an invalid port")


# IPv6 prefixes whose addresses embed an IPv4 address that a relay or translator on the
# path may deliver to (6to4, Teredo, NAT64 well-known and local-use, IPv4-compatible): a
# partner's server has a native address, so these are refused whatever they embed.
TRANSLATED_PREFIXES = tuple(
    ipaddress.IPv6Network(prefix)
    for prefix in ("2002::/16", "2001::/32", "64:ff9b::/96", "64:ff9b:1::/48", "::/96")
)


def is_public_address(address: str) -> bool:
    """Return True when ``address`` is a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif any(ip in prefix for prefix in TRANSLATED_PREFIXES):
            return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    """Return every address ``host`` resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CallbackRefused("The CallbackUrl host does not resolve") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(url: str, *, production: bool) -> ResolvedCallback:
    """Validate ``url``; in production, require public addresses and pin the connection to one.

    Every resolved address is checked (not just the first), so a name with one public and
    one private record cannot be used to reach the inside, and the request then goes to the
    checked address, so a second lookup cannot be answered differently (DNS rebinding).
    Development and sandbox call the URL as given, to reach local test receivers.
    """
    check_syntax(url, production=production)
    parts = urlsplit(url)
    host = parts.hostname or ""
    host_header = parts.netloc.rsplit("@", 1)[-1]
    if not production:
        return ResolvedCallback(url=url, host_header=host_header, sni_hostname=None)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    if not addresses:
        raise CallbackRefused("The CallbackUrl host does not resolve")
    for address in addresses:
        if not is_public_address(address):
            raise CallbackRefused(
                "CallbackUrl must not resolve to a private, loopback or link-local address"
            )
    address = addresses[0]
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return ResolvedCallback(
        url=pinned,
        host_header=host_header,
        sni_hostname=host if parts.scheme == "https" else None,
    )
