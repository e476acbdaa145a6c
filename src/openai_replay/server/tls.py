"""A throwaway certificate authority so tests can talk https/wss to the fake server."""

from __future__ import annotations

import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TlsMaterial:
    """The server's SSL context and what a client needs to trust it."""

    server_context: ssl.SSLContext
    ca_pem: bytes
    ca_path: Path

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts only this throwaway CA."""
        ctx = ssl.create_default_context(cadata=self.ca_pem.decode())
        return ctx


def make_tls(hostnames: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TlsMaterial:
    try:
        import trustme
    except ImportError as exc:  # pragma: no cover - trustme is a dependency
        raise RuntimeError("TLS needs the 'trustme' package: pip install trustme") from exc
    ca = trustme.CA()
    cert = ca.issue_cert(*hostnames)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    pem = ca.cert_pem.bytes()
    with tempfile.NamedTemporaryFile(prefix="openai-replay-ca-", suffix=".pem", delete=False) as handle:
        handle.write(pem)
    return TlsMaterial(server_context=server_ctx, ca_pem=pem, ca_path=Path(handle.name))
