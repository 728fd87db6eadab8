//! Serving a model bundle over HTTP, on axum and tokio: the same server for
//! `pipewright serve` and the editor's *Serve…*.
//!
//! Endpoints: `POST /invocations` (MLflow's scoring protocol, JSON or CSV), `POST
//! /v1/predict` (`{"rows": […]}`), `GET /health` and `/ping`, `GET /v1/model`
//! (schemas, provenance, metrics), `GET /metrics` (Prometheus). Every refusal is a
//! JSON body `{"error_code", "message", "column"?, "row"?}` with its status; a
//! scoring panic is a 500, never a dead server. With a token, every endpoint but
//! `/health` and `/ping` wants `Authorization: Bearer TOKEN`. Shutdown is graceful:
//! the listener closes, requests in flight are answered.
//!
//! `protocol.rs` reads bodies and writes answers, `stats.rs` counts, `cache.rs` keeps
//! recent rows' answers, `requests_log.rs` appends the request log.

mod cache;
pub mod protocol;
mod requests_log;
pub mod stats;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pipewright_nodes::bundle::rows::{row_key, take_rows};
use pipewright_nodes::bundle::{Bundle, OutputSchema};
use serde_json::{Map, Value, json};

use cache::Cache;
use protocol::BodyError;
use requests_log::RequestLog;
pub use stats::{Snapshot, Stats};

/// How to serve.
#[derive(Clone, Debug, PartialEq)]
pub struct ServeOptions {
    /// The address to bind (127.0.0.1 unless told otherwise).
    pub host: String,
    /// The port (0: any free one).
    pub port: u16,
    /// When set, requests need `Authorization: Bearer TOKEN`.
    pub token: Option<String>,
    /// Rows whose answers are kept (0: no cache).
    pub cache: usize,
    /// Append every scored row to this JSON-lines file.
    pub log: Option<PathBuf>,
    /// The largest body accepted, bytes.
    pub max_body: usize,
    /// The most rows one request may score.
    pub max_rows: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            token: None,
            cache: 0,
            log: None,
            max_body: 16 << 20,
            max_rows: 100_000,
        }
    }
}

/// One row's answer: the prediction and, for a classifier, its scores by class.
type Answer = (Value, Option<Value>);

struct Served {
    bundle: Bundle,
    opts: ServeOptions,
    stats: Stats,
    cache: Option<Mutex<Cache<Answer>>>,
    log: Option<RequestLog>,
    model_info: Value,
}

/// A refusal: its status, code, message and where.
struct Refusal {
    status: StatusCode,
    kind: &'static str,
    code: &'static str,
    message: String,
    column: Option<String>,
    row: Option<usize>,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let (kind, code) = match status {
            StatusCode::BAD_REQUEST => ("bad_request", "BAD_REQUEST"),
            StatusCode::UNAUTHORIZED => ("unauthorized", "UNAUTHORIZED"),
            StatusCode::NOT_FOUND => ("not_found", "NOT_FOUND"),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "METHOD_NOT_ALLOWED"),
            StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "PAYLOAD_TOO_LARGE"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "UNSUPPORTED_MEDIA_TYPE")
            }
            StatusCode::UNPROCESSABLE_ENTITY => ("unprocessable", "INVALID_INPUT"),
            _ => ("internal", "INTERNAL_ERROR"),
        };
        Self {
            status,
            kind,
            code,
            message: message.into(),
            column: None,
            row: None,
        }
    }

    fn into_response(self) -> Response {
        let mut body = json!({"error_code": self.code, "message": self.message});
        if let Some(c) = self.column {
            body["column"] = json!(c);
        }
        if let Some(r) = self.row {
            body["row"] = json!(r);
        }
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<BodyError> for Refusal {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::Malformed(m) | BodyError::Shape(m) => {
                Refusal::new(StatusCode::BAD_REQUEST, m)
            }
            BodyError::Input(e) => {
                let mut r = Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, e.message.clone());
                r.column = e.column;
                r.row = e.row;
                r
            }
        }
    }
}

