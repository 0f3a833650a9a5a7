"""frames.py: raw Ethernet frames for the host scripts of the robustness tests
(robust.py, docs/network.md "Robustness"), and the way in: QEMU's `-netdev dgram` on a
pair of Unix datagram sockets, on the same hub as the guest's NIC and user networking
(tests/qemu/tests.toml, net_robust's qemu_args). QEMU binds the path `qemu_path(port)`
and sends everything on the hub (what the guest and slirp send) to `host_path(port)`,
which Wire binds; what Wire sends to QEMU's path goes on the hub as a frame, to the
guest's NIC (and slirp, which `restrict=on` keeps from answering).

Frames come from FAKE_MAC, addresses off the guest's subnet (192.0.2.0/24, TEST-NET-1):
the guest answers them through its gateway's MAC, which on the hub reaches Wire too.
"""
import os
import socket
import struct
import threading
import time

GUEST_MAC = bytes.fromhex("525400123456")     # the NIC's mac= (tests.toml)
FAKE_MAC = bytes.fromhex("020000000001")      # a locally administered address
BROADCAST = b"\xff" * 6
GUEST_IP = bytes([10, 0, 2, 15])
SRC_IP = bytes([192, 0, 2, 1])
ETH_IP, ETH_ARP = 0x0800, 0x0806
UDP, TCP = 17, 6


def qemu_path(port):
    return f"/tmp/cairn-robust-{port}-qemu"


def host_path(port):
    return f"/tmp/cairn-robust-{port}-host"


def csum(b):
    """The Internet checksum of b."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(payload, etype=ETH_IP, dst=GUEST_MAC, src=FAKE_MAC):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(payload, proto=UDP, src=SRC_IP, dst=GUEST_IP, ihl=5, total=None, frag=0, options=b"",
         check=None, ident=1, version=4):
    """An IPv4 header (ihl words as written, options appended as given) and payload;
    total and check as given, or right."""
    total = 20 + len(options) + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total, ident, frag, 64, proto, 0, src, dst) + options
    c = csum(h) if check is None else check
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def pseudo(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def udp(data, sport=5000, dport=7007, length=None, src=SRC_IP, dst=GUEST_IP, check=None):
    """A UDP header and data: length as given, or right; the checksum over the bytes
    as sent (with the length field as written), or check."""
    ln = 8 + len(data) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, ln, 0) + data
    c = csum(pseudo(src, dst, UDP, len(seg)) + seg) if check is None else check
    return seg[:6] + struct.pack("!H", c or 0xffff) + seg[8:]


def tcp(sport, dport=7007, seq=1, ack=0, flags=0x02, data=b"", doff=5, options=b"", win=65535,
        src=SRC_IP, dst=GUEST_IP, check=None):
    """A TCP header (doff words as written, options appended) and data; checksum right or check."""
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, win, 0, 0) + options + data
    c = csum(pseudo(src, dst, TCP, len(seg)) + seg) if check is None else check
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def arp(op=1, sha=FAKE_MAC, spa=SRC_IP, tha=b"\0" * 6, tpa=GUEST_IP, htype=1, ptype=ETH_IP, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


class Wire:
    """The host's end of the dgram netdev: send() puts a frame on the hub; a thread
    keeps every frame the hub gives back (the guest's and slirp's, in order), which
    since() and wait_for() look through from a mark()."""

    def __init__(self, port):
        self.port = port
        self.path = host_path(port)
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.lock = threading.Lock()
        self.frames = []
        self.sent = 0
        self.stop = False
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        self.s.settimeout(0.2)
        while not self.stop:
            try:
                f = self.s.recv(70000)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.frames.append(f)

    def send(self, frame):
        """Puts frame on the hub: True, or False if QEMU's socket would not take it now."""
        try:
            self.s.sendto(frame, qemu_path(self.port))
            self.sent += 1
            return True
        except (BlockingIOError, ConnectionRefusedError, FileNotFoundError):
            return False
        except OSError as e:
            if e.errno == 105 or e.errno == 11:     # ENOBUFS, EAGAIN: QEMU is behind
                return False
            raise

    def send_all(self, frames, spacing=0.0):
        """Sends each of frames, waiting while QEMU is behind: how many went."""
        n = 0
        for f in frames:
            for _ in range(200):
                if self.send(f):
                    n += 1
                    break
                time.sleep(0.005)
            if spacing:
                time.sleep(spacing)
        return n

    def mark(self):
        """A position in the frames seen: since() and wait_for() look from one."""
        with self.lock:
            return len(self.frames)

    def since(self, mark):
        """Every frame seen from mark on."""
        with self.lock:
            return self.frames[mark:]

    def wait_for(self, match, secs, mark=None):
        """The first frame seen from mark on (default: now) for which match(frame)
        holds, or None after secs."""
        at = self.mark() if mark is None else mark
        end = time.monotonic() + secs
        while True:
            for f in self.since(at):
                if match(f):
                    return f
                at += 1
            if time.monotonic() >= end:
                return None
            time.sleep(0.02)

    def ask(self, frame, match, secs):
        """Puts frame on the hub (waiting while QEMU is behind) and returns the first
        frame seen after it for which match(frame) holds, or None after secs. The mark
        is taken before the send: an answer may arrive before the wait begins."""
        at = self.mark()
        self.send_all([frame])
        return self.wait_for(match, secs, at)

    def close(self):
        self.stop = True
        self.t.join(1)
        self.s.close()
        for p in (self.path, qemu_path(self.port)):
            if os.path.exists(p):
                os.unlink(p)


def from_guest_udp(f, sport=7007, dport=5000, data=None):
    """1 if f is a UDP datagram from the guest's port sport to SRC_IP:dport (and holds data)."""
    if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != UDP or f[26:30] != GUEST_IP or f[30:34] != SRC_IP:
        return False
    ihl = (f[14] & 15) * 4
    sp, dp, ln = struct.unpack("!HHH", f[14 + ihl:20 + ihl])
    return sp == sport and dp == dport and (data is None or f[22 + ihl:14 + ihl + ln] == data)


def from_guest_tcp(f, dport=None, flags=None, to=SRC_IP):
    """(seq, ack, flags, sport, dport) if f is a TCP segment from the guest to `to`, else None."""
    if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != TCP or f[26:30] != GUEST_IP or f[30:34] != to:
        return None
    ihl = (f[14] & 15) * 4
    sp, dp, seq, ack, _, fl = struct.unpack("!HHIIBB", f[14 + ihl:28 + ihl])
    if (dport is not None and dp != dport) or (flags is not None and fl & flags != flags):
        return None
    return seq, ack, fl, sp, dp
