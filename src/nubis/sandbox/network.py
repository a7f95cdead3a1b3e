"""Network namespaces for environments, prepared ahead of time by a worker thread.

Each `NetSlot` is a network namespace (held by an fd only: it has no name in
/run/netns and disappears with its last reference, so a crash cannot leak one) with:

- `lo` up and the environment's Runtime API socket already listening on 127.0.0.1:9001
  inside it (made by a thread that unshare()s into the new namespace, then setns()
  back): no environment can reach another's Runtime API;
- with a bridge (`Bridge`, optional): a veth pair `nb<inst><n>` (host side, a port of
  the bridge `nb<inst>`) / `eth0` (inside) with an address of the instance's subnet and
  a default route through the bridge's address, the gateway. An nf_tables table
  (`inet nubis-<inst>`, programmed through netlink: no `nft` binary needed) masquerades
  outbound traffic, forwards the gateway's API port to the Nubis API on the host's
  loopback and refuses everything else local (`firewall.py`); the veth ports are
  "isolated" bridge ports, so two environments cannot reach each other.

Making a slot costs ≈ 10-25 ms (veth creation in the kernel; netlink through
pyroute2 and, inside, `rtnl.py`; never `ip` subprocesses), so
the cold path only takes a ready one. Thread-safety: `take`, `make` and `release` may
be called from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ipaddress
import itertools
import logging
import os
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nubis.sandbox import nftnl
from nubis.sandbox.firewall import firewall
from nubis.sandbox.paths import ISOLATED
from nubis.sandbox.rtnl import Rtnl

log = logging.getLogger(__name__)
T = TypeVar("T")

CLONE_NEWNET = 0x40000000
RUNTIME_API = ISOLATED.runtime_api  # the address environments reach their Runtime API at
REFILL_DELAY_S = 0.05
HOST_ALIAS = "nubis-host"  # the gateway's name in every environment's /etc/hosts
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1

_libc = ctypes.CDLL(None, use_errno=True)
_libc.unshare.argtypes = [ctypes.c_int]
_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


@dataclass
class NetSlot:
    netns_fd: int
    api_socket: socket.socket
    veth: str | None = None
    address: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def netlink(fn: Callable[[Any], T]) -> T:
    """Run `fn(ipr)` with a fresh pyroute2 IPRoute of the calling thread's namespace.

    pyroute2's synchronous API drives an asyncio loop of its own, which cannot run in a
    thread that already runs one (the server's): there it goes to a short-lived thread."""
    from pyroute2 import IPRoute  # imported only where environments get a network

    def call() -> T:
        with IPRoute() as ipr:
            return fn(ipr)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    result: list[Any] = []

    def run() -> None:
        try:
            result.append((True, call()))
        except BaseException as e:
            result.append((False, e))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    ok, value = result[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def _lo_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        import fcntl

        ifreq = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, _SIOCGIFFLAGS, ifreq))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | _IFF_UP, b""))


