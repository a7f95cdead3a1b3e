"""The few rtnetlink requests on the cold path, sent on a plain netlink socket.

pyroute2 (used for everything else: the bridge, veth creation, sweeping) costs ≈ 1-2 ms
per request and per IPRoute on this path, through its own asyncio machinery; setting up
the inside of a network namespace takes four requests (rename the veth peer, address,
up, default route), and a SnapStart restore waits for them. Here each is one send and
one recv of a few dozen bytes.

A `Rtnl` talks to the network namespace of the thread that created it (netlink sockets
belong to the namespace they were made in), like pyroute2's IPRoute.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct

NETLINK_ROUTE = 0
RTM_NEWLINK = 16
RTM_NEWADDR = 20
RTM_NEWROUTE = 24
NLMSG_ERROR = 2
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
IFLA_IFNAME = 3
IFA_ADDRESS = 1
IFA_LOCAL = 2
RTA_GATEWAY = 5
IFF_UP = 0x1
RT_TABLE_MAIN = 254
RTPROT_BOOT = 3
RTN_UNICAST = 1


def _attr(kind: int, data: bytes) -> bytes:
    head = struct.pack("HH", 4 + len(data), kind)
    return head + data + b"\0" * (-len(data) % 4)


class Rtnl:
    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        self._sock.bind((0, 0))
        self._seq = 0

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> Rtnl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, kind: int, flags: int, body: bytes) -> None:
        """Send one request and wait for its acknowledgement; raise OSError on an error."""
        self._seq += 1
        header = struct.pack(
            "IHHII", 16 + len(body), kind, NLM_F_REQUEST | NLM_F_ACK | flags, self._seq, 0
        )
        self._sock.send(header + body)
        while True:
            data = self._sock.recv(65536)
            offset = 0
            while offset + 16 <= len(data):
                length, mtype, _, seq, _ = struct.unpack_from("IHHII", data, offset)
                if mtype == NLMSG_ERROR and seq == self._seq:
                    (error,) = struct.unpack_from("i", data, offset + 16)
                    if error:
                        raise OSError(-error, f"rtnetlink {kind}: {os.strerror(-error)}")
                    return
                offset += (length + 3) & ~3

    def _link(self, index: int, flags: int, change: int, attrs: bytes) -> None:
        body = struct.pack("BxHiII", socket.AF_UNSPEC, 0, index, flags, change) + attrs
        self._request(RTM_NEWLINK, 0, body)

    def rename(self, name: str, new: str) -> int:
        """Rename a (down) interface of the calling thread's namespace; returns its index."""
        index = socket.if_nametoindex(name)
        self._link(index, 0, 0, _attr(IFLA_IFNAME, new.encode() + b"\0"))
        return index

    def up(self, index: int) -> None:
        self._link(index, IFF_UP, IFF_UP, b"")

    def add_address(self, index: int, address: str, prefixlen: int) -> None:
        packed = ipaddress.IPv4Address(address).packed
        body = struct.pack("BBBBI", socket.AF_INET, prefixlen, 0, 0, index)
        body += _attr(IFA_LOCAL, packed) + _attr(IFA_ADDRESS, packed)
        self._request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body)

    def add_default_route(self, gateway: str) -> None:
        body = struct.pack(
            "BBBBBBBBI",
            socket.AF_INET,
            0,  # dst_len: the default route
            0,
            0,
            RT_TABLE_MAIN,
            RTPROT_BOOT,
            0,  # RT_SCOPE_UNIVERSE
            RTN_UNICAST,
            0,
        )
        body += _attr(RTA_GATEWAY, ipaddress.IPv4Address(gateway).packed)
        self._request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, body)
