//! The Lambda Runtime API (`2018-06-01`), served to one execution environment on its own
//! loopback port: `GET /runtime/invocation/next`, `POST /runtime/invocation/{id}/response`,
//! `POST /runtime/invocation/{id}/error`, `POST /runtime/init/error`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};

use super::Invocation;
use crate::error::MAX_SYNC_PAYLOAD;

const PREFIX: &str = "/2018-06-01/runtime/";
/// The largest error document a runtime may post.
const MAX_ERROR_BODY: usize = 1024 * 1024;

/// What the runtime reported for the running invocation.
#[derive(Debug)]
pub enum ApiEvent {
    /// `POST …/response`.
    Response(Bytes),
    /// `POST …/error`: the error document.
    Error(Bytes),
    /// A response over the payload limit.
    TooLarge,
}

/// What the runtime reported while initialising.
#[derive(Debug)]
pub enum InitEvent {
    /// It asked for its first invocation.
    Ready,
    /// It posted `/init/error`.
    Failed {
        /// `Lambda-Runtime-Function-Error-Type`.
        error_type: String,
        /// The error document.
        document: Bytes,
    },
}

struct State {
    next: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    current: Mutex<Option<(String, oneshot::Sender<ApiEvent>)>>,
    init: Mutex<Option<oneshot::Sender<InitEvent>>>,
}

/// A Runtime API endpoint for one environment; stops serving when dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    state: Arc<State>,
    next_tx: mpsc::Sender<Invocation>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    /// Binds a loopback port and serves. The receiver reports the end of initialisation.
    pub async fn start() -> std::io::Result<(RuntimeApi, oneshot::Receiver<InitEvent>)> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (next_tx, next_rx) = mpsc::channel(1);
        let (init_tx, init_rx) = oneshot::channel();
        let state = Arc::new(State {
            next: tokio::sync::Mutex::new(next_rx),
            current: Mutex::new(None),
            init: Mutex::new(Some(init_tx)),
        });
        let serving = state.clone();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                let _ = stream.set_nodelay(true);
                let st = serving.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| handle(st.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
                while conns.try_join_next().is_some() {}
            }
        });
        Ok((
            RuntimeApi {
                addr,
                state,
                next_tx,
                task,
            },
            init_rx,
        ))
    }

    /// `host:port` for `AWS_LAMBDA_RUNTIME_API`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Hands `inv` to the runtime's next `/next` call; the receiver gets its result.
    pub async fn submit(&self, inv: Invocation) -> oneshot::Receiver<ApiEvent> {
        let (tx, rx) = oneshot::channel();
        *self.state.current.lock() = Some((inv.request_id.clone(), tx));
        let _ = self.next_tx.send(inv).await;
        rx
    }
}

fn reply(status: StatusCode, body: serde_json::Value) -> http::Response<Full<Bytes>> {
    let mut r = http::Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

fn error_reply(status: StatusCode, ty: &str, msg: &str) -> http::Response<Full<Bytes>> {
    reply(
        status,
        serde_json::json!({ "errorType": ty, "errorMessage": msg }),
    )
}

async fn read_body(body: Incoming, limit: usize) -> Option<Bytes> {
    Limited::new(body, limit)
        .collect()
        .await
        .ok()
        .map(|c| c.to_bytes())
}

async fn handle(
    state: Arc<State>,
    req: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(error_reply(
            StatusCode::NOT_FOUND,
            "InvalidRequest",
            "Unknown path",
        ));
    };
    let method = req.method().clone();
    let error_type = req
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    match (method, rest.split('/').collect::<Vec<_>>().as_slice()) {
        (Method::GET, ["invocation", "next"]) => {
            if let Some(tx) = state.init.lock().take() {
                let _ = tx.send(InitEvent::Ready);
            }
            let inv = { state.next.lock().await.recv().await };
            let Some(inv) = inv else {
                return Ok(error_reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "ServiceException",
                    "The environment is shutting down",
                ));
            };
            let mut r = http::Response::new(Full::new(inv.payload.clone()));
            let h = r.headers_mut();
            let mut set = |k: &'static str, v: &str| {
                if let Ok(v) = http::HeaderValue::from_str(v) {
                    h.insert(k, v);
                }
            };
            set("content-type", "application/json");
            set("lambda-runtime-aws-request-id", &inv.request_id);
            set("lambda-runtime-deadline-ms", &inv.deadline_ms.to_string());
            set("lambda-runtime-invoked-function-arn", &inv.invoked_arn);
            set(
                "lambda-runtime-trace-id",
                &format!(
                    "Root=1-{:08x}-{};Parent={};Sampled=0",
                    inv.deadline_ms / 1000,
                    nimbus_core::ids::random_hex(12),
                    nimbus_core::ids::random_hex(8)
                ),
            );
            if let Some(cc) = &inv.client_context {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(cc)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_else(|| cc.clone());
                set("lambda-runtime-client-context", &decoded);
            }
            Ok(r)
        }
        (Method::POST, ["invocation", id, kind @ ("response" | "error")]) => {
            let limit = if *kind == "response" {
                MAX_SYNC_PAYLOAD
            } else {
                MAX_ERROR_BODY
            };
            let body = read_body(req.into_body(), limit).await;
            let pending = {
                let mut cur = state.current.lock();
                match cur.as_ref() {
                    Some((cur_id, _)) if cur_id == id => cur.take().map(|(_, tx)| tx),
                    _ => None,
                }
            };
            let Some(tx) = pending else {
                return Ok(error_reply(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    "Invalid request ID",
                ));
            };
            match (body, *kind) {
                (None, "response") => {
                    let _ = tx.send(ApiEvent::TooLarge);
                    Ok(error_reply(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "RequestEntityTooLarge",
                        &format!(
                            "Exceeded maximum allowed payload size ({MAX_SYNC_PAYLOAD} bytes)."
                        ),
                    ))
                }
                (Some(b), "response") => {
                    let _ = tx.send(ApiEvent::Response(b));
                    Ok(reply(
                        StatusCode::ACCEPTED,
                        serde_json::json!({"status": "OK"}),
                    ))
                }
                (body, _) => {
                    let doc = match body {
                        Some(b) if !b.is_empty() => b,
                        _ => Bytes::from(
                            serde_json::json!({
                                "errorType": if error_type.is_empty() { "Unknown" } else { &error_type },
                                "errorMessage": "Unknown error",
                            })
                            .to_string(),
                        ),
                    };
                    let _ = tx.send(ApiEvent::Error(doc));
                    Ok(reply(
                        StatusCode::ACCEPTED,
                        serde_json::json!({"status": "OK"}),
                    ))
                }
            }
        }
        (Method::POST, ["init", "error"]) => {
            let body = read_body(req.into_body(), MAX_ERROR_BODY)
                .await
                .unwrap_or_default();
            let Some(tx) = state.init.lock().take() else {
                return Ok(error_reply(
                    StatusCode::FORBIDDEN,
                    "InvalidStateTransition",
                    "Transition from Ready to InitError is not allowed",
                ));
            };
            let error_type = if error_type.is_empty() {
                serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["errorType"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| "Runtime.Unknown".into())
            } else {
                error_type
            };
            let _ = tx.send(InitEvent::Failed {
                error_type,
                document: body,
            });
            Ok(reply(
                StatusCode::ACCEPTED,
                serde_json::json!({"status": "OK"}),
            ))
        }
        _ => Ok(error_reply(
            StatusCode::NOT_FOUND,
            "InvalidRequest",
            "Unknown path",
        )),
    }
}
