"""Who the client is, behind reverse proxies that are trusted and only those.

A proxy appends the address it received the connection from to `X-Forwarded-For`, so the
list's right end was written by the proxies in front of us and its left end by whoever
sent the request. Walking it from the right, the first address that is not a trusted proxy
is the client; anything further left is the client's own claim and is ignored. Headers from
a peer that is not a trusted proxy are ignored altogether, so `FORWARDED_ALLOW_IPS` empty
(the default) means the TCP peer is the client.

RFC 7239's `Forwarded` header is never read: a proxy that appends `X-Forwarded-For` usually
passes a client's `Forwarded` through untouched, so believing it would let any client choose
its address. uvicorn's own proxy-headers handling is turned off by `treaty-api serve`, so
this is the one place that decides.
"""

import ipaddress
from collections.abc import Iterable

from starlette.datastructures import Headers

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FROM_TRUSTED_PROXY = "treaty.from_trusted_proxy"
"""The scope key saying the request came from a trusted proxy (its `Host` and scheme are
then the proxy's word, not a client's)."""
_MAX_ADDRESS = 64  # longer than any IPv6 text form: a longer entry is not an address


class TrustedProxies:
    """The proxies whose forwarded headers are believed (`"10.0.0.2, 172.16.0.0/12"`, `"*"`)."""

    def __init__(self, spec: str) -> None:
        entries = [entry.strip() for entry in spec.split(",") if entry.strip()]
        self.any = "*" in entries
        self.networks: list[Network] = []
        for entry in entries:
            if entry == "*":
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network"
                ) from None

    def __bool__(self) -> bool:
        return self.any or bool(self.networks)

    def trusts(self, host: str) -> bool:
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def resolve(self, peer: str, headers: Headers) -> tuple[str, str | None]:
        """The client address and, when a trusted proxy says so, the scheme it was reached by."""
        if not self or not self.trusts(peer):
            return peer, None
        client = _rightmost_untrusted(self, _forwarded_for(headers.getlist("x-forwarded-for")))
        proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
        return client or peer, proto if proto in ("http", "https") else None


def _forwarded_for(values: Iterable[str]) -> list[str]:
    return [hop.strip() for value in values for hop in value.split(",") if hop.strip()]


def _rightmost_untrusted(proxies: TrustedProxies, hops: list[str]) -> str | None:
    for hop in reversed(hops):
        if not proxies.trusts(hop):
            return hop[:_MAX_ADDRESS]
    return hops[0][:_MAX_ADDRESS] if hops else None
