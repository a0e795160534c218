"""Who is reporting, without keeping who: client address, network prefix, keyed hashes."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from django.conf import settings
from django.utils.crypto import salted_hmac

IPNetwork = IPv4Network | IPv6Network
IPAddress = IPv4Address | IPv6Address

# Keyed-hash salts: Django derives a distinct HMAC key from SECRET_KEY for each.
_REPORTER_SALT = "akhbar.moderation.reporter"
_NETWORK_SALT = "akhbar.moderation.network"


def _parse(raw: str) -> IPAddress | None:
    raw = raw.strip()
    if raw.startswith("[") and "]" in raw:  # "[2001:db8::1]:443"
        raw = raw[1:raw.index("]")]
    elif raw.count(":") == 1:  # "203.0.113.9:5123"
        raw = raw.split(":", 1)[0]
    try:
        addr = ip_address(raw)
    except ValueError:
        return None
    if isinstance(addr, IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def client_address(remote_addr: str, forwarded_for: str,
                   trusted: Iterable[IPNetwork]) -> IPAddress | None:
    """The reader's address: REMOTE_ADDR, or the X-Forwarded-For hop just before our proxies.

    X-Forwarded-For is believed only when REMOTE_ADDR is a trusted proxy, and then read from the
    right, skipping trusted proxies: entries further left were written by the client and prove
    nothing.
    """
    trusted = tuple(trusted)
    remote = _parse(remote_addr)
    if remote is None or not any(remote in net for net in trusted) or not forwarded_for:
        return remote
    hops = [_parse(h) for h in forwarded_for.split(",")]
    for hop in reversed(hops):
        if hop is None:
            # A malformed hop that our own proxy appended would be a bug; one the client wrote
            # is unprovable: stop at the last address we could still trust.
            return remote
        if not any(hop in net for net in trusted):
            return hop
        remote = hop
    return remote


DEFAULT_IPV6_PREFIX = 48


def network_prefix(addr: IPAddress, ipv6_prefix: int | None = None) -> IPNetwork:
    """The network an address belongs to for counting: IPv4 /24, IPv6 /48 (AKHBAR_IPV6_NETWORK_PREFIX).

    One IPv6 customer commonly holds a /48 or /56 (RFC 6177): counting /64s would let one
    household pass for many networks.
    """
    if addr.version == 4:
        prefix = 24
    elif ipv6_prefix is not None:
        prefix = ipv6_prefix
    else:
        prefix = int(settings.CONFIG.ipv6_network_prefix)
    return ip_network(f"{addr}/{prefix}", strict=False)


def reporter_key(token: str) -> str:
    """Keyed hash of a reader's reporter token (hex)."""
    return salted_hmac(_REPORTER_SALT, token, algorithm="sha256").hexdigest()


def network_key(addr: IPAddress | None) -> str:
    """Keyed hash of an address's network prefix (hex); one shared key when it is unknown."""
    value = str(network_prefix(addr)) if addr is not None else "unknown"
    return salted_hmac(_NETWORK_SALT, value, algorithm="sha256").hexdigest()
