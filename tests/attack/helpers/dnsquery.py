"""dnsquery.py SERVER NAME... — sends one DNS A query per NAME to SERVER port 53 over UDP and
waits briefly for an answer (none is needed: the corpus uses a loopback SERVER, where usually
nothing listens, so nothing leaves the machine)."""
import random
import socket
import struct
import sys


def query(name):
    qid = random.randrange(65536)
    head = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    body = b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".")) + b"\0"
    return head + body + struct.pack(">HH", 1, 1)


def main():
    server = sys.argv[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    for name in sys.argv[2:]:
        s.sendto(query(name), (server, 53))
        try:
            s.recv(512)
        except OSError:
            pass


if __name__ == "__main__":
    main()
