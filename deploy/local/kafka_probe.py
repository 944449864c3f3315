#!/usr/bin/env python3
"""Readiness probe for the local Kafka broker (standard library only).

Sends one ApiVersions request (api_key 18, version 0) and succeeds only if the broker answers
with error_code 0 and a non-empty list of APIs. An open port alone is not enough: a Kafka 4.x
broker binds its listener once it has caught up with the metadata log and is unfenced, and a
paused (SIGSTOP) or wedged JVM still has its port open but never answers.

Usage: kafka_probe.py [--host 127.0.0.1] [--port 9092] [--timeout 2.0] [--verbose]
Exit code: 0 ready, 1 not ready (reason on stderr with --verbose).
"""

from __future__ import annotations

import argparse
import socket
import struct
import sys

API_VERSIONS_KEY = 18
API_VERSION = 0
CORRELATION_ID = 0x4D454E54  # "MENT"
CLIENT_ID = b"mentoring-infra-probe"


class ProbeError(Exception):
    pass


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ProbeError(f"connection closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def build_request() -> bytes:
    # Request header v1: api_key int16, api_version int16, correlation_id int32,
    # client_id nullable string (int16 length + bytes). ApiVersions v0 has an empty body.
    header = struct.pack(">hhih", API_VERSIONS_KEY, API_VERSION, CORRELATION_ID, len(CLIENT_ID))
    payload = header + CLIENT_ID
    return struct.pack(">i", len(payload)) + payload


def parse_response(data: bytes) -> list[tuple[int, int, int]]:
    # Response header v0 (ApiVersions always uses v0): correlation_id int32.
    # Body v0: error_code int16, api_keys array (int32 count; key, min, max as int16).
    if len(data) < 10:
        raise ProbeError(f"response too short ({len(data)} bytes)")
    correlation_id, error_code, count = struct.unpack_from(">ihi", data, 0)
    if correlation_id != CORRELATION_ID:
        raise ProbeError(f"unexpected correlation id {correlation_id}")
    if error_code != 0:
        raise ProbeError(f"broker answered ApiVersions with error_code {error_code}")
    if count <= 0:
        raise ProbeError("broker listed no APIs")
    if len(data) < 10 + 6 * count:
        raise ProbeError("truncated api_keys array")
    return [struct.unpack_from(">hhh", data, 10 + 6 * i) for i in range(count)]


def probe(host: str, port: int, timeout: float) -> list[tuple[int, int, int]]:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(build_request())
            (size,) = struct.unpack(">i", _recv_exact(sock, 4))
            if size < 10 or size > 1 << 20:
                raise ProbeError(f"implausible response size {size}")
            return parse_response(_recv_exact(sock, size))
    except OSError as exc:  # refused, reset, timeout
        raise ProbeError(f"{type(exc).__name__}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9092)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    try:
        apis = probe(args.host, args.port, args.timeout)
    except ProbeError as exc:
        if args.verbose:
            print(f"kafka not ready at {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    if args.verbose:
        print(f"kafka ready at {args.host}:{args.port}: ApiVersions lists {len(apis)} APIs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
