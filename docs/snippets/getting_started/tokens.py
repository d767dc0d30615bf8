"""The token lifecycle without a web framework: issue, validate, refresh, revoke.

Run it next to the .env and key files of the getting-started guide: ``python tokens.py``.
"""

import asyncio

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.exceptions import AuthenticationError, TokenReuseError, TokenRevokedError


async def main() -> None:
    jwt_manager = JWTManager(AuthConfig())

    pair = await jwt_manager.generate_token_pair(
        "u-1001", organization_id="acme", roles=["analyst"], permissions=["reports:read"]
    )
    print(pair.token_type, pair.expires_in)  # Bearer 900

    claims = await jwt_manager.validate_token(pair.access_token)
    print(claims.user_id, claims.organization_id, *claims.permissions)  # u-1001 acme reports:read

    # Refreshing spends the refresh token and returns a new pair of the same session.
    newer = await jwt_manager.refresh_token(pair.refresh_token)
    assert newer.session_id == pair.session_id

    # Presenting the spent refresh token again is reuse: the whole session is revoked.
    try:
        await jwt_manager.refresh_token(pair.refresh_token)
    except TokenReuseError as exc:
        print(exc.status_code, exc.code)  # 401 token_reuse
    try:
        await jwt_manager.validate_token(newer.access_token)
    except TokenRevokedError as exc:
        print(exc.status_code, exc.code)  # 401 token_revoked

    # Every failure is an AuthenticationError with a status, a stable code and a safe message.
    try:
        await jwt_manager.validate_token("not-a-token")
    except AuthenticationError as exc:
        print(exc.to_dict())  # {'error': 'token_malformed', 'message': ..., 'status_code': 401}


if __name__ == "__main__":
    asyncio.run(main())
