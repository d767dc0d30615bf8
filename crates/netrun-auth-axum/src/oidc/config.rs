//! Settings of outside issuers: [`OidcConfig`] (the Python `OIDCConfig`) and
//! [`AzureAdConfig`] (the Python `AzureADConfig`, from the same `NETRUN_AUTH_AZURE_*`
//! variables and `.env`).

use std::path::Path;

use netrun_auth::oidc::issuer::is_guid;

use crate::config::{comma_list, gather, parse_bool, ConfigError};

/// Default of [`OidcConfig::http_timeout_seconds`] (also Entra's).
pub(crate) const DEFAULT_HTTP_TIMEOUT_SECONDS: f64 = 10.0;

/// Settings of one OpenID Connect issuer. Every field documents its default; the
/// names are the Python `OIDCConfig`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcConfig {
    /// The issuer URL; its discovery document must name it exactly. Required.
    pub issuer: String,
    /// Accepted `aud` values (one required).
    pub audiences: Vec<String>,
    /// Discovery document URL; default `<issuer>/.well-known/openid-configuration`.
    pub discovery_url: Option<String>,
    /// Accepted algorithms (asymmetric only). Default `["RS256"]`.
    pub algorithms: Vec<String>,
    /// For a `{tenantid}` issuer template: tenant GUIDs, or `["*"]` for any. Default empty.
    pub allowed_tenants: Vec<String>,
    /// Clock skew tolerated on `exp`, `nbf`, `iat`. Default 60 s (at most 300).
    pub leeway_seconds: i64,
    /// Longer tokens are refused unparsed. Default 16 384 bytes.
    pub max_token_bytes: usize,
    /// Accept guests (`acct == 1`, or an `idp` other than `iss`). Default true.
    pub allow_guests: bool,
    /// Header `typ` values accepted for this issuer. Default `JWT`, `at+jwt`, `application/at+jwt`.
    pub accepted_types: Vec<String>,
    /// Least time between JWKS fetches caused by unknown `kid`s. Default 300 s.
    pub jwks_refetch_cooldown_seconds: f64,
    /// Scheduled refresh, lower bound. Default 43 200 s (12 h).
    pub jwks_refresh_min_seconds: f64,
    /// Scheduled refresh, upper bound. Default 86 400 s (24 h).
    pub jwks_refresh_max_seconds: f64,
    /// First retry after a failed fetch (doubling). Default 30 s.
    pub jwks_retry_seconds: f64,
    /// Timeout of each HTTP request (connect and whole answer). Default 10 s.
    pub http_timeout_seconds: f64,
    /// Most keys accepted in the JWKS. Default 64.
    pub max_keys: usize,
    /// Claim giving `User::user_id` (`sub`, `oid`, or another string claim). Default `sub`.
    pub user_id_claim: String,
    /// Claim giving `User::organization_id` (e.g. `tid`). Default none.
    pub organization_claim: Option<String>,
    /// Allow plain-`http` issuer URLs (loopback tests only). Default false.
    pub insecure_http: bool,
}

impl OidcConfig {
    /// Settings for `issuer` and `audiences`, every other field at its default.
    pub fn new<S: Into<String>>(
        issuer: impl Into<String>,
        audiences: impl IntoIterator<Item = S>,
    ) -> Self {
        OidcConfig {
            issuer: issuer.into(),
            audiences: audiences.into_iter().map(Into::into).collect(),
            discovery_url: None,
            algorithms: vec!["RS256".into()],
            allowed_tenants: Vec::new(),
            leeway_seconds: 60,
            max_token_bytes: 16_384,
            allow_guests: true,
            accepted_types: vec!["JWT".into(), "at+jwt".into(), "application/at+jwt".into()],
            jwks_refetch_cooldown_seconds: 300.0,
            jwks_refresh_min_seconds: 43_200.0,
            jwks_refresh_max_seconds: 86_400.0,
            jwks_retry_seconds: 30.0,
            http_timeout_seconds: DEFAULT_HTTP_TIMEOUT_SECONDS,
            max_keys: 64,
            user_id_claim: "sub".into(),
            organization_claim: None,
            insecure_http: false,
        }
    }

    /// Where the discovery document is fetched from.
    pub fn resolved_discovery_url(&self) -> String {
        match &self.discovery_url {
            Some(url) => url.clone(),
            None => format!(
                "{}/.well-known/openid-configuration",
                self.issuer.trim_end_matches('/')
            ),
        }
    }

    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        if self.issuer.is_empty() || self.issuer.trim() != self.issuer {
            return Err(ConfigError(
                "issuer: must be a URL without surrounding spaces".into(),
            ));
        }
        if !self.http_timeout_seconds.is_finite() || self.http_timeout_seconds <= 0.0 {
            return Err(ConfigError(
                "http_timeout_seconds: must be a positive number".into(),
            ));
        }
        Ok(())
    }
}

