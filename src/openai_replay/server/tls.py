"""A throwaway certificate authority so tests can talk https/wss to the fake server.

The CA's PEM file (``ca_path``, for clients configured by file: ``SSL_CERT_FILE``,
``NODE_EXTRA_CA_CERTS``, ``curl --cacert``) exists while the server runs: it is written when the
server starts and removed when it stops (and at interpreter exit for a server never stopped).
"""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile
import weakref
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

    def write(self) -> None:
        """(Re)write the CA file at ``ca_path`` (a server starting again after a stop)."""
        if not self.ca_path.exists():
            fd = os.open(self.ca_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(self.ca_pem)

    def remove(self) -> None:
        """Delete the CA file (the server stopped)."""
        _unlink(self.ca_path)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


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
    material = TlsMaterial(server_context=server_ctx, ca_pem=pem, ca_path=Path(handle.name))
    weakref.finalize(material, _unlink, material.ca_path)  # at the latest when the process exits
    return material
