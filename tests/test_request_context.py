"""``AuthContext.now``: a request's context from its ASGI headers, in one engine call when
this API's own manager's store decides at once, else the token to await."""

from __future__ import annotations

import pytest

from netrun_auth import JWTManager, _core
from netrun_auth.context import AuthContext, AuthSettings
from netrun_auth.exceptions import TokenInvalidError, TokenRevokedError
from netrun_auth.stores import MemoryStore


@pytest.fixture
def manager(make_config):
    return JWTManager(make_config("HS256"))


def bearer(token: str) -> list[tuple[bytes, bytes]]:
    return [(b"host", b"api"), (b"authorization", b"Bearer " + token.encode())]


async def access_token(manager: JWTManager) -> str:
    pair = await manager.generate_token_pair("user-1", "org-1", ["user"], ["projects:read"])
    return pair.access_token


async def test_own_tokens_take_the_one_call_path(manager):
    settings = AuthSettings(manager)
    assert isinstance(settings.request_now, _core.RequestAuthenticator)
    token = await access_token(manager)
    ctx = AuthContext.now(settings, bearer(token))
    assert isinstance(ctx, AuthContext)
    assert (ctx.token, ctx.user.user_id, ctx.settings) == (token, "user-1", settings)
    again = AuthContext.now(settings, bearer(token))
    assert isinstance(again, AuthContext) and again is not ctx and again.user is ctx.user
    assert ctx.claims is not None and ctx.claims.permissions == ["projects:read"]


async def test_without_a_token_the_request_is_anonymous(manager):
    ctx = AuthContext.now(AuthSettings(manager), [(b"host", b"api")])
    assert isinstance(ctx, AuthContext)
    assert (ctx.user, ctx.token, ctx.claims, ctx.scopes) == (None, None, None, [])


async def test_bad_credentials_and_revoked_tokens_are_refused(manager):
    settings = AuthSettings(manager)
    with pytest.raises(TokenInvalidError) as bad:
        AuthContext.now(settings, [(b"authorization", b"Basic dXNlcjpwYXNz")])
    assert bad.value.code == "token_malformed"
    token = await access_token(manager)
    await manager.logout(token)
    with pytest.raises(TokenRevokedError):
        AuthContext.now(settings, bearer(token))


class AskedStore(MemoryStore):
    """A store that never decides at once (as a Redis store whose mirror is not live)."""

    def __init__(self) -> None:
        super().__init__()
        self.check_now = lambda claims: False


class AwaitedOnlyStore(MemoryStore):
    """A store without ``check_now`` at all (any store of the documented protocol)."""

    def __getattribute__(self, name: str):
        if name == "check_now":
            raise AttributeError(name)
        return super().__getattribute__(name)


@pytest.mark.parametrize("store", [AskedStore, AwaitedOnlyStore])
async def test_a_store_that_must_be_asked_gets_the_token_back(make_config, store):
    manager = JWTManager(make_config("HS256"), store=store())
    settings = AuthSettings(manager)
    token = await access_token(manager)
    assert AuthContext.now(settings, bearer(token)) == token
    ctx = AuthContext(settings)
    await ctx.authenticate(token)  # what the middleware then awaits
    assert ctx.user is not None and ctx.user.user_id == "user-1"


async def test_the_store_is_read_on_every_request(make_config):
    # use_redis (or any store swap) after the middleware was built is seen at once.
    manager = JWTManager(make_config("HS256"))
    settings = AuthSettings(manager)
    token = await access_token(manager)
    assert isinstance(AuthContext.now(settings, bearer(token)), AuthContext)
    manager.store = AskedStore()
    assert AuthContext.now(settings, bearer(token)) == token


async def test_managers_of_another_kind_keep_the_awaited_path(manager):
    class Duck:  # the documented validate_token() only
        config = manager.config

        async def validate_token(self, token):
            return await manager.validate_token(token)

    settings = AuthSettings(Duck())
    assert settings.request_now is None
    token = await access_token(manager)
    assert AuthContext.now(settings, bearer(token)) == token


async def test_a_manager_whose_verify_is_overridden_sees_every_token(make_config):
    seen = []

    class Audited(JWTManager):
        async def verify(self, token, expected_type="access"):
            seen.append(token)
            return await super().verify(token, expected_type)

    manager = Audited(make_config("HS256"))
    settings = AuthSettings(manager)
    assert settings.request_now is None
    token = await access_token(manager)
    found = AuthContext.now(settings, bearer(token))
    assert found == token
    ctx = AuthContext(settings)
    await ctx.authenticate(found)
    assert seen == [token] and ctx.user is not None


def test_a_token_where_the_headers_go_is_a_type_error(manager):
    # It would otherwise read as a request without any header: anonymous.
    for wrong in ("eyJ.a.b", b"eyJ.a.b"):
        with pytest.raises(TypeError, match="headers"):
            AuthContext.now(AuthSettings(manager), wrong)  # type: ignore[arg-type]
