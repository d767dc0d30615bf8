//! `TokenEngine`: the engine's token issuing and verification for Python.

use netrun_auth::token::{self, EngineConfig, IssuedPair, KeyConfig, PairRequest};
use netrun_auth::{Algorithm, Error, TokenEngine, TokenType};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::claims::PyClaims;
use crate::errors::to_py_err;
use crate::json::{map_to_py, to_py};

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

fn parse_algorithm(name: &str, setting: &str) -> Result<Algorithm, Error> {
    name.parse()
        .map_err(|_| Error::config(setting, format!("'{name}' is not a supported algorithm")))
}

fn token_type(name: &str) -> Result<TokenType, Error> {
    TokenType::parse(name)
        .ok_or_else(|| Error::config("expected_type", "must be 'access' or 'refresh'"))
}

#[pymethods]
impl PyTokenEngine {
    #[new]
    #[pyo3(signature = (
        *, issuer, audience, algorithm = "RS256", allowed_algorithms = None, signing_key = None,
        public_key = None, verification_keys = None, secret = None, key_id = None,
        access_ttl_seconds = 900, refresh_ttl_seconds = 2_592_000, leeway_seconds = 30,
        max_token_bytes = 8192, cache_size = 10_000,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        issuer: String,
        audience: String,
        algorithm: &str,
        allowed_algorithms: Option<Vec<String>>,
        signing_key: Option<(String, Vec<u8>)>,
        public_key: Option<(String, Vec<u8>)>,
        verification_keys: Option<Vec<(String, Vec<u8>)>>,
        secret: Option<(String, Vec<u8>)>,
        key_id: Option<String>,
        access_ttl_seconds: i64,
        refresh_ttl_seconds: i64,
        leeway_seconds: i64,
        max_token_bytes: usize,
        cache_size: usize,
    ) -> PyResult<Self> {
        let build = || -> Result<TokenEngine, Error> {
            let mut config = EngineConfig::new(issuer, audience);
            config.algorithm = parse_algorithm(algorithm, "jwt_algorithm")?;
            config.allowed_algorithms = allowed_algorithms
                .unwrap_or_default()
                .iter()
                .map(|name| parse_algorithm(name, "jwt_allowed_algorithms"))
                .collect::<Result<_, _>>()?;
            config.access_ttl_seconds = access_ttl_seconds;
            config.refresh_ttl_seconds = refresh_ttl_seconds;
            config.leeway_seconds = leeway_seconds;
            config.max_token_bytes = max_token_bytes;
            config.cache_size = cache_size;
            let keys = KeyConfig {
                private_key: signing_key,
                public_key,
                secret,
                verification_keys: verification_keys.unwrap_or_default(),
                key_id,
            };
            TokenEngine::new(config, keys)
        };
        py.detach(build).map_err(to_py_err).map(PyTokenEngine)
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
        user_id: String,
        organization_id: Option<String>,
        roles: Option<Vec<String>>,
        permissions: Option<Vec<String>>,
        extra_json: Option<&str>,
        session_id: Option<String>,
    ) -> PyResult<PyIssuedPair> {
        let extra = match extra_json {
            None => Default::default(),
            Some(text) => netrun_auth::json::parse_object(text.as_bytes())
                .ok_or_else(|| {
                    Error::config("extra_claims", "must be a JSON object with unique keys")
                })
                .map_err(to_py_err)?,
        };
        let request = PairRequest {
            user_id,
            organization_id,
            roles: roles.unwrap_or_default(),
            permissions: permissions.unwrap_or_default(),
            extra,
            session_id,
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
    #[pyo3(signature = (token, expected_type = Some("access")))]
    fn verify(
        &self,
        py: Python<'_>,
        token: &str,
        expected_type: Option<&str>,
    ) -> PyResult<PyClaims> {
        let expected = expected_type
            .map(token_type)
            .transpose()
            .map_err(to_py_err)?;
        py.detach(|| match expected {
            Some(expected) => self.0.verify(token, expected),
            None => self.0.verify_any(token),
        })
        .map_err(to_py_err)
        .map(PyClaims)
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
    token: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    let (header, payload) = token::insecure_decode_unverified(token).map_err(to_py_err)?;
    let pair: [Bound<'py, PyDict>; 2] = [map_to_py(py, &header)?, map_to_py(py, &payload)?];
    PyTuple::new(py, pair)
}

/// A new key pair as (PKCS#8 private PEM, SPKI public PEM).
#[pyfunction]
pub fn generate_key(py: Python<'_>, kind: &str) -> PyResult<(Vec<u8>, Vec<u8>)> {
    let (private, public) = py
        .detach(|| netrun_auth::keys::generate_pem(kind))
        .map_err(to_py_err)?;
    Ok((private.into_bytes(), public.into_bytes()))
}
