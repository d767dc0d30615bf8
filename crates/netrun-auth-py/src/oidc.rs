//! `OidcVerifier`, `OidcRouter`, `OidcClaims`, `parse_discovery`: outside OpenID Connect issuers.
//!
//! Conversion only: the rules (verification, tenant templates, JWKS fetch policy)
//! live in `netrun_auth::oidc`. Python does the HTTP and hands the bodies back.

use std::sync::Arc;

use netrun_auth::oidc::{
    verify_routed_now, Decision, Discovery, OidcClaims, OidcConfig, OidcVerifier, PolicyConfig,
    Ticket, UserMapping,
};
use netrun_auth::{Algorithm, Error};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::claims_view::{extra_entries, ClaimsView};
use crate::errors::to_py_err;
use crate::json::freeze;
use crate::model;
use crate::text::{strings, Text, TextBytes};

/// One outside issuer: its rules, its parsed keys and its JWKS fetch policy.
#[pyclass(frozen, module = "netrun_auth._core", name = "OidcVerifier")]
pub struct PyOidcVerifier(OidcVerifier);

/// Several issuers' verifiers: a token is routed by its `iss` and verified by the
/// chosen one, with one parse of its payload (`netrun_auth::oidc::verify_routed`).
#[pyclass(frozen, module = "netrun_auth._core", name = "OidcRouter")]
pub struct PyOidcRouter(Vec<Py<PyOidcVerifier>>);

/// Verified claims of an outside token (immutable), and the `User` built from them
/// once (`attach`), shared by every later verification of the same token.
#[pyclass(frozen, module = "netrun_auth._core", name = "OidcClaims")]
pub struct PyOidcClaims(Arc<OidcClaims>);

fn decision(decision: Decision) -> (&'static str, u64) {
    match decision {
        Decision::Fetch(Ticket(ticket)) => ("fetch", ticket),
        Decision::Wait => ("wait", 0),
        Decision::Skip => ("skip", 0),
    }
}

