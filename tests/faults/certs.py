"""Bad TLS certificates made at test time: self-signed, expired, and for the wrong host.

With the ``cryptography`` package when it is installed, else with the ``openssl`` command line
(``openssl ca`` is the one OpenSSL 3.0 tool that writes arbitrary validity dates).
"""

from __future__ import annotations

import datetime as dt
import shutil
import ssl
import subprocess
from pathlib import Path

KINDS = ("self-signed", "expired", "wrong-host")
_RIGHT_HOST = "127.0.0.1"
_WRONG_HOST = "wrong-host.example"


def server_context(kind: str, folder: Path) -> ssl.SSLContext:
    """A server-side SSL context presenting a certificate of ``kind`` (one of :data:`KINDS`)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / f"{kind}.crt", folder / f"{kind}.key"
    now = dt.datetime.now(dt.UTC)
    if kind == "expired":
        not_before, not_after = now - dt.timedelta(days=400), now - dt.timedelta(days=30)
    else:
        not_before, not_after = now - dt.timedelta(days=1), now + dt.timedelta(days=30)
    host = _WRONG_HOST if kind == "wrong-host" else _RIGHT_HOST
    try:
        import cryptography  # noqa: F401
    except ImportError:
        _with_openssl(cert, key, host, not_before, not_after)
    else:
        _with_cryptography(cert, key, host, not_before, not_after)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _with_cryptography(
    cert: Path, key: Path, host: str, not_before: dt.datetime, not_after: dt.datetime
) -> None:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _with_openssl(
    cert: Path, key: Path, host: str, not_before: dt.datetime, not_after: dt.datetime
) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("neither the cryptography package nor the openssl command is here")
    work = cert.parent / f"{cert.stem}-ca"
    work.mkdir(exist_ok=True)
    (work / "index.txt").write_text("")
    (work / "serial").write_text("1000\n")
    san = f"IP:{host}" if host[0].isdigit() else f"DNS:{host}"
    config = work / "openssl.cnf"
    config.write_text(
        "[ca]\ndefault_ca = here\n"
        f"[here]\ndir = {work}\ndatabase = $dir/index.txt\nserial = $dir/serial\n"
        "new_certs_dir = $dir\ndefault_md = sha256\npolicy = anything\n"
        "copy_extensions = copy\nunique_subject = no\n"
        "[anything]\ncommonName = supplied\n"
        f"[req]\nprompt = no\ndistinguished_name = dn\nreq_extensions = ext\n"
        f"[dn]\nCN = {host}\n[ext]\nsubjectAltName = {san}\n"
    )
    csr = work / "req.csr"

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-config", str(config))  # fmt: skip
    stamp = "%Y%m%d%H%M%SZ"
    run("ca", "-batch", "-selfsign", "-config", str(config), "-keyfile", str(key),
        "-in", str(csr), "-out", str(cert), "-notext", "-extensions", "ext",
        "-extfile", str(config),
        "-startdate", not_before.strftime(stamp), "-enddate", not_after.strftime(stamp))  # fmt: skip
