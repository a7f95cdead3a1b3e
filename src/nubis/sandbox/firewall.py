"""What an environment's network may reach: the internet through NAT and its own API.

One nf_tables table per server instance, `inet nubis-<inst>` (IPv4 and IPv6 alike),
owned by the server's netlink socket (see `nftnl.py`). With `B` the instance's bridge:

    prerouting  iifname B  ip daddr <gateway> tcp dport <api>  dnat to 127.0.0.1:<api>
    postrouting ip saddr <subnet> oifname != B                 masquerade
    input       iifname B  ct state established,related        accept
                iifname B  ip daddr 127.0.0.1 tcp dport <api>  accept   (the DNAT'ed API)
                iifname B                                      reject   (every other host
                                                                service, on any address)
    forward     oifname B  ct state established,related        accept   (replies)
                oifname B                                      reject   (no one starts a
                                                               connection to an environment:
                                                               not another server's, not one
                                                               of this bridge routed back)
                iifname B  oifname "nb*"                       reject   (other servers' bridges)
                iifname B  meta nfproto ipv6                   reject   (no IPv6 beyond it)

The bridge's ports are also "isolated" (IFLA_BRPORT_ISOLATED): two environments of one
bridge cannot exchange frames directly. `route_localnet` on the bridge lets the DNAT to
127.0.0.1 route, so the API is reached at the gateway even when it listens on loopback
only; the input chain is what keeps every other loopback service out of reach.

A drop in any table's base chain is final, an accept only ends this table's chain: these
rules hold whatever other tables on the host say, and add nothing to other traffic.
"""

from __future__ import annotations

import struct
from typing import Protocol

from nubis.sandbox import nftnl as n


class BridgeLike(Protocol):
    name: str
    gateway: str

    @property
    def subnet(self) -> str: ...


def firewall(bridge: BridgeLike, api_port: int | None) -> list[n.Chain]:
    b = bridge.name
    iif = n.ifname(n.META_IIFNAME, b)
    oif = n.ifname(n.META_OIFNAME, b)
    accept, reject = n.verdict(n.NF_ACCEPT), n.reject()
    pre, api = _api_rules(bridge, api_port)
    post = (
        *n.ipv4(),
        *n.ip_addr("saddr", bridge.subnet),
        *n.ifname(n.META_OIFNAME, b, n.CMP_NEQ),
        n.masquerade(),
    )
    ipv6 = (n.meta(n.META_NFPROTO), n.cmp(bytes([n.NFPROTO_IPV6])))
    return [
        n.Chain("nb_pre", "nat", "prerouting", -100, tuple(pre)),
        n.Chain("nb_post", "nat", "postrouting", 100, (post,)),
        n.Chain(
            "nb_input",
            "filter",
            "input",
            0,
            ((*iif, *n.established(), accept), *api, (*iif, reject)),
        ),
        n.Chain(
            "nb_forward",
            "filter",
            "forward",
            0,
            (
                (*oif, *n.established(), accept),
                (*oif, reject),
                (*iif, *n.ifname(n.META_OIFNAME, "nb", prefix=True), reject),
                (*iif, *ipv6, reject),
            ),
        ),
    ]


def _api_rules(
    bridge: BridgeLike, api_port: int | None
) -> tuple[list[tuple[bytes, ...]], list[tuple[bytes, ...]]]:
    """(prerouting, input) rules for Nubis's API: the gateway's `api_port` is DNATed to
    the server on 127.0.0.1 and accepted there; none without an `api_port`."""
    if api_port is None:
        return [], []
    iif = n.ifname(n.META_IIFNAME, bridge.name)
    port = struct.pack(">H", api_port)
    dport = n.tcp_dport(api_port)
    dnat = (
        *iif,
        *n.ipv4(),
        *n.ip_addr("daddr", f"{bridge.gateway}/32"),
        *dport,
        n.immediate(bytes([127, 0, 0, 1]), n.REG_1),
        n.immediate(port, n.REG_2),
        n.dnat4(n.REG_1, n.REG_2),
    )
    accept = (*iif, *n.ipv4(), *n.ip_addr("daddr", "127.0.0.1/32"), *dport, n.verdict(n.NF_ACCEPT))
    return [dnat], [accept]
