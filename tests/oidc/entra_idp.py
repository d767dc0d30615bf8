"""An Entra-shaped identity provider on loopback, for the tests: real HTTP (stdlib server
in a thread), v1.0 and v2.0 discovery documents for ``common``, ``organizations`` and each
tenant, JWKS with per-key ``issuer`` properties, key rollover, slow / failing / garbage
answers, and a request counter per path. Tokens are signed with PyJWT, shaped like real
Entra v1.0 and v2.0 access tokens (all their claims)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
CLIENT_ID = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
CLIENT_APP = "b7e1e0c4-2c4b-4b9e-a8e5-1f0b6f1d6d6d"
USER_OID = "690222be-ff1a-4d56-abd1-7e4f7d38e474"
V2_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"
V1_TEMPLATE = "https://sts.windows.net/{tenantid}/"


def v2_issuer(tid: str) -> str:
    return V2_TEMPLATE.replace("{tenantid}", tid)


def v1_issuer(tid: str) -> str:
    return V1_TEMPLATE.replace("{tenantid}", tid)


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self, issuer: str | None) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        key = {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, **public}
        key["x5c"] = ["MIIDBTCCAe2gAwIBAgIQN33ROaIJ6bJBWDCxtmJEbjANBgkqhkiG9w0BAQsFADAt"]
        key.pop("alg", None)
        if issuer is not None:
            key["issuer"] = issuer
        return key


def new_key() -> SigningKey:
    return SigningKey(
        kid=uuid.uuid4().hex[:27],
        private=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


@dataclass
class EntraIdP:
    """State of the provider; ``mode`` switches every JWKS answer (discovery stays up
    unless ``discovery_mode`` says otherwise)."""

    keys: list[SigningKey] = field(default_factory=lambda: [new_key()])
    mode: str = "ok"  # ok | down | garbage | slow | huge | empty
    discovery_mode: str = "ok"  # ok | down | down-v1
    slow_seconds: float = 3.0
    hits: Counter[str] = field(default_factory=Counter)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def authority(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def signing(self) -> SigningKey:
        return self.keys[-1]

    def jwks_fetches(self) -> int:
        with self.lock:
            return sum(n for path, n in self.hits.items() if "/keys" in path)

    def rotate(self, *, drop_old: bool = False) -> SigningKey:
        """Publish a new signing key (Entra's rollover); optionally retire the old ones."""
        key = new_key()
        with self.lock:
            self.keys = [key] if drop_old else [*self.keys, key]
        return key

    # -- tokens ---------------------------------------------------------------------

    def token(
        self,
        claims: dict[str, Any],
        *,
        key: SigningKey | None = None,
        header: dict[str, Any] | None = None,
    ) -> str:
        key = key or self.signing
        headers = {"typ": "JWT", "x5t": key.kid, "kid": key.kid, **(header or {})}
        return jwt.encode(claims, key.private, algorithm="RS256", headers=headers)

    def v2(self, tenant: str = TENANT, /, **overrides: Any) -> str:
        return self.token(v2_claims(tenant, **overrides))

    def v1(self, tenant: str = TENANT, /, **overrides: Any) -> str:
        return self.token(v1_claims(tenant, **overrides))

    # -- HTTP -----------------------------------------------------------------------

    def answer(self, path: str) -> tuple[int, bytes]:
        with self.lock:
            self.hits[path] += 1
        parts = path.strip("/").split("/")
        if len(parts) < 2:
            return 404, b"{}"
        tenant, rest = parts[0], "/".join(parts[1:])
        if rest in ("v2.0/.well-known/openid-configuration", ".well-known/openid-configuration"):
            v2 = rest.startswith("v2.0")
            if self.discovery_mode == "down" or (self.discovery_mode == "down-v1" and not v2):
                return 503, b"unavailable"
            return 200, json.dumps(self.discovery(tenant, v2=v2)).encode()
        if rest in ("discovery/v2.0/keys", "discovery/keys"):
            return self.jwks(v2=rest.startswith("discovery/v2.0"))
        return 404, b'{"error": "not found"}'

    def discovery(self, tenant: str, *, v2: bool) -> dict[str, Any]:
        tid = "{tenantid}" if tenant in ("common", "organizations") else tenant
        base = f"{self.authority}/{tenant}"
        if v2:
            return {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "issuer": v2_issuer(tid),
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "tenant_region_scope": "WW",
                "cloud_instance_name": "microsoftonline.com",
            }
        return {
            "token_endpoint": f"{base}/oauth2/token",
            "jwks_uri": f"{base}/discovery/keys",
            "issuer": v1_issuer(tid),
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "cloud_instance_name": "microsoftonline.com",
        }

    def jwks(self, *, v2: bool) -> tuple[int, bytes]:
        mode = self.mode
        if mode == "down":
            return 500, b"internal error"
        if mode == "garbage":
            return 200, b"<html><body>Sign in to your account</body></html>"
        if mode == "empty":
            return 200, b'{"keys": []}'
        if mode == "huge":
            return 200, b'{"keys": [' + b" " * (1024 * 1024) + b"]}"
        if mode == "slow":
            time.sleep(self.slow_seconds)
        with self.lock:
            keys = list(self.keys)
        issuer = V2_TEMPLATE if v2 else V1_TEMPLATE
        return 200, json.dumps({"keys": [k.jwk(issuer) for k in keys]}).encode()


def v2_claims(tenant: str = TENANT, /, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": CLIENT_ID,
        "iss": v2_issuer(tenant),
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "aio": "AXQAi/8TAAAAr8lB7t0sR3Tw3Xq7hYkJ3Q==",
        "azp": CLIENT_APP,
        "azpacr": "0",
        "name": "Abe Lincoln",
        "oid": USER_OID,
        "preferred_username": "abeli@contoso.com",
        "rh": "0.AXQAv4j5cvGGr0GRqy180BHbR-ZRQ1_7oNRDn_TmajmrkuN0AAA.",
        "roles": ["Reports.Reader"],
        "scp": "access_as_user Files.Read",
        "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
        "tid": tenant,
        "uti": "fqiBqXLPj0eQa82S-IYFAA",
        "ver": "2.0",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def v1_claims(tenant: str = TENANT, /, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": f"api://{CLIENT_ID}",
        "iss": v1_issuer(tenant),
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "acr": "1",
        "aio": "E2ZgYJif1LUr9k9Ve3sU4jEfNvd2AA==",
        "amr": ["pwd", "mfa"],
        "appid": CLIENT_APP,
        "appidacr": "0",
        "family_name": "Lincoln",
        "given_name": "Abe",
        "ipaddr": "192.0.2.10",
        "name": "Abe Lincoln",
        "oid": USER_OID,
        "rh": "0.AXQAv4j5cvGGr0GRqy180BHbR-ZRQ1_7oNRDn_TmajmrkuN0AAA.",
        "roles": ["Reports.Reader"],
        "scp": "access_as_user",
        "sub": "l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA",
        "tid": tenant,
        "unique_name": "abeli@contoso.com",
        "upn": "abeli@contoso.com",
        "uti": "fqiBqXLPj0eQa82S-IYFAA",
        "ver": "1.0",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


class _Handler(BaseHTTPRequestHandler):
    idp: EntraIdP

    def do_GET(self) -> None:
        status, body = self.server.idp.answer(self.path)  # type: ignore[attr-defined]
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server:
    """``EntraIdP`` served on a free loopback port until :meth:`close`."""

    def __init__(self, idp: EntraIdP) -> None:
        self.idp = idp
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.idp = idp  # type: ignore[attr-defined]
        idp.port = self.httpd.server_address[1]
        idp._server = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