#[pymethods]
impl PyOidcVerifier {
    #[new]
    #[pyo3(signature = (
        *, issuer, audiences, algorithms = None, allowed_tenants = None, leeway_seconds = 60,
        max_token_bytes = 16_384, allow_guests = true, accepted_types = None, max_keys = 64,
        max_jwks_bytes = 262_144, cache_size = 10_000, refresh_min_seconds = 43_200.0,
        refresh_max_seconds = 86_400.0, unknown_kid_cooldown_seconds = 300.0,
        retry_seconds = 30.0, fetch_timeout_seconds = 30.0, user_id_claim = None,
        organization_claim = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        issuer: Text,
        audiences: Vec<Text>,
        algorithms: Option<Vec<Text>>,
        allowed_tenants: Option<Vec<Text>>,
        leeway_seconds: i64,
        max_token_bytes: usize,
        allow_guests: bool,
        accepted_types: Option<Vec<Text>>,
        max_keys: usize,
        max_jwks_bytes: usize,
        cache_size: usize,
        refresh_min_seconds: f64,
        refresh_max_seconds: f64,
        unknown_kid_cooldown_seconds: f64,
        retry_seconds: f64,
        fetch_timeout_seconds: f64,
        user_id_claim: Option<Text>,
        organization_claim: Option<Text>,
    ) -> PyResult<Self> {
        let build = || -> Result<OidcVerifier, Error> {
            let mut config = OidcConfig::new(issuer.into_string(), strings(audiences));
            if let Some(names) = algorithms {
                config.algorithms = strings(names)
                    .iter()
                    .map(|name| {
                        name.parse::<Algorithm>().map_err(|_| {
                            Error::input(
                                "algorithms",
                                format!("'{name}' is not a supported algorithm"),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            config.allowed_tenants = strings(allowed_tenants.unwrap_or_default());
            config.leeway_seconds = leeway_seconds;
            config.max_token_bytes = max_token_bytes;
            config.allow_guests = allow_guests;
            if let Some(types) = accepted_types {
                config.accepted_types = strings(types);
            }
            config.max_keys = max_keys;
            config.max_jwks_bytes = max_jwks_bytes;
            config.cache_size = cache_size;
            config.policy = PolicyConfig {
                refresh_min_seconds,
                refresh_max_seconds,
                unknown_kid_cooldown_seconds,
                retry_seconds,
                fetch_timeout_seconds,
            };
            let mut user = UserMapping::default();
            if let Some(claim) = user_id_claim {
                user.user_id_claim = claim.into_string();
            }
            user.organization_claim = organization_claim.map(Text::into_string);
            config.user = user;
            OidcVerifier::new(config)
        };
        build().map_err(to_py_err).map(PyOidcVerifier)
    }

    /// Verify a token with the keys held (the GIL is released meanwhile).
    fn verify(&self, py: Python<'_>, token: TextBytes<'_>) -> PyResult<PyOidcClaims> {
        py.detach(|| self.0.verify_now(token.0.as_ref()))
            .map_err(to_py_err)
            .map(PyOidcClaims)
    }

    /// Whether an unverified `iss` is this issuer's (routing only).
    fn accepts_issuer(&self, issuer: TextBytes<'_>) -> bool {
        std::str::from_utf8(&issuer.0).is_ok_and(|iss| self.0.accepts_issuer(iss))
    }

    /// Whether an unverified token's `iss` is this issuer's (routing only).
    fn accepts_token(&self, token: TextBytes<'_>) -> bool {
        self.0.accepts_token(token.0.as_ref())
    }

    /// On each use, with a monotonic `now`: `("fetch", ticket)`, `("wait", 0)` or `("skip", 0)`.
    fn poll(&self, now: f64) -> (&'static str, u64) {
        decision(self.0.poll(now))
    }

    /// After an `unknown_key` error: the same answers, at most one fetch per cooldown.
    fn on_unknown_kid(&self, now: f64) -> (&'static str, u64) {
        decision(self.0.on_unknown_kid(now))
    }

    /// Hand back the fetched JWKS body; returns the number of keys held.
    /// A body that is not a usable JWKS raises `ConfigurationError` and keeps the held keys.
    fn complete(&self, py: Python<'_>, ticket: u64, body: &[u8], now: f64) -> PyResult<usize> {
        py.detach(|| self.0.complete(Ticket(ticket), body, now))
            .map_err(to_py_err)
    }

    /// The fetch of `ticket` failed (network error, timeout, error status).
    fn fail(&self, ticket: u64, now: f64) {
        self.0.fail(Ticket(ticket), now);
    }

    /// The key ids held.
    #[getter]
    fn kids(&self) -> Vec<String> {
        self.0
            .key_set()
            .kids()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Whether keys were ever fetched.
    #[getter]
    fn has_keys(&self) -> bool {
        self.0.has_keys()
    }

    /// How many fetches the policy asked for.
    #[getter]
    fn fetches(&self) -> u64 {
        self.0.fetches()
    }

    /// The configured issuer (or `{tenantid}` template).
    #[getter]
    fn issuer(&self) -> &str {
        &self.0.config().issuer
    }

    /// Largest JWKS body accepted, in bytes (the fetcher stops reading beyond it).
    #[getter]
    fn max_jwks_bytes(&self) -> usize {
        self.0.config().max_jwks_bytes
    }

    fn __repr__(&self) -> String {
        format!("OidcVerifier(issuer={:?})", self.0.config().issuer)
    }
}

#[pymethods]
impl PyOidcRouter {
    #[new]
    fn new(verifiers: Vec<Py<PyOidcVerifier>>) -> Self {
        PyOidcRouter(verifiers)
    }

    /// `(index, claims)`: verified by `verifiers[index]`, the one whose issuer the
    /// token's `iss` names; `None` when no verifier's issuer is named. The GIL is
    /// released meanwhile.
    fn verify(
        &self,
        py: Python<'_>,
        token: TextBytes<'_>,
    ) -> PyResult<Option<(usize, PyOidcClaims)>> {
        let verifiers: Vec<&OidcVerifier> = self.0.iter().map(|v| &v.get().0).collect();
        py.detach(|| verify_routed_now(&verifiers, token.0.as_ref()))
            .map_err(to_py_err)
            .map(|routed| routed.map(|(index, claims)| (index, PyOidcClaims(claims))))
    }

    fn __repr__(&self) -> String {
        format!("OidcRouter({} issuers)", self.0.len())
    }
}

#[pymethods]
impl PyOidcClaims {
    #[getter]
    fn subject(&self) -> &str {
        &self.0.subject
    }
    #[getter]
    fn issuer(&self) -> &str {
        &self.0.issuer
    }
    #[getter]
    fn is_guest(&self) -> bool {
        self.0.is_guest
    }

    /// The keyword arguments of the `User` these claims describe, every value already of
    /// the field's frozen type (tuples, a read-only `extra`): `User.model_construct(**f)`.
    /// `extra` holds the other claims, then `oid`, `tid`, `idp`, `acct`, `sub` when
    /// present and `is_guest`.
    fn user_fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let extra = freeze(&extra_entries(py, &self.0)?)?;
        self.fields(py, extra)
    }

    /// The `User` kept with these claims (shared with the token's cache entry), else one
    /// made and kept: `spec` is `(User, fields_set)`, the class and the set of all its
    /// field names; `extra` is a `ClaimsView`, converted when first read.
    fn user_of(&self, py: Python<'_>, spec: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        if let Some(kept) = self.0.memo.get::<Py<PyAny>>() {
            return Ok(kept.clone_ref(py));
        }
        let extra = Bound::new(py, ClaimsView::new(self.0.clone()))?.into_any();
        let fields = self.fields(py, extra)?;
        let cls = spec.get_item(0)?;
        let user = model::fill(cls.cast::<PyType>()?, &fields, &spec.get_item(1)?)?;
        Ok(match self.0.memo.get_or_init(|| user.clone().unbind()) {
            Some(kept) => kept.clone_ref(py),
            None => user.unbind(),
        })
    }

    /// What `attach` kept for these claims (`None` before).
    #[getter]
    fn attached(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.0
            .memo
            .get::<Py<PyAny>>()
            .map(|value| value.clone_ref(py))
    }

    /// Keep `value` with these claims in the verified-token cache (the first value
    /// attached wins: returns the one kept).
    fn attach(&self, py: Python<'_>, value: Py<PyAny>) -> Py<PyAny> {
        match self.0.memo.get_or_init(|| value) {
            Some(kept) => kept.clone_ref(py),
            None => py.None(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "OidcClaims(subject={:?}, issuer={:?})",
            self.0.subject, self.0.issuer
        )
    }
}

/// Parse a discovery document: `{"issuer", "jwks_uri", "authorization_endpoint", "token_endpoint"}`.
#[pyfunction]
#[pyo3(signature = (body, expected_issuer = None, allow_http = false))]
pub fn parse_discovery<'py>(
    py: Python<'py>,
    body: &[u8],
    expected_issuer: Option<Text>,
    allow_http: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let expected = expected_issuer.map(Text::into_string);
    let doc = Discovery::parse(body, expected.as_deref(), allow_http).map_err(to_py_err)?;
    let dict = PyDict::new(py);
    dict.set_item("issuer", doc.issuer)?;
    dict.set_item("jwks_uri", doc.jwks_uri)?;
    dict.set_item("authorization_endpoint", doc.authorization_endpoint)?;
    dict.set_item("token_endpoint", doc.token_endpoint)?;
    Ok(dict)
}

impl PyOidcClaims {
    /// The fields of the `User` of these claims, `extra` given.
    fn fields<'py>(
        &self,
        py: Python<'py>,
        extra: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (c, u) = (&self.0, &self.0.user);
        let fields = PyDict::new(py);
        // In the order `User` declares them, as validation stores them (and dumps them).
        fields.set_item(intern!(py, "user_id"), &u.user_id)?;
        fields.set_item(intern!(py, "organization_id"), u.organization_id.as_deref())?;
        fields.set_item(intern!(py, "roles"), PyTuple::new(py, &c.roles)?)?;
        fields.set_item(intern!(py, "permissions"), PyTuple::empty(py))?;
        fields.set_item(intern!(py, "scopes"), PyTuple::new(py, &c.scopes)?)?;
        fields.set_item(intern!(py, "issuer"), &c.issuer)?;
        fields.set_item(intern!(py, "email"), u.email.as_deref())?;
        fields.set_item(intern!(py, "display_name"), u.display_name.as_deref())?;
        // A session of ours: never an outside token's.
        fields.set_item(intern!(py, "session_id"), py.None())?;
        fields.set_item(intern!(py, "token_id"), u.token_id.as_deref())?;
        fields.set_item(intern!(py, "extra"), extra)?;
        Ok(fields)
    }
}
