//! Refused WebSocket upgrades over a real connection (axum server on loopback, a
//! tokio-tungstenite client): the handshake completes, then the server closes with
//! 1008 (policy violation) and the error code as reason, as the Python side does.

use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt as _;
use netrun_auth_axum::guard::require_roles;
use netrun_auth_axum::{Auth, AuthUser, TokenRequest};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as ClientMessage;

mod common;
use common::auth;

async fn greet(user: AuthUser, ws: WebSocketUpgrade) -> axum::response::Response {
    let name = user.user_id.clone();
    ws.on_upgrade(move |mut socket| async move {
        let _ = socket
            .send(Message::Text(format!("hello {name}").into()))
            .await;
    })
}

/// Serve the app on loopback; returns its `ws://` base.
async fn serve(auth: &Auth) -> String {
    let app = Router::new()
        .route("/ws", get(greet))
        .route(
            "/ws/admin",
            get(greet).route_layer(require_roles(["admin"])),
        )
        .layer(auth.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// Connect with `authorization`; the first message the server sends.
async fn first_message(url: &str, authorization: Option<&str>) -> ClientMessage {
    let mut request = url.into_client_request().unwrap();
    if let Some(value) = authorization {
        request
            .headers_mut()
            .insert("authorization", value.parse().unwrap());
    }
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the handshake is accepted, even when refused");
    assert_eq!(response.status(), 101);
    socket
        .next()
        .await
        .expect("a message")
        .expect("not an error")
}

fn assert_closed(message: ClientMessage, code: u16, reason: &str) {
    match message {
        ClientMessage::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), code);
            assert_eq!(frame.reason.as_str(), reason);
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn refused_upgrades_are_accepted_then_closed_with_1008_and_the_code() {
    let auth = auth();
    let base = serve(&auth).await;
    let ws = format!("{base}/ws");
    let admin = format!("{base}/ws/admin");

    // No token: the extractor refuses (not_authenticated).
    assert_closed(first_message(&ws, None).await, 1008, "not_authenticated");
    // A bad token: the layer refuses.
    assert_closed(
        first_message(&ws, Some("Bearer not.a.token")).await,
        1008,
        "token_malformed",
    );
    assert_closed(
        first_message(&ws, Some("Basic dXNlcjpwdw==")).await,
        1008,
        "token_malformed",
    );
    let alice = auth
        .generate_token_pair(TokenRequest::new("alice"))
        .await
        .unwrap()
        .access_token;
    let bearer = format!("Bearer {alice}");
    // A valid token without the role: the guard refuses.
    assert_closed(
        first_message(&admin, Some(&bearer)).await,
        1008,
        "insufficient_role",
    );
    // A revoked token.
    let bob = auth
        .generate_token_pair(TokenRequest::new("bob"))
        .await
        .unwrap()
        .access_token;
    auth.logout(&bob).await.unwrap();
    let revoked = first_message(&ws, Some(&format!("Bearer {bob}"))).await;
    match &revoked {
        ClientMessage::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Policy),
        other => panic!("expected a close, got {other:?}"),
    }

    // Accepted connections reach the handler.
    assert_eq!(
        first_message(&ws, Some(&bearer)).await,
        ClientMessage::Text("hello alice".into())
    );
    let mut request = TokenRequest::new("root");
    request.roles = vec!["admin".into()];
    let root = auth
        .generate_token_pair(request)
        .await
        .unwrap()
        .access_token;
    assert_eq!(
        first_message(&admin, Some(&format!("Bearer {root}"))).await,
        ClientMessage::Text("hello root".into())
    );
}

#[tokio::test]
async fn plain_requests_to_a_websocket_route_still_get_http_answers() {
    let auth = auth();
    let base = serve(&auth).await.replace("ws://", "http://");
    // No upgrade headers: an ordinary 401 with the JSON body, over real HTTP.
    let stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    writer
        .write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    reader.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("not_authenticated"));
}