const MULTI_TENANT: [&str; 2] = ["common", "organizations"];

/// Microsoft Entra ID settings (the Python `AzureADConfig`): code-first, or from
/// `NETRUN_AUTH_AZURE_<NAME>` variables and `.env` ([`AzureAdConfig::from_env`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AzureAdConfig {
    /// Directory (tenant) GUID, or `common` / `organizations` for multi-tenant.
    pub tenant_id: String,
    /// Application (client) id of the API's app registration (a GUID).
    pub client_id: String,
    /// Multi-tenant only (required): tenant GUIDs accepted, or `["*"]` for any tenant.
    pub allowed_tenants: Vec<String>,
    /// Accepted `aud` values; default `<client_id>` and `api://<client_id>`.
    pub audiences: Vec<String>,
    /// Authority; sovereign clouds and External ID hosts are other values.
    /// Default `https://login.microsoftonline.com`.
    pub authority_host: String,
    /// Allow an `http://` authority (loopback tests only). Default false.
    pub insecure_http_authority: bool,
    /// Least time between JWKS fetches caused by unknown key ids. Default 300 s.
    pub jwks_refetch_cooldown_seconds: f64,
    /// Accept guest users (`acct == 1`, or an `idp` other than `iss`). Default false.
    pub allow_guests: bool,
}

impl AzureAdConfig {
    /// Settings for `tenant_id` and `client_id`, every other field at its default
    /// (checked by [`OidcProvider::entra`](super::OidcProvider::entra)).
    pub fn new(tenant_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        AzureAdConfig {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            allowed_tenants: Vec::new(),
            audiences: Vec::new(),
            authority_host: "https://login.microsoftonline.com".into(),
            insecure_http_authority: false,
            jwks_refetch_cooldown_seconds: 300.0,
            allow_guests: false,
        }
    }

