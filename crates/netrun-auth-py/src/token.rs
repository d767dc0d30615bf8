//! `TokenEngine`: the engine's token issuing and verification (`netrun_auth::token`).

use netrun_auth::claims::{extra_from_json, TokenType};
use netrun_auth::defaults;
use netrun_auth::error::Setting;
use netrun_auth::token::{self, EngineConfig, IssuedPair, KeyConfig, PairRequest};
use netrun_auth::{Algorithm, Error, TokenEngine};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::claims::PyClaims;
use crate::errors::{to_py_err, to_py_err_with, KeyLabels};
use crate::json::{map_to_py, to_py};
use crate::store::PyMemoryStore;
use crate::text::{string, strings, Text, TextBytes};

/// Key set, claim rules and verified-token cache.
#[pyclass(frozen, module = "netrun_auth._core", name = "TokenEngine")]
pub struct PyTokenEngine(TokenEngine);

/// A new access and refresh token of one session.
#[pyclass(frozen, get_all, module = "netrun_auth._core", name = "IssuedPair")]
pub struct PyIssuedPair {
    access_token: String,
    refresh_token: String,
    access_expires_at: i64,
    refresh_expires_at: i64,
    session_id: String,
    access: Py<PyClaims>,
    refresh: Py<PyClaims>,
}

impl PyTokenEngine {
    /// The claims of `token` as an access token: from the cache at once, else verified
    /// without the GIL.
    pub(crate) fn verify_access(&self, py: Python<'_>, token: &str) -> PyResult<PyClaims> {
        let verified = match self.0.cached(token, TokenType::Access) {
            Some(hit) => hit,
            None => py.detach(|| self.0.verify(token, TokenType::Access)),
        };
        verified.map_err(to_py_err).map(PyClaims)
    }
}

/// A key argument: (the setting it came from, its bytes).
type Labelled = (String, Vec<u8>);

