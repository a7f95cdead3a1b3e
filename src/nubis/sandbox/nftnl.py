"""nf_tables through netlink: the few tables, chains and rules Nubis needs, no `nft` binary.

A fresh Debian machine has the kernel's nf_tables but not the `nft` command, and
environments without NAT had no network at all. pyroute2's `nftables` module only lists
and builds simple rules (no NAT, conntrack or reject expressions) and drives its own
asyncio loop; this is a plain batch builder (the kernel's `nfnetlink` batch: BEGIN, the
messages, END, applied atomically), as `rtnl.py` is for rtnetlink.

Rules are written as lists of expressions (`meta`, `cmp`, `payload`, ...), the same
bytecode `nft` compiles its language into; `nft -d netlink` (where installed) prints it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NFNL_MSG_BATCH_BEGIN = 0x10
NFNL_MSG_BATCH_END = 0x11
NFT_MSG_NEWTABLE, NFT_MSG_GETTABLE, NFT_MSG_DELTABLE = 0, 1, 2
NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE = 3, 6
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLM_F_CREATE, NLM_F_APPEND = 0x400, 0x800
NLA_F_NESTED = 0x8000
NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6 = 1, 2, 10
NFT_TABLE_F_OWNER = 0x2  # the kernel removes the table when its netlink socket closes

HOOK = {"prerouting": 0, "input": 1, "forward": 2, "output": 3, "postrouting": 4}
NF_DROP, NF_ACCEPT = 0, 1
REG_VERDICT, REG_1, REG_2 = 0, 1, 2
META_IIFNAME, META_OIFNAME, META_NFPROTO, META_L4PROTO = 6, 7, 15, 16
CMP_EQ, CMP_NEQ = 0, 1
NETWORK_HEADER, TRANSPORT_HEADER = 1, 2
CT_STATE = 0
CT_ESTABLISHED, CT_RELATED = 0x2, 0x4  # NF_CT_STATE_BIT(IP_CT_ESTABLISHED / RELATED)
NAT_DNAT = 1
REJECT_ICMPX, ICMPX_ADMIN_PROHIBITED = 2, 3
IFNAMSIZ = 16


def _attr(kind: int, data: bytes) -> bytes:
    return struct.pack("HH", 4 + len(data), kind) + data + b"\0" * (-len(data) % 4)


def _nest(kind: int, *attrs: bytes) -> bytes:
    return _attr(kind | NLA_F_NESTED, b"".join(attrs))


def _u32(kind: int, value: int) -> bytes:
    return _attr(kind, struct.pack(">i" if value < 0 else ">I", value))


def _str(kind: int, value: str) -> bytes:
    return _attr(kind, value.encode() + b"\0")


def _data(kind: int, value: bytes) -> bytes:
    return _nest(kind, _attr(1, value))  # NFTA_DATA_VALUE


def _expr(name: str, *attrs: bytes) -> bytes:
    return _nest(1, _str(1, name), _nest(2, *attrs))  # NFTA_LIST_ELEM{NAME, DATA}


# --- expressions (the attribute numbers are those of linux/netfilter/nf_tables.h)


def meta(key: int, reg: int = REG_1) -> bytes:
    return _expr("meta", _u32(2, key), _u32(1, reg))


def cmp(value: bytes, op: int = CMP_EQ, reg: int = REG_1) -> bytes:
    return _expr("cmp", _u32(1, reg), _u32(2, op), _data(3, value))


def payload(base: int, offset: int, length: int, reg: int = REG_1) -> bytes:
    return _expr("payload", _u32(1, reg), _u32(2, base), _u32(3, offset), _u32(4, length))


def bitwise(mask: bytes, reg: int = REG_1) -> bytes:
    xor = b"\0" * len(mask)
    return _expr(
        "bitwise", _u32(1, reg), _u32(2, reg), _u32(3, len(mask)), _data(4, mask), _data(5, xor)
    )


def ct_state(reg: int = REG_1) -> bytes:
    return _expr("ct", _u32(1, reg), _u32(2, CT_STATE))


def immediate(value: bytes, reg: int) -> bytes:
    return _expr("immediate", _u32(1, reg), _data(2, value))


def verdict(code: int) -> bytes:
    return _expr("immediate", _u32(1, REG_VERDICT), _nest(2, _nest(2, _u32(1, code))))


def masquerade() -> bytes:
    return _expr("masq")


def dnat4(addr_reg: int, port_reg: int) -> bytes:
    return _expr(
        "nat", _u32(1, NAT_DNAT), _u32(2, NFPROTO_IPV4), _u32(3, addr_reg), _u32(5, port_reg)
    )


def reject() -> bytes:
    """An ICMP(v6) "administratively prohibited": a refused connect fails at once."""
    return _expr("reject", _u32(1, REJECT_ICMPX), _attr(2, bytes([ICMPX_ADMIN_PROHIBITED])))


# --- matches built from them (what `nft` writes for the same words)


def ifname(which: int, name: str, op: int = CMP_EQ, prefix: bool = False) -> list[bytes]:
    """`iifname`/`oifname` (`which`: META_IIFNAME/OIFNAME) equal to `name`, or starting
    with it (`prefix`: cmp compares only the bytes it is given)."""
    value = name.encode() if prefix else name.encode().ljust(IFNAMSIZ, b"\0")
    return [meta(which), cmp(value, op)]


def ipv4() -> list[bytes]:
    return [meta(META_NFPROTO), cmp(bytes([NFPROTO_IPV4]))]


def ip_addr(which: str, network: str, op: int = CMP_EQ) -> list[bytes]:
    """`ip saddr|daddr <network>` (after `ipv4()` in an inet table)."""
    net = ipaddress.IPv4Network(network)
    offset = 12 if which == "saddr" else 16
    out = [payload(NETWORK_HEADER, offset, 4)]
    if net.prefixlen < 32:
        out.append(bitwise(net.netmask.packed))
    return [*out, cmp(net.network_address.packed, op)]


def tcp_dport(port: int) -> list[bytes]:
    return [
        meta(META_L4PROTO),
        cmp(bytes([socket.IPPROTO_TCP])),
        payload(TRANSPORT_HEADER, 2, 2),
        cmp(struct.pack(">H", port)),
    ]


def established() -> list[bytes]:
    """`ct state established,related`."""
    mask = struct.pack("=I", CT_ESTABLISHED | CT_RELATED)
    return [ct_state(), bitwise(mask), cmp(b"\0\0\0\0", CMP_NEQ)]


@dataclass(frozen=True)
class Chain:
    name: str
    kind: str  # "filter" | "nat"
    hook: str
    priority: int
    rules: tuple[tuple[bytes, ...], ...]


class NfTables:
    """A netlink socket to nf_tables of the calling thread's network namespace.

    A table made with `owned=True` belongs to this socket: the kernel deletes it when
    the socket is closed, also when the process dies (so a crash leaves no table), and
    no other process may change or delete it."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self._sock.bind((0, 0))
        self._sock.settimeout(10)  # the kernel answers at once; never hang on a lost ack
        self._seq = 0

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> NfTables:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _header(self, kind: int, flags: int, family: int, body: bytes, res_id: int = 0) -> bytes:
        self._seq += 1
        nfgen = struct.pack("BBH", family, 0, socket.htons(res_id))
        return struct.pack("IHHII", 20 + len(body), kind, flags, self._seq, 0) + nfgen + body

    def _batch(self, messages: list[tuple[int, int, int, bytes]]) -> None:
        """Send (type, flags, family, body) messages as one transaction; wait for every
        acknowledgement, raise OSError on the first error."""
        begin = self._header(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, b"", NFNL_SUBSYS_NFTABLES)
        first = self._seq + 1
        parts = [
            self._header(
                (NFNL_SUBSYS_NFTABLES << 8) | kind, NLM_F_REQUEST | NLM_F_ACK | flags, family, body
            )
            for kind, flags, family, body in messages
        ]
        last = self._seq
        end = self._header(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, b"", NFNL_SUBSYS_NFTABLES)
        self._sock.send(begin + b"".join(parts) + end)
        pending = set(range(first, last + 1))
        while pending:
            for mtype, seq, data in self._receive():
                if mtype == NLMSG_ERROR and seq in pending:
                    (error,) = struct.unpack_from("i", data)
                    if error:
                        raise OSError(-error, f"nf_tables: {os.strerror(-error)}")
                    pending.discard(seq)

    def _receive(self) -> Iterator[tuple[int, int, bytes]]:
        data = self._sock.recv(1 << 16)
        offset = 0
        while offset + 16 <= len(data):
            length, mtype, _, seq, _ = struct.unpack_from("IHHII", data, offset)
            yield mtype, seq, data[offset + 16 : offset + length]
            offset += (length + 3) & ~3

    def add_table(self, family: int, name: str, chains: list[Chain], owned: bool = True) -> None:
        """The table with its base chains and their rules, in one transaction."""
        flags = NFT_TABLE_F_OWNER if owned else 0
        msgs = [(NFT_MSG_NEWTABLE, NLM_F_CREATE, family, _str(1, name) + _u32(2, flags))]
        for c in chains:
            hook = _nest(4, _u32(1, HOOK[c.hook]), _u32(2, c.priority))
            body = _str(1, name) + _str(3, c.name) + hook + _u32(5, NF_ACCEPT) + _str(7, c.kind)
            msgs.append((NFT_MSG_NEWCHAIN, NLM_F_CREATE, family, body))
            for rule in c.rules:
                exprs = _nest(4, *rule)  # NFTA_RULE_EXPRESSIONS
                msgs.append(
                    (
                        NFT_MSG_NEWRULE,
                        NLM_F_CREATE | NLM_F_APPEND,
                        family,
                        _str(1, name) + _str(2, c.name) + exprs,
                    )
                )
        self._batch(msgs)

    def delete_table(self, family: int, name: str) -> None:
        self._batch([(NFT_MSG_DELTABLE, 0, family, _str(1, name))])

    def tables(self) -> list[tuple[int, str]]:
        """(family, name) of every table of this namespace."""
        self._sock.send(
            self._header(
                (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, NLM_F_REQUEST | NLM_F_DUMP, 0, b""
            )
        )
        seq = self._seq
        found: list[tuple[int, str]] = []
        while True:
            for mtype, got, data in self._receive():
                if got != seq:
                    continue
                if mtype == NLMSG_DONE:
                    return found
                if mtype == NLMSG_ERROR:
                    (error,) = struct.unpack_from("i", data)
                    raise OSError(-error, f"nf_tables: {os.strerror(-error)}")
                found.append((data[0], _name(data[4:])))


def _name(attrs: bytes) -> str:
    """NFTA_TABLE_NAME out of a table message's attributes."""
    offset = 0
    while offset + 4 <= len(attrs):
        length, kind = struct.unpack_from("HH", attrs, offset)
        if kind & ~NLA_F_NESTED == 1:
            return attrs[offset + 4 : offset + length].rstrip(b"\0").decode()
        offset += (length + 3) & ~3
    return ""