    /// Settings from `NETRUN_AUTH_AZURE_*` variables and `.env` in the working directory.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_sources(std::env::vars(), Some(Path::new(".env")))
    }

    /// Settings from these variables, then this `.env` file (if it exists), then
    /// defaults; checked. Names are case-insensitive, lists comma-separated.
    pub fn from_sources(
        vars: impl IntoIterator<Item = (String, String)>,
        dotenv: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let values = gather("NETRUN_AUTH_AZURE_", vars, dotenv)?;
        let mut problems = Vec::new();
        let mut required = |name: &str| match values.get(name) {
            Some(value) => value.clone(),
            None => {
                problems.push(format!("{name}: Field required"));
                String::new()
            }
        };
        let mut config = AzureAdConfig::new(required("tenant_id"), required("client_id"));
        if let Some(v) = values.get("allowed_tenants") {
            config.allowed_tenants = comma_list(v);
        }
        if let Some(v) = values.get("audiences") {
            config.audiences = comma_list(v);
        }
        if let Some(v) = values.get("authority_host") {
            config.authority_host = v.clone();
        }
        for (name, slot) in [
            (
                "insecure_http_authority",
                &mut config.insecure_http_authority,
            ),
            ("allow_guests", &mut config.allow_guests),
        ] {
            if let Some(v) = values.get(name) {
                match parse_bool(v) {
                    Some(b) => *slot = b,
                    None => problems.push(format!("{name}: Input should be a valid boolean")),
                }
            }
        }
        if let Some(v) = values.get("jwks_refetch_cooldown_seconds") {
            match v.trim().parse::<f64>() {
                Ok(n) => config.jwks_refetch_cooldown_seconds = n,
                Err(_) => problems
                    .push("jwks_refetch_cooldown_seconds: Input should be a valid number".into()),
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError(problems.join("; ")));
        }
        config.checked()
    }

    /// Whether `tenant_id` is `common` or `organizations`.
    pub fn is_multi_tenant(&self) -> bool {
        MULTI_TENANT.contains(&self.tenant_id.as_str())
    }

    /// `audiences`, or by default `client_id` (v2.0) and `api://client_id` (v1.0).
    pub fn accepted_audiences(&self) -> Vec<String> {
        if self.audiences.is_empty() {
            vec![self.client_id.clone(), format!("api://{}", self.client_id)]
        } else {
            self.audiences.clone()
        }
    }

    /// The settings normalised (lowercase ids, no trailing `/`) and checked, with the
    /// Python side's messages.
    pub fn checked(mut self) -> Result<Self, ConfigError> {
        let mut problems: Vec<String> = Vec::new();
        let lowered = self.tenant_id.to_ascii_lowercase();
        if MULTI_TENANT.contains(&lowered.as_str()) || is_guid(&self.tenant_id) {
            self.tenant_id = lowered;
        } else {
            problems.push("tenant_id: must be a tenant GUID, or 'common' / 'organizations'".into());
        }
        if is_guid(&self.client_id) {
            self.client_id = self.client_id.to_ascii_lowercase();
        } else {
            problems.push("client_id: must be the application (client) id, a GUID".into());
        }
        if !self.jwks_refetch_cooldown_seconds.is_finite()
            || self.jwks_refetch_cooldown_seconds < 0.0
        {
            problems.push(
                "jwks_refetch_cooldown_seconds: Input should be greater than or equal to 0".into(),
            );
        }
        self.authority_host = self.authority_host.trim_end_matches('/').to_owned();
        let https = self.authority_host.starts_with("https://");
        let allowed_http =
            self.insecure_http_authority && self.authority_host.starts_with("http://");
        if !(https || allowed_http) {
            problems.push(
                "authority_host must be an https URL (insecure_http_authority allows http for tests)"
                    .into(),
            );
        }
        if problems.is_empty() {
            let any = self.allowed_tenants.iter().any(|t| t == "*");
            if self.is_multi_tenant() {
                if self.allowed_tenants.is_empty() {
                    problems.push(
                        "allowed_tenants is required for a multi-tenant app: list the tenant GUIDs, \
                         or '*' to accept any tenant"
                            .into(),
                    );
                } else if any && self.allowed_tenants.len() > 1 {
                    problems
                        .push("allowed_tenants: '*' cannot be combined with tenant GUIDs".into());
                } else if !any && !self.allowed_tenants.iter().all(|t| is_guid(t)) {
                    problems.push(
                        "allowed_tenants: each tenant must be a GUID (or exactly '*')".into(),
                    );
                }
            } else if !self.allowed_tenants.is_empty()
                && self
                    .allowed_tenants
                    .iter()
                    .any(|t| t.to_ascii_lowercase() != self.tenant_id)
            {
                problems
                    .push("allowed_tenants: a single-tenant app accepts only its tenant_id".into());
            }
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(ConfigError(problems.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const CLIENT: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_the_python_variables() {
        let config = AzureAdConfig::from_sources(
            vars(&[
                ("NETRUN_AUTH_AZURE_TENANT_ID", "common"),
                ("netrun_auth_azure_client_id", &CLIENT.to_uppercase()),
                ("NETRUN_AUTH_AZURE_ALLOWED_TENANTS", &format!(" {TID} ,")),
                ("NETRUN_AUTH_AZURE_ALLOW_GUESTS", "yes"),
                (
                    "NETRUN_AUTH_AZURE_AUTHORITY_HOST",
                    "https://login.example.us/",
                ),
            ]),
            None,
        )
        .unwrap();
        assert!(config.is_multi_tenant());
        assert_eq!(config.client_id, CLIENT);
        assert_eq!(config.allowed_tenants, vec![TID.to_owned()]);
        assert!(config.allow_guests);
        assert_eq!(config.authority_host, "https://login.example.us");
        assert_eq!(
            config.accepted_audiences(),
            vec![CLIENT.to_owned(), format!("api://{CLIENT}")]
        );
    }

    #[test]
    fn refusals_name_the_setting() {
        let refused = |config: AzureAdConfig| config.checked().unwrap_err().0;
        assert!(refused(AzureAdConfig::new("contoso", CLIENT)).starts_with("tenant_id:"));
        assert!(refused(AzureAdConfig::new(TID, "app")).starts_with("client_id:"));
        assert!(refused(AzureAdConfig::new("common", CLIENT))
            .starts_with("allowed_tenants is required"));
        let mut star = AzureAdConfig::new("organizations", CLIENT);
        star.allowed_tenants = vec!["*".into(), TID.into()];
        assert!(refused(star).contains("cannot be combined"));
        let mut http = AzureAdConfig::new(TID, CLIENT);
        http.authority_host = "http://127.0.0.1:1".into();
        assert!(refused(http.clone()).starts_with("authority_host must be an https URL"));
        http.insecure_http_authority = true;
        assert!(http.checked().is_ok());
        let mut other = AzureAdConfig::new(TID, CLIENT);
        other.allowed_tenants = vec!["9188040d-6c67-4c5b-b112-36a304b66dad".into()];
        assert!(refused(other).contains("single-tenant"));
        let missing = AzureAdConfig::from_sources(Vec::new(), None).unwrap_err().0;
        assert!(missing.contains("tenant_id: Field required"), "{missing}");
    }
}