#[pymethods]
impl PyTokenEngine {
    #[new]
    #[pyo3(signature = (
        *, issuer, audience, algorithm = None, allowed_algorithms = None, signing_key = None,
        public_key = None, verification_keys = None, secret = None, key_id = None,
        access_ttl_seconds = defaults::ACCESS_TTL_SECONDS,
        refresh_ttl_seconds = defaults::REFRESH_TTL_SECONDS,
        leeway_seconds = defaults::LEEWAY_SECONDS,
        max_token_bytes = defaults::MAX_TOKEN_BYTES,
        cache_size = defaults::TOKEN_CACHE_SIZE,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        issuer: Text,
        audience: Text,
        algorithm: Option<Text>,
        allowed_algorithms: Option<Vec<Text>>,
        signing_key: Option<Labelled>,
        public_key: Option<Labelled>,
        verification_keys: Option<Vec<Labelled>>,
        secret: Option<Labelled>,
        key_id: Option<Text>,
        access_ttl_seconds: i64,
        refresh_ttl_seconds: i64,
        leeway_seconds: i64,
        max_token_bytes: usize,
        cache_size: usize,
    ) -> PyResult<Self> {
        let mut labels = KeyLabels::default();
        let label = |slot: &mut String, key: Option<Labelled>| {
            key.map(|(name, bytes)| {
                *slot = name;
                bytes
            })
        };
        let private_key = label(&mut labels.private_key, signing_key);
        let public_key = label(&mut labels.public_key, public_key);
        let secret = label(&mut labels.secret, secret);
        let (names, verification_keys): (Vec<String>, Vec<Vec<u8>>) =
            verification_keys.unwrap_or_default().into_iter().unzip();
        labels.verification_keys = names;
        let mut config = EngineConfig::new(issuer.into_string(), audience.into_string());
        let build = || -> Result<TokenEngine, Error> {
            if let Some(name) = &algorithm {
                config.algorithm = Algorithm::from_setting(&name.0, Setting::Algorithm)?;
            }
            config.allowed_algorithms = allowed_algorithms
                .unwrap_or_default()
                .iter()
                .map(|name| Algorithm::from_setting(&name.0, Setting::AllowedAlgorithms))
                .collect::<Result<_, _>>()?;
            config.access_ttl_seconds = access_ttl_seconds;
            config.refresh_ttl_seconds = refresh_ttl_seconds;
            config.leeway_seconds = leeway_seconds;
            config.max_token_bytes = max_token_bytes;
            config.cache_size = cache_size;
            let keys = KeyConfig {
                private_key,
                public_key,
                secret,
                verification_keys,
                key_id: string(key_id),
            };
            TokenEngine::new(config, keys)
        };
        py.detach(build)
            .map_err(|e| to_py_err_with(e, &labels))
            .map(PyTokenEngine)
    }

    #[getter]
    fn algorithm(&self) -> &'static str {
        self.0.config().algorithm.name()
    }

    #[getter]
    fn key_id(&self) -> Option<&str> {
        self.0.signing_kid()
    }

    #[getter]
    fn access_ttl_seconds(&self) -> i64 {
        self.0.config().access_ttl_seconds
    }

    #[getter]
    fn refresh_ttl_seconds(&self) -> i64 {
        self.0.config().refresh_ttl_seconds
    }

    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (user_id, organization_id=None, roles=None, permissions=None, extra_json=None, session_id=None))]
    fn issue_pair(
        &self,
        py: Python<'_>,
        user_id: Text,
        organization_id: Option<Text>,
        roles: Option<Vec<Text>>,
        permissions: Option<Vec<Text>>,
        extra_json: Option<Text>,
        session_id: Option<Text>,
    ) -> PyResult<PyIssuedPair> {
        let extra = match extra_json {
            None => Default::default(),
            Some(text) => extra_from_json(text.0.as_bytes()).map_err(to_py_err)?,
        };
        let request = PairRequest {
            user_id: user_id.into_string(),
            organization_id: string(organization_id),
            roles: strings(roles.unwrap_or_default()),
            permissions: strings(permissions.unwrap_or_default()),
            extra,
            session_id: string(session_id),
        };
        let IssuedPair {
            access_token,
            refresh_token,
            access,
            refresh,
        } = py
            .detach(|| self.0.issue_pair(request))
            .map_err(to_py_err)?;
        Ok(PyIssuedPair {
            access_token,
            refresh_token,
            access_expires_at: access.expires_at,
            refresh_expires_at: refresh.expires_at,
            session_id: access.session_id.clone().unwrap_or_default(),
            access: Py::new(py, PyClaims(access))?,
            refresh: Py::new(py, PyClaims(refresh))?,
        })
    }

    /// Verify a token (signature, claims and, unless `expected_type` is None, its type).
    /// The GIL is released meanwhile.
    #[pyo3(signature = (token, expected_type = Some(Text("access".to_owned()))))]
    fn verify(
        &self,
        py: Python<'_>,
        token: TextBytes<'_>,
        expected_type: Option<Text>,
    ) -> PyResult<PyClaims> {
        let expected = expected_type
            .map(|name| TokenType::from_argument(&name.0, "expected_type"))
            .transpose()
            .map_err(to_py_err)?;
        let token = token.0.as_ref();
        py.detach(|| match expected {
            Some(expected) => self.0.verify(token, expected),
            None => self.0.verify_any(token),
        })
        .map_err(to_py_err)
        .map(PyClaims)
    }

    /// `verify`, then `store.check`, then the claims' model (`Claims.model_of(spec)`):
    /// the whole of `JWTManager.validate_token` on the memory store, in one call.
    fn validate(
        &self,
        py: Python<'_>,
        token: TextBytes<'_>,
        expected_type: Text,
        store: &PyMemoryStore,
        spec: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let claims = self.verify(py, token, Some(expected_type))?;
        store.check_claims(&claims.0)?;
        claims.model_of(py, spec)
    }

    fn jwks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.jwks())
    }

    fn cache_len(&self) -> usize {
        self.0.cache_len()
    }
}

/// INSECURE: header and payload of a token without any check. For debugging only.
#[pyfunction]
pub fn insecure_decode_unverified<'py>(
    py: Python<'py>,
    token: TextBytes<'_>,
) -> PyResult<Bound<'py, PyTuple>> {
    let (header, payload) =
        token::insecure_decode_unverified(token.0.as_ref()).map_err(to_py_err)?;
    let pair: [Bound<'py, PyDict>; 2] = [map_to_py(py, &header)?, map_to_py(py, &payload)?];
    PyTuple::new(py, pair)
}