/// A running server.
pub struct ServerHandle {
    addr: SocketAddr,
    served: Arc<Served>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl ServerHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:8080`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Its counters now.
    pub fn stats(&self) -> Snapshot {
        self.served.stats.snapshot()
    }

    /// A `curl` command that scores the first rows the model's schema describes.
    pub fn curl_example(&self) -> String {
        curl_example(
            &self.url(),
            &self.served.bundle,
            self.served.opts.token.is_some(),
        )
    }

    /// Stops listening, answers the requests in flight, and waits for that; the
    /// counters then, those requests included.
    pub fn stop(mut self) -> std::io::Result<Snapshot> {
        self.shutdown()?;
        Ok(self.stats())
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// A `curl` command for the bundle's `/v1/predict`, with a row of example values.
pub fn curl_example(url: &str, bundle: &Bundle, token: bool) -> String {
    let row: Map<String, Value> = bundle
        .manifest
        .input
        .iter()
        .filter(|c| c.required)
        .map(|c| {
            let v = match (&c.categories, c.ty) {
                (Some(cats), _) if !cats.is_empty() => json!(cats[0]),
                (_, pipewright_nodes::bundle::ColumnType::Text) => {
                    json!("Operating profit rose to EUR 13.1 mn")
                }
                (_, pipewright_nodes::bundle::ColumnType::Bool) => json!(true),
                (_, pipewright_nodes::bundle::ColumnType::Int) => json!(1),
                (_, pipewright_nodes::bundle::ColumnType::Float) => json!(0.5),
            };
            (c.name.clone(), v)
        })
        .collect();
    let body = json!({"rows": [row]}).to_string();
    format!(
        "curl -s {}-H 'Content-Type: application/json' -d '{}' {url}/v1/predict",
        if token {
            "-H \"Authorization: Bearer $TOKEN\" "
        } else {
            ""
        },
        body.replace('\'', "'\\''")
    )
}

fn model_info(bundle: &Bundle, source: &str) -> Value {
    let m = &bundle.manifest;
    json!({
        "served_from": source,
        "format": m.format,
        "written_by": m.written_by,
        "written_at": m.written_at,
        "input": m.input,
        "output": m.output,
        "provenance": m.provenance,
        "transforms": m.transforms.iter().map(|t| json!({"step": t.step, "kind": t.kind, "summary": t.summary})).collect::<Vec<_>>(),
    })
}

/// Starts serving `bundle` (described as `source`) on a thread of its own; returns
/// once it listens. `pipewright serve` and the editor both start here.
pub fn start(bundle: Bundle, source: &str, opts: ServeOptions) -> std::io::Result<ServerHandle> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    start_with(bundle, source, opts, async move {
        let _ = rx.await;
    })
    .map(|mut h| {
        h.stop = Some(tx);
        h
    })
}

/// Like [`start`], stopping when `shutdown` completes.
fn start_with(
    bundle: Bundle,
    source: &str,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<ServerHandle> {
    let listener = std::net::TcpListener::bind((opts.host.as_str(), opts.port)).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen on {}:{}: {e}", opts.host, opts.port),
        )
    })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let log = match &opts.log {
        Some(p) => Some(RequestLog::open(p)?),
        None => None,
    };
    let served = Arc::new(Served {
        cache: (opts.cache > 0).then(|| Mutex::new(Cache::new(opts.cache))),
        model_info: model_info(&bundle, source),
        bundle,
        opts,
        stats: Stats::default(),
        log,
    });
    let state = served.clone();
    let thread = std::thread::Builder::new()
        .name("pipewright-serve".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("pipewright-http")
                .build()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let app = Router::new().fallback(dispatch).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
            })
        })?;
    Ok(ServerHandle {
        addr,
        served,
        stop: None,
        thread: Some(thread),
    })
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub fn serve_until_signal(
    bundle: Bundle,
    source: &str,
    opts: ServeOptions,
    ready: impl FnOnce(&ServerHandle),
) -> std::io::Result<Snapshot> {
    let mut handle = start_with(bundle, source, opts, signal())?;
    ready(&handle);
    handle.shutdown()?;
    Ok(handle.stats())
}

/// Ctrl-C or SIGTERM, whichever comes first.
async fn signal() {
    let ctrl_c = Box::pin(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    #[cfg(unix)]
    let term: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    });
    #[cfg(not(unix))]
    let term: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(std::future::pending());
    let mut both = (ctrl_c, term);
    std::future::poll_fn(move |cx| {
        if both.0.as_mut().poll(cx).is_ready() || both.1.as_mut().poll(cx).is_ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

fn authorised(served: &Served, headers: &HeaderMap) -> bool {
    let Some(token) = &served.opts.token else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared in constant time: the answer's timing says nothing of the token.
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The paths served (`/metrics` counts any other as `other`).
const ENDPOINTS: [&str; 6] = [
    "/invocations",
    "/v1/predict",
    "/health",
    "/ping",
    "/v1/model",
    "/metrics",
];

async fn dispatch(State(served): State<Arc<Served>>, req: Request) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_owned();
    let endpoint = if ENDPOINTS.contains(&path.as_str()) {
        path.clone()
    } else {
        "other".to_owned()
    };
    // Counted out even when the client goes away mid-request (the future is dropped).
    struct InFlight<'a>(&'a Stats);
    impl Drop for InFlight<'_> {
        fn drop(&mut self) {
            self.0.left();
        }
    }
    served.stats.arrived();
    let _in_flight = InFlight(&served.stats);
    let result = route(&served, req).await;
    let (response, kind) = match result {
        Ok(r) => (r, None),
        Err(refusal) => {
            let kind = refusal.kind;
            (refusal.into_response(), Some(kind))
        }
    };
    served.stats.request(
        &endpoint,
        response.status().as_u16(),
        kind,
        started.elapsed(),
    );
    response
}

async fn route(served: &Arc<Served>, req: Request) -> Result<Response, Refusal> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let want = |m: Method| -> Result<(), Refusal> {
        if method == m || (m == Method::GET && method == Method::HEAD) {
            Ok(())
        } else {
            Err(Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{path} answers {m}, not {method}"),
            ))
        }
    };
    if !ENDPOINTS.contains(&path.as_str()) {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            format!(
                "no endpoint {path}; the endpoints are POST /invocations, POST /v1/predict, \
                 GET /health, GET /ping, GET /v1/model, GET /metrics"
            ),
        ));
    }
    if !matches!(path.as_str(), "/health" | "/ping") && !authorised(served, req.headers()) {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            if req.headers().contains_key(header::AUTHORIZATION) {
                "wrong token"
            } else {
                "this server wants a token: send Authorization: Bearer TOKEN"
            },
        ));
    }
    match path.as_str() {
        "/health" => {
            want(Method::GET)?;
            Ok(axum::Json(json!({
                "status": "ok",
                "run_id": served.bundle.manifest.provenance.run_id,
                "flow": served.bundle.manifest.provenance.flow,
            }))
            .into_response())
        }
        "/ping" => {
            want(Method::GET)?;
            Ok((StatusCode::OK, "\n").into_response())
        }
        "/v1/model" => {
            want(Method::GET)?;
            Ok(axum::Json(served.model_info.clone()).into_response())
        }
        "/metrics" => {
            want(Method::GET)?;
            let p = &served.bundle.manifest.provenance;
            let text = served.stats.prometheus(
                &[("run_id", &p.run_id), ("flow", &p.flow), ("step", &p.step)],
                served.cache.is_some(),
            );
            Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
        }
        _ => {
            want(Method::POST)?;
            score_request(served, &path, req).await
        }
    }
}

async fn score_request(
    served: &Arc<Served>,
    path: &str,
    req: Request,
) -> Result<Response, Refusal> {
    let started = Instant::now();
    let limit = served.opts.max_body;
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over the limit of {limit} bytes (--max-body)"),
        )
    };
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large());
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_ascii_lowercase();
    let csv = content_type.starts_with("text/csv");
    // `curl -d` labels its body as a form; a JSON body sent that way is read as JSON
    // (a body that is not JSON gets the parse error with its position).
    let json = content_type.starts_with("application/json")
        || content_type.starts_with("application/x-www-form-urlencoded");
    if !csv && !json {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "content type {content_type:?}: send application/json{}",
                if path == "/invocations" {
                    " or text/csv"
                } else {
                    ""
                }
            ),
        ));
    }
    if csv && path != "/invocations" {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "/v1/predict takes JSON; CSV goes to /invocations",
        ));
    }
    let body = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| too_large())?;
    // Small requests are scored on the I/O thread (a hop costs more than they do);
    // big ones on the blocking pool, so they never stall other connections.
    let big = body.len() > 64 << 10;
    let served2 = served.clone();
    let path2 = path.to_owned();
    let work = move || answer(&served2, &path2, &content_type, &body, started);
    let outcome = if big {
        tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
            Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "scoring failed",
            ))
        })
    } else {
        work()
    };
    outcome.map(|v| axum::Json(v).into_response())
}

fn answer(
    served: &Served,
    path: &str,
    content_type: &str,
    body: &[u8],
    started: Instant,
) -> Result<Value, Refusal> {
    let bundle = &served.bundle;
    let table = if path == "/invocations" {
        protocol::invocations_body(bundle, content_type, body)?
    } else {
        protocol::predict_body(bundle, body)?
    };
    let rows = table.rows();
    if rows > served.opts.max_rows {
        return Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{rows} rows in one request; the limit is {} (--max-rows)",
                served.opts.max_rows
            ),
        ));
    }
    let answers = match &served.cache {
        None => score(bundle, &table)?,
        Some(cache) => {
            let keys: Vec<String> = (0..rows).map(|i| row_key(&table, i)).collect();
            let mut answers: Vec<Option<Answer>> = {
                let mut c = cache.lock().expect("cache lock");
                keys.iter().map(|k| c.get(k)).collect()
            };
            let missing: Vec<usize> = (0..rows).filter(|&i| answers[i].is_none()).collect();
            served.stats.cache(rows - missing.len(), missing.len());
            if !missing.is_empty() {
                let subset = take_rows(&table, &missing)
                    .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e))?;
                let fresh = score(bundle, &subset)?;
                let mut c = cache.lock().expect("cache lock");
                for (&i, a) in missing.iter().zip(fresh) {
                    c.put(keys[i].clone(), a.clone());
                    answers[i] = Some(a);
                }
            }
            answers.into_iter().map(|a| a.expect("filled")).collect()
        }
    };
    served.stats.scored(
        rows,
        answers
            .iter()
            .filter_map(|(v, scores)| scores.as_ref().and(v.as_str())),
    );
    let p = &bundle.manifest.provenance;
    let mut out = json!({
        "predictions": answers.iter().map(|a| a.0.clone()).collect::<Vec<_>>(),
        "run_id": p.run_id,
        "model": p.model,
    });
    if let OutputSchema::Classification { probabilities, .. } = &bundle.manifest.output {
        let key = if *probabilities {
            "probabilities"
        } else {
            "scores"
        };
        out[key] = Value::Array(
            answers
                .iter()
                .map(|a| a.1.clone().unwrap_or(Value::Null))
                .collect(),
        );
    }
    if let Some(log) = &served.log {
        log.append(&table, &answers, started.elapsed());
    }
    Ok(out)
}

/// Scores a table; the chain's refusals are 422s, a panic a 500.
fn score(
    bundle: &Bundle,
    table: &pipewright_nodes::artifacts::Table,
) -> Result<Vec<Answer>, Refusal> {
    let scored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| bundle.score(table)))
        .map_err(|_| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the model failed on these rows",
            )
        })?
        .map_err(|e| Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok((0..scored.len())
        .map(|i| protocol::row_answer(bundle, &scored, i))
        .collect())
}
