"""Key rotation, step by step: keys/2026-06 (the current key) is replaced by keys/2026-12.

Each ``JWTManager`` below is one phase of the runbook, as a service would be configured
then (the same settings work as NETRUN_AUTH_* variables). Run: ``python rotation.py``.
"""

import asyncio

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.exceptions import TokenInvalidError

IDENTITY = {"jwt_issuer": "https://api.example.com", "jwt_audience": "example-api"}


def phase(signing: str, *also_verify: str) -> JWTManager:
    """A manager that signs with keys/<signing> and also accepts keys/<also_verify>."""
    config = AuthConfig(
        **IDENTITY,
        jwt_private_key_path=f"keys/{signing}.pem",
        jwt_public_key_path=f"keys/{signing}.pub.pem",
        jwt_verification_key_paths=[f"keys/{name}.pub.pem" for name in also_verify],
        _env_file=None,
    )
    return JWTManager(config)


async def main() -> None:
    before = phase("2026-06")
    old_token = (await before.generate_token_pair("u-1001")).access_token

    # 1-2. Add the new public key to every verifier and publish the JWKS: two keys.
    published = phase("2026-06", "2026-12")
    print(len(published.jwks()["keys"]))  # 2

    # 3. Switch signing to the new key; the old public key still verifies.
    switched = phase("2026-12", "2026-06")
    new_token = (await switched.generate_token_pair("u-1001")).access_token
    await switched.validate_token(old_token)  # tokens signed before the switch still work
    await published.validate_token(new_token)  # and phase-2 verifiers accept the new ones

    # 4. After the longest token lifetime: retire the old key.
    retired = phase("2026-12")
    await retired.validate_token(new_token)
    try:
        await retired.validate_token(old_token)
    except TokenInvalidError as exc:
        print(exc.code)  # unknown_key


if __name__ == "__main__":
    asyncio.run(main())
