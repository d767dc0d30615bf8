"""Settings, read once from the environment and .env (NETRUN_AUTH_* variables)."""

from netrun_auth import AuthConfig

config = AuthConfig()


def verify_config() -> None:
    """Fail early, naming the setting, when something required is missing."""
    for name in ("jwt_issuer", "jwt_audience"):
        if not getattr(config, name):
            raise SystemExit(f"Missing configuration: NETRUN_AUTH_{name.upper()}")


if __name__ == "__main__":
    verify_config()
    print("Configuration verified")