class Bridge:
    """The host bridge `nb<inst>`, its subnet and the nftables table of one instance."""

    def __init__(self, instance: str, subnet: str, api_port: int | None) -> None:
        self.instance = instance
        self.name = f"nb{instance}"
        self.network = ipaddress.ip_network(subnet)
        hosts = self.network.hosts()
        self.gateway = str(next(hosts))
        self._free: deque[str] = deque(str(h) for h in hosts)
        self._lock = threading.Lock()

        def make_bridge(ipr: Any) -> None:
            ipr.link("add", ifname=self.name, kind="bridge")
            index = ipr.link_lookup(ifname=self.name)[0]
            ipr.addr("add", index=index, address=self.gateway, prefixlen=self.network.prefixlen)
            ipr.link("set", index=index, state="up")

        netlink(make_bridge)
        _sysctl("net/ipv4/ip_forward", "1")
        # The DNAT to the API on 127.0.0.1 needs loopback destinations routable here.
        _sysctl(f"net/ipv4/conf/{self.name}/route_localnet", "1")
        self.table = f"nubis-{instance}"
        try:
            # Owned by this socket: the kernel deletes the table when it closes, also
            # when the server dies (a crash leaves no rules behind).
            self._nft: nftnl.NfTables | None = nftnl.NfTables()
            self._nft.add_table(nftnl.NFPROTO_INET, self.table, firewall(self, api_port))
        except BaseException:
            self.close()
            raise

    @property
    def subnet(self) -> str:
        return str(self.network)

    def allocate(self) -> str:
        with self._lock:
            return self._free.popleft()

    def free(self, address: str) -> None:
        with self._lock:
            self._free.append(address)

    def add_veth(self, ipr: Any, host_name: str, netns_fd: int) -> None:
        """A veth pair: `host_name`, an isolated port of the bridge, and its peer, made
        directly inside `netns_fd` (≈ 3 ms; making it in the host's namespace and moving
        it costs the kernel ≈ 15-20 ms more). `ipr`: an IPRoute of the host's namespace."""
        ipr.link(
            "add",
            ifname=host_name,
            kind="veth",
            peer={"ifname": host_name + "p", "net_ns_fd": netns_fd},
        )
        host = ipr.link_lookup(ifname=host_name)[0]
        bridge = ipr.link_lookup(ifname=self.name)[0]
        ipr.link("set", index=host, master=bridge, state="up")
        # Isolated ports reach the bridge (the gateway) but not each other: no
        # environment can talk to another one.
        ipr.brport("set", index=host, isolated=1)

    def configure_inside(self, host_name: str, address: str) -> None:
        """Called from a thread inside the slot's namespace (raw rtnetlink: on the cold
        path of SnapStart restores, pyroute2's per-request cost shows)."""
        with Rtnl() as rtnl:
            index = rtnl.rename(host_name + "p", "eth0")
            rtnl.add_address(index, address, self.network.prefixlen)
            rtnl.up(index)
            rtnl.add_default_route(self.gateway)

    def delete_veth(self, host_name: str) -> None:
        with contextlib.suppress(Exception):
            netlink(lambda ipr: ipr.link("del", ifname=host_name))

    def close(self) -> None:
        nft, self._nft = getattr(self, "_nft", None), None
        if nft is not None:
            nft.close()  # and with it the table
        with contextlib.suppress(Exception):
            netlink(lambda ipr: ipr.link("del", ifname=self.name))


def _sysctl(name: str, value: str) -> None:
    with open(f"/proc/sys/{name}", "w") as f:
        f.write(value)


