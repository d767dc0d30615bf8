"""The three apps of the HTTP benchmark (one route each, same body).

Selected by ``BENCH_VARIANT``; keys and claims come from ``BENCH_*`` variables set by
``run.py``:

* ``open``: no authentication at all;
* ``noop-dependency``: no authentication, one FastAPI dependency that does nothing
  (what any ``Depends(...)`` costs, the floor of every dependency-based guard);
* ``netrun``: ``AuthenticationMiddleware`` + ``Depends(get_current_user)``, in-memory store;
* ``netrun-middleware-only``: the middleware, and the route reads ``request.state.user``;
* ``netrun-redis``: the seed's Redis wiring with default settings:
  ``JWTManager(config, redis_client)``, ``redis_client=`` on the middleware too, the client
  from ``redis.asyncio.from_url(BENCH_REDIS_URL)`` (checks decided from the local
  revocation mirror, the default);
* ``netrun-redis-strict``: as ``netrun-redis`` with ``redis_local_mirror=False`` (one
  ``MGET`` round trip per request, the strict setting);
* ``pyjwt``: the hand-written dependency most FastAPI apps have: ``HTTPBearer`` +
  ``jwt.decode(token, PUBLIC_KEY_PEM, ...)`` (RS256) + ``HTTPException(401)``;
* ``pyjwt-parsed-key``: the same with the public key parsed once (the careful version).
"""

import os
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


def create_app() -> FastAPI:
    variant = os.environ["BENCH_VARIANT"]
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    if variant == "open":

        @app.get("/r")
        async def route():
            return {"user_id": "anonymous"}

    elif variant == "noop-dependency":

        async def nothing() -> None:
            return None

        @app.get("/r")
        async def route(_: Annotated[None, Depends(nothing)]):
            return {"user_id": "anonymous"}

    elif variant in ("netrun", "netrun-middleware-only", "netrun-redis", "netrun-redis-strict"):
        from fastapi import Request

        from netrun_auth import AuthConfig, JWTManager
        from netrun_auth.dependencies import get_current_user
        from netrun_auth.middleware import AuthenticationMiddleware
        from netrun_auth.types import User

        strict = {"redis_local_mirror": False} if variant == "netrun-redis-strict" else {}
        config = AuthConfig(
            jwt_issuer=os.environ["BENCH_ISSUER"],
            jwt_audience=os.environ["BENCH_AUDIENCE"],
            jwt_private_key_path=os.environ["BENCH_PRIVATE_KEY"],
            jwt_public_key_path=os.environ["BENCH_PUBLIC_KEY"],
            _env_file=None,
            **strict,
        )
        redis_client = None
        if variant in ("netrun-redis", "netrun-redis-strict"):
            import redis.asyncio

            redis_client = redis.asyncio.from_url(os.environ["BENCH_REDIS_URL"])
            jwt_manager = JWTManager(config, redis_client)
            _revocation_routes(app, jwt_manager)
        else:
            jwt_manager = JWTManager(config)
        app.add_middleware(
            AuthenticationMiddleware, jwt_manager=jwt_manager, redis_client=redis_client
        )

        if variant in ("netrun", "netrun-redis", "netrun-redis-strict"):

            @app.get("/r")
            async def route(user: Annotated[User, Depends(get_current_user)]):
                return {"user_id": user.user_id}

        else:  # the user the middleware put on the request, no dependency

            @app.get("/r")
            async def route(request: Request):
                user = request.state.user
                if user is None:
                    raise HTTPException(status.HTTP_401_UNAUTHORIZED)
                return {"user_id": user.user_id}

    elif variant in ("pyjwt", "pyjwt-parsed-key"):
        import jwt
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        with open(os.environ["BENCH_PUBLIC_KEY"], "rb") as f:
            public_pem = f.read().decode()
        # "pyjwt": the PEM text goes to every jwt.decode, as in most hand-written code
        # (PyJWT then parses the key on every request); "pyjwt-parsed-key": parsed once.
        key = public_pem if variant == "pyjwt" else load_pem_public_key(public_pem.encode())
        issuer = os.environ["BENCH_ISSUER"]
        audience = os.environ["BENCH_AUDIENCE"]
        bearer = HTTPBearer()

        async def current_user(
            credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
        ) -> dict:
            try:
                return jwt.decode(
                    credentials.credentials,
                    key,
                    algorithms=["RS256"],
                    audience=audience,
                    issuer=issuer,
                )
            except jwt.PyJWTError:
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid token") from None

        @app.get("/r")
        async def route(user: Annotated[dict, Depends(current_user)]):
            return {"user_id": user["sub"]}

    else:
        raise SystemExit(f"unknown BENCH_VARIANT {variant!r}")
    return app


def _revocation_routes(app: FastAPI, jwt_manager) -> None:
    """What ``propagation.py`` drives: log a token out here, ask whether the mirror is live."""
    from netrun_auth.dependencies import get_current_token

    @app.post("/logout")
    async def logout(token: Annotated[str, Depends(get_current_token)]):
        await jwt_manager.logout(token)
        return {"message": "Logged out"}

    @app.get("/mirror")
    async def mirror():
        return {"live": bool(getattr(jwt_manager.store, "mirror_live", False))}
