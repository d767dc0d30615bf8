//! The HTTP of an outside issuer: `GET` a document (discovery, JWKS) with `reqwest`,
//! 200 only, no redirects, a size cap, one overall timeout.

use std::time::Duration;

/// Why a document could not be fetched (a message without secrets: URLs of public
/// documents, statuses).
#[derive(Debug)]
pub(crate) enum FetchError {
    Http(String),
    Status(u16),
    TooLarge,
    TimedOut,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Http(e) => write!(f, "{e}"),
            FetchError::Status(s) => write!(f, "HTTP status {s}"),
            FetchError::TooLarge => f.write_str("document too large"),
            FetchError::TimedOut => f.write_str("timed out"),
        }
    }
}

/// The client made when the caller gives none: rustls, no redirects, timeouts,
/// `https` only unless `allow_http`.
pub(crate) fn default_client(
    timeout: Duration,
    allow_http: bool,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!allow_http)
        .build()
}

/// `GET url`: the body of a 200 answer of at most `max_bytes`, within `timeout` overall.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &str,
    max_bytes: usize,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    match tokio::time::timeout(timeout, read(client, url, max_bytes)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::TimedOut),
    }
}

async fn read(
    client: &reqwest::Client,
    url: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let http = |e: reqwest::Error| {
        if e.is_timeout() {
            FetchError::TimedOut
        } else {
            // Without the URL: it is in our logs' context already.
            FetchError::Http(e.without_url().to_string())
        }
    };
    let mut response = client
        .get(url)
        .header(http::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(http)?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status(response.status().as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > max_bytes as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(http)? {
        if body.len() + chunk.len() > max_bytes {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