class NetPool:
    def __init__(self, instance: str, bridge: Bridge | None, keep: int = 4) -> None:
        self._instance = instance
        self._bridge = bridge
        self._keep = keep
        self._counter = itertools.count(1)
        self._host_ns = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        self._ready: deque[NetSlot] = deque()
        self._doomed: deque[NetSlot] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._work, name="nubis-netns", daemon=True)
        self._worker.start()

    def take(self) -> NetSlot | None:
        with self._cond:
            slot = self._ready.popleft() if self._ready else None
            self._cond.notify()
            return slot

    def make(self, netns_fd: int | None = None) -> NetSlot:
        """A new namespace (blocking, ≈ 10-25 ms), or with `netns_fd` the same set-up in
        an existing one (a SnapStart copy's own; the slot gets a duplicate of the fd).
        Run in a dedicated thread so that a thread left in a namespace by a failure dies
        with it."""
        result: list[NetSlot | BaseException] = []
        thread = threading.Thread(target=self._make_in_thread, args=(result, netns_fd))
        thread.start()
        thread.join()
        outcome = result[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _make_in_thread(
        self, result: list[NetSlot | BaseException], existing: int | None = None
    ) -> None:
        netns_fd = -1
        sock: socket.socket | None = None
        address = veth = None
        bridge = self._bridge
        host_ipr: Any = None
        from pyroute2 import IPRoute

        try:
            if bridge is not None:
                # The veth is made in the host's namespace (pyroute2 opens its netlink
                # socket in the namespace of the thread that creates it).
                host_ipr = IPRoute()
            if existing is None:
                _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
            else:
                _check(_libc.setns(existing, CLONE_NEWNET), "setns(CLONE_NEWNET)")
            netns_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            _lo_up()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            assert RUNTIME_API is not None
            sock.bind(RUNTIME_API)
            sock.listen(16)
            if bridge is not None:
                veth = f"nb{self._instance}{next(self._counter):05x}"
                address = bridge.allocate()
                bridge.add_veth(host_ipr, veth, netns_fd)
                bridge.configure_inside(veth, address)
            _check(_libc.setns(self._host_ns, CLONE_NEWNET), "setns back")
            result.append(NetSlot(netns_fd, sock, veth, address))
        except BaseException as e:
            if sock is not None:
                sock.close()
            if netns_fd >= 0:
                os.close(netns_fd)
            if bridge is not None and veth is not None:
                bridge.delete_veth(veth)
            if bridge is not None and address is not None:
                bridge.free(address)
            result.append(e)
        finally:
            if host_ipr is not None:
                host_ipr.close()

    def release(self, slot: NetSlot) -> None:
        """The environment is gone: delete its veth, close the namespace (background)."""
        with self._cond:
            self._doomed.append(slot)
            self._cond.notify()

    def _destroy(self, slot: NetSlot) -> None:
        with contextlib.suppress(OSError):
            os.close(slot.netns_fd)
        slot.api_socket.close()  # a no-op when the Runtime API server closed it
        if self._bridge is not None and slot.veth is not None:
            self._bridge.delete_veth(slot.veth)
            if slot.address is not None:
                self._bridge.free(slot.address)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._doomed and (self._closed or len(self._ready) >= self._keep):
                    if self._closed:
                        return
                    self._cond.wait()
                doomed = self._doomed.popleft() if self._doomed else None
            if doomed is not None:
                self._destroy(doomed)
                continue
            # Not during the cold start that just took one: pyroute2 holds the GIL a lot.
            time.sleep(REFILL_DELAY_S)
            try:
                slot = self.make()
            except Exception as e:
                log.error("could not prepare a network namespace: %s", e)
                with self._cond:
                    self._cond.wait(1.0)
                continue
            with self._cond:
                if self._closed:
                    self._doomed.append(slot)
                else:
                    self._ready.append(slot)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._doomed.extend(self._ready)
            self._ready.clear()
            self._cond.notify()
        self._worker.join()
        while self._doomed:
            self._destroy(self._doomed.popleft())
        if self._bridge is not None:
            self._bridge.close()
        os.close(self._host_ns)


# Exactly the names this module gives: the bridge `nb<inst>`, veth host sides
# `nb<inst><n>` (n: 5 or more hex digits) and tables `nubis-<inst>`; nothing else that
# merely starts with "nb" is ever touched.
_OWN_LINK = re.compile(r"nb([0-9a-f]{4})(?:[0-9a-f]{5,9})?")
_OWN_TABLE = re.compile(r"nubis-([0-9a-f]{4})")


def sweep(alive: Any) -> list[str]:
    """Delete the interfaces and nftables tables of dead instances (by their names)."""
    swept: list[str] = []

    def delete_links(ipr: Any) -> None:
        for link in ipr.get_links():
            name = link.get_attr("IFLA_IFNAME") or ""
            own = _OWN_LINK.fullmatch(name)
            if own and not alive(own.group(1)):
                with contextlib.suppress(Exception):
                    ipr.link("del", index=link["index"])
                    swept.append(name)

    netlink(delete_links)
    with nftnl.NfTables() as nft:
        for family, name in nft.tables():
            own = _OWN_TABLE.fullmatch(name)
            if own and not alive(own.group(1)):
                # Tables of live servers are owned by their sockets: only older
                # servers' (made with `nft`) can be left behind.
                with contextlib.suppress(OSError):
                    nft.delete_table(family, name)
                    swept.append(f"table {name}")
    return swept
