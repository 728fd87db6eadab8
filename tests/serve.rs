//! The inference phase end to end: every example's bundle predicts what its run
//! predicted, bit for bit; the server answers a real HTTP client on a free loopback
//! port (MLflow's protocol, `/v1/predict`, every refusal with its status and message,
//! the token, `/metrics`, the cache, the request log, a burst of clients, a graceful
//! shutdown with a request in flight); the CLI's `bundle`, `serve` and `predict`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use pipewright::serve::{ServeOptions, ServerHandle, start};
use pipewright_engine::{Flow, NodeId, TaskRecord, downcast};
use pipewright_nodes::artifacts::{ClassPredictions, Predictions, Table};
use pipewright_nodes::bundle::{Bundle, Scored};
use serde_json::{Value, json};

use crate::examples::{ExampleRun, example, load, run_example};
use crate::util::{example_files, expect_code, pipewright, run};

/// The kinds whose outputs carry a table through a fitted transform: the bundle
/// replays them, so the rows a prediction step scored are found above them.
const FITTED_KINDS: &[&str] = &[
    "transform.standard_scaler",
    "transform.impute",
    "transform.one_hot",
    "transform.label_encode",
    "transform.tfidf",
    "transform.bag_of_words",
    "transform.pca",
    "transform.apply",
];

/// The task of `node` for the same foreach item as `like` (or its only task).
fn task_like<'a>(ex: &'a ExampleRun, node: NodeId, like: &TaskRecord) -> &'a TaskRecord {
    let tasks = ex.run.tasks_of(node);
    if tasks.len() == 1 {
        &tasks[0]
    } else {
        tasks
            .iter()
            .find(|t| t.index == like.index)
            .expect("a task per item")
    }
}

/// The source (node, port) of `node`'s input `port`.
fn source(flow: &Flow, node: NodeId, port: &str) -> (NodeId, String) {
    let e = flow
        .edges
        .iter()
        .find(|e| e.to.node == node && e.to.port == port)
        .unwrap_or_else(|| panic!("node {node:?} has no input {port:?}"));
    (e.from.node, e.from.port.clone())
}

/// The raw rows a prediction task scored: its table input followed up through the
/// fitted transforms the bundle replays.
fn raw_rows(ex: &ExampleRun, flow: &Flow, predict: &TaskRecord) -> Table {
    let (mut node, mut port) = source(flow, predict.node, "table");
    loop {
        let n = flow.node(node).expect("the node exists");
        if !FITTED_KINDS.contains(&n.kind.as_str()) {
            break;
        }
        // A fitted step's output `train`/`test`/`table` comes from its input of the
        // same name.
        (node, port) = source(flow, node, &port);
    }
    let task = task_like(ex, node, predict);
    let a = ex
        .engine
        .store()
        .run_artifact(&ex.run, &task.name(), &port, ex.registry.artifact_types())
        .unwrap_or_else(|e| panic!("{}.{port}: {e}", task.name()));
    downcast::<Table>(a.as_ref()).expect("a table").clone()
}

#[test]
fn every_examples_bundle_predicts_what_its_run_predicted_bit_for_bit() {
    let mut checked = 0;
    for path in example_files() {
        let name = path.display().to_string();
        let flow = load(&path);
        let predicts: Vec<NodeId> = flow
            .nodes
            .iter()
            .filter(|n| {
                matches!(
                    n.kind.as_str(),
                    "evaluate.predict" | "evaluate.predict_classes"
                )
            })
            .map(|n| n.id)
            .collect();
        if predicts.is_empty() {
            continue;
        }
        let ex = run_example(&path, &[]);
        for p in predicts {
            for task in ex.run.tasks_of(p) {
                let model_port = if flow.node(p).unwrap().kind == "evaluate.predict" {
                    "model"
                } else {
                    "classifier"
                };
                let (train, _) = source(&flow, p, model_port);
                let train_task = task_like(&ex, train, task);
                let (bundle, _) = Bundle::from_run(
                    ex.engine.store(),
                    &ex.run,
                    Some(&train_task.name()),
                    &ex.registry,
                )
                .unwrap_or_else(|e| panic!("{name}: bundle of {}: {e}", train_task.name()));
                let raw = raw_rows(&ex, &flow, task);
                let (table, _) = bundle
                    .table_from_frame(raw.df(), 0)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let scored = bundle
                    .score(&table)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let out = ex
                    .engine
                    .store()
                    .run_artifact(
                        &ex.run,
                        &task.name(),
                        "predictions",
                        ex.registry.artifact_types(),
                    )
                    .unwrap();
                match scored {
                    Scored::Values(v) => {
                        let p = downcast::<Predictions>(out.as_ref()).expect("predictions");
                        let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&v), bits(p.predicted()), "{name}: {}", task.name());
                    }
                    Scored::Classes { labels, scores, .. } => {
                        let p =
                            downcast::<ClassPredictions>(out.as_ref()).expect("class predictions");
                        assert_eq!(labels, p.predicted(), "{name}: {}", task.name());
                        assert_eq!(scores.shape(), p.scores().shape());
                        for (a, b) in scores.iter().zip(p.scores().iter()) {
                            assert_eq!(a.to_bits(), b.to_bits(), "{name}: {}", task.name());
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    // regression, synthetic, branch_join (2), ridge_sweep (8), cross_validation (5),
    // finance (2), iris, breast_cancer: far more than a handful.
    assert!(checked >= 15, "only {checked} prediction steps checked");
}

/// The finance example's run and its bundle (the model Select best chose).
fn finance() -> (ExampleRun, Bundle) {
    let ex = run_example(&example("finance_sentiment.ron"), &[]);
    let (b, _) = Bundle::from_run(ex.engine.store(), &ex.run, None, &ex.registry).unwrap();
    (ex, b)
}

fn serve(b: &Bundle, opts: ServeOptions) -> ServerHandle {
    start(b.clone(), "test", ServeOptions { port: 0, ..opts }).expect("the server starts")
}

/// A client that reads every status as an answer, with a deadline.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// POSTs `body` as `content_type`; the status and the JSON (or text) answer.
fn post(url: &str, content_type: &str, body: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = agent().post(url).header("Content-Type", content_type);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let resp = req.send(body).expect("the server answers");
    let status = resp.status().as_u16();
    let text = resp.into_body().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn get(url: &str) -> (u16, String) {
    let resp = agent().get(url).call().expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.into_body().read_to_string().unwrap())
}

/// The value of one Prometheus sample line.
fn sample(metrics: &str, line_start: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(line_start) && l[line_start.len()..].starts_with(' '))
        .unwrap_or_else(|| panic!("no sample {line_start} in\n{metrics}"))
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn the_server_answers_as_the_bundle_and_in_mlflows_protocol() {
    let (ex, b) = finance();
    let h = serve(&b, ServeOptions::default());
    let url = h.url();
    // The issue's own request, as `curl -d` sends it (a form content type).
    let (status, v) = post(
        &format!("{url}/v1/predict"),
        "application/x-www-form-urlencoded",
        r#"{"rows":[{"sentence":"Operating profit rose to EUR 13.1 mn"}]}"#,
        None,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["run_id"], json!(ex.run.id));
    let label = v["predictions"][0].as_str().unwrap();
    let probs = v["probabilities"][0].as_object().unwrap();
    assert_eq!(probs.len(), 3);
    let sum: f64 = probs.values().map(|p| p.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-12, "{sum}");
    let best = probs
        .iter()
        .max_by(|a, b| a.1.as_f64().partial_cmp(&b.1.as_f64()).unwrap())
        .unwrap();
    assert_eq!(best.0, label);

    // The held-out rows over HTTP equal the bundle's scores, probabilities to the bit.
    let test = raw_rows(
        &ex,
        &load(&example("finance_sentiment.ron")),
        ex.run
            .tasks
            .iter()
            .find(|t| t.label == "Predict (logistic)")
            .unwrap(),
    );
    let sentences: Vec<String> = test
        .df()
        .column("sentence")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_owned())
        .collect();
    let (table, _) = b.table_from_frame(test.df(), 0).unwrap();
    let Scored::Classes { labels, scores, .. } = b.score(&table).unwrap() else {
        panic!("a classifier")
    };
    let rows: Vec<Value> = sentences.iter().map(|s| json!({"sentence": s})).collect();
    let (status, v) = post(
        &format!("{url}/v1/predict"),
        "application/json",
        &json!({ "rows": rows }).to_string(),
        None,
    );
    assert_eq!(status, 200, "{v}");
    let classes = ["negative", "neutral", "positive"];
    for (i, l) in labels.iter().enumerate() {
        assert_eq!(v["predictions"][i], json!(l), "row {i}");
        for (k, c) in classes.iter().enumerate() {
            assert_eq!(
                v["probabilities"][i][c].as_f64().unwrap().to_bits(),
                scores[[i, k]].to_bits(),
                "row {i} {c}"
            );
        }
    }

    // MLflow's documented request bodies, as they are in its docs.
    let s = &sentences[0];
    for body in [
        json!({"dataframe_split": {"columns": ["sentence"], "data": [[s]]}}),
        json!({"dataframe_split": {"index": [0], "columns": ["sentence"], "data": [[s]]}}),
        json!({"dataframe_records": [{"sentence": s}]}),
        json!({"instances": [{"sentence": s}]}),
        json!({"inputs": {"sentence": [s]}}),
    ] {
        let (status, v) = post(
            &format!("{url}/invocations"),
            "application/json",
            &body.to_string(),
            None,
        );
        assert_eq!(status, 200, "{body}: {v}");
        assert_eq!(v["predictions"][0], json!(labels[0]), "{body}");
    }
    let csv = format!("sentence\n\"{}\"\n", s.replace('"', "\"\""));
    let (status, v) = post(&format!("{url}/invocations"), "text/csv", &csv, None);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["predictions"][0], json!(labels[0]));

    // /health, /ping, /v1/model.
    let (status, health) = get(&format!("{url}/health"));
    assert_eq!(status, 200);
    assert!(health.contains(&ex.run.id), "{health}");
    assert_eq!(get(&format!("{url}/ping")).0, 200);
    let (status, model) = get(&format!("{url}/v1/model"));
    assert_eq!(status, 200);
    let model: Value = serde_json::from_str(&model).unwrap();
    assert_eq!(model["provenance"]["run_id"], json!(ex.run.id));
    assert_eq!(model["input"][0]["name"], json!("sentence"));
    assert_eq!(model["output"]["task"], json!("classification"));
    assert_eq!(model["output"]["labels"], json!(classes));
    assert!(
        model["provenance"]["metrics"]["Best by macro F1.f1_macro"]
            .as_f64()
            .unwrap()
            > 0.9
    );
    h.stop().unwrap();
}

/// A bad request: url, content type, body, the status and a part of the message
/// expected, and the column and row the answer names.
type BadRequest<'a> = (
    &'a str,
    &'a str,
    String,
    u16,
    &'a str,
    Option<&'a str>,
    Option<u64>,
);

#[test]
fn every_bad_request_gets_its_status_and_a_message_naming_what_is_wrong() {
    let (_ex, b) = finance();
    let h = serve(
        &b,
        ServeOptions {
            max_body: 4096,
            max_rows: 3,
            ..Default::default()
        },
    );
    let url = h.url();
    let predict = format!("{url}/v1/predict");
    let invocations = format!("{url}/invocations");
    let unknown = format!("{url}/v2/predict");
    let cases: Vec<BadRequest> = vec![
        // (url, content type, body, status, message part, column, row)
        (&predict, "application/json", r#"{"rows": [{"sentence": "x"}"#.into(), 400, "line 1, column", None, None),
        (&invocations, "text/csv", "sentence\n\"open quote\n".into(), 400, "malformed CSV at line 2, column 1: this quote is never closed", None, None),
        (&predict, "application/json", r#"{"rows": [{"sentense": "x"}]}"#.into(), 422, "unknown column \"sentense\"", Some("sentense"), None),
        (&predict, "application/json", r#"{"rows": [{}]}"#.into(), 422, "missing column \"sentence\"", Some("sentence"), None),
        (&predict, "application/json", r#"{"rows": [{"sentence": "a"}, {"sentence": 7}]}"#.into(), 422, "row 1, column \"sentence\": expected text", Some("sentence"), Some(1)),
        (&predict, "application/json", format!(r#"{{"rows": [{{"sentence": "{}"}}]}}"#, "a".repeat(5000)), 413, "over the limit of 4096 bytes", None, None),
        (&predict, "application/json", r#"{"rows": [{"sentence": "a"}, {"sentence": "b"}, {"sentence": "c"}, {"sentence": "d"}]}"#.into(), 413, "4 rows in one request; the limit is 3", None, None),
        (&predict, "text/plain", "hello".into(), 415, "send application/json", None, None),
        (&unknown, "application/json", "{}".into(), 404, "no endpoint /v2/predict", None, None),
    ];
    for (u, ct, body, status, message, column, row) in cases {
        let (got, v) = post(u, ct, &body, None);
        assert_eq!(got, status, "{u} {body:.80}: {v}");
        let m = v["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no message: {v}"));
        assert!(m.contains(message), "{m:?} lacks {message:?}");
        assert!(v["error_code"].is_string(), "{v}");
        assert_eq!(v["column"].as_str(), column, "{v}");
        assert_eq!(v["row"].as_u64(), row, "{v}");
    }
    let (status, _) = get(&predict);
    assert_eq!(status, 405);
    // Still up, and every refusal counted by kind.
    let (status, metrics) = get(&format!("{url}/metrics"));
    assert_eq!(status, 200);
    assert_eq!(
        sample(&metrics, "pipewright_errors_total{kind=\"bad_request\"}"),
        2.0
    );
    assert_eq!(
        sample(&metrics, "pipewright_errors_total{kind=\"unprocessable\"}"),
        3.0
    );
    assert_eq!(
        sample(&metrics, "pipewright_errors_total{kind=\"too_large\"}"),
        2.0
    );
    assert_eq!(
        sample(&metrics, "pipewright_errors_total{kind=\"not_found\"}"),
        1.0
    );
    let (status, _) = post(
        &predict,
        "application/json",
        r#"{"rows": [{"sentence": "Sales rose."}]}"#,
        None,
    );
    assert_eq!(status, 200);
    h.stop().unwrap();
}

#[test]
fn a_token_guards_every_endpoint_but_health() {
    let (_ex, b) = finance();
    let h = serve(
        &b,
        ServeOptions {
            token: Some("s3cret".into()),
            ..Default::default()
        },
    );
    let url = h.url();
    let body = r#"{"rows": [{"sentence": "Sales rose."}]}"#;
    let (status, v) = post(&format!("{url}/v1/predict"), "application/json", body, None);
    assert_eq!(
        (status, v["message"].as_str().unwrap()),
        (
            401,
            "this server wants a token: send Authorization: Bearer TOKEN"
        )
    );
    let (status, v) = post(
        &format!("{url}/v1/predict"),
        "application/json",
        body,
        Some("guess"),
    );
    assert_eq!(
        (status, v["message"].as_str().unwrap()),
        (401, "wrong token")
    );
    let (status, _) = post(
        &format!("{url}/v1/predict"),
        "application/json",
        body,
        Some("s3cret"),
    );
    assert_eq!(status, 200);
    assert_eq!(get(&format!("{url}/metrics")).0, 401);
    assert_eq!(get(&format!("{url}/v1/model")).0, 401);
    assert_eq!(get(&format!("{url}/health")).0, 200);
    assert_eq!(get(&format!("{url}/ping")).0, 200);
    h.stop().unwrap();
}

#[test]
fn metrics_count_requests_rows_classes_and_cache_hits_and_the_log_keeps_each_row() {
    let (_ex, b) = finance();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let h = serve(
        &b,
        ServeOptions {
            cache: 100,
            log: Some(log.clone()),
            ..Default::default()
        },
    );
    let url = h.url();
    let body = r#"{"rows": [{"sentence": "Net sales increased by 18 percent to EUR 255 million."}, {"sentence": "The company will cut 150 jobs at its Tampere plant."}]}"#;
    for _ in 0..3 {
        let (status, v) = post(&format!("{url}/v1/predict"), "application/json", body, None);
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["predictions"], json!(["positive", "negative"]));
    }
    let (_, metrics) = get(&format!("{url}/metrics"));
    assert_eq!(
        sample(
            &metrics,
            "pipewright_requests_total{endpoint=\"/v1/predict\",status=\"200\"}"
        ),
        3.0
    );
    assert_eq!(sample(&metrics, "pipewright_rows_scored_total"), 6.0);
    assert_eq!(
        sample(
            &metrics,
            "pipewright_predicted_class_total{class=\"positive\"}"
        ),
        3.0
    );
    assert_eq!(
        sample(
            &metrics,
            "pipewright_predicted_class_total{class=\"negative\"}"
        ),
        3.0
    );
    // The first request misses both rows; the other two hit.
    assert_eq!(sample(&metrics, "pipewright_cache_hits_total"), 4.0);
    assert_eq!(sample(&metrics, "pipewright_cache_misses_total"), 2.0);
    assert_eq!(
        sample(&metrics, "pipewright_request_duration_seconds_count"),
        3.0
    );
    h.stop().unwrap();
    // One flat JSON object per scored row: loadable as a table by data.load_jsonl.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(
            l["prediction"],
            json!(if i % 2 == 0 { "positive" } else { "negative" })
        );
        assert!(
            l["sentence"].is_string() && l["time"].is_string() && l["latency_ms"].is_number(),
            "{l}"
        );
        assert!(l["score_positive"].is_number(), "{l}");
        assert!(
            l.as_object()
                .unwrap()
                .values()
                .all(|v| !v.is_object() && !v.is_array()),
            "{l}"
        );
    }
}

#[test]
fn a_burst_of_concurrent_clients_is_all_answered() {
    let (_ex, b) = finance();
    let h = serve(&b, ServeOptions::default());
    let url = format!("{}/v1/predict", h.url());
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let a = agent();
                (0..10)
                    .filter(|j| {
                        let body = json!({"rows": [{"sentence": format!("Order intake rose {i}.{j} percent.")}]});
                        let resp = a
                            .post(&url)
                            .header("Content-Type", "application/json")
                            .send(body.to_string())
                            .unwrap();
                        resp.status().as_u16() == 200
                    })
                    .count()
            })
        })
        .collect();
    let ok: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(ok, 320);
    assert_eq!(h.stats().requests, 320);
    assert_eq!(h.stats().errors, 0);
    h.stop().unwrap();
}

#[test]
fn shutdown_answers_the_request_in_flight_then_stops_listening() {
    let (_ex, b) = finance();
    let h = serve(&b, ServeOptions::default());
    let addr = h.addr();
    let body =
        r#"{"rows": [{"sentence": "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn."}]}"#;
    let mut stream = TcpStream::connect(addr).unwrap();
    let (head, tail) = body.split_at(20);
    write!(
        stream,
        "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    // The server has the request's head before it is told to stop.
    let deadline = Instant::now() + Duration::from_secs(30);
    while h.stats().in_flight == 0 {
        assert!(Instant::now() < deadline, "the request never arrived");
        std::thread::yield_now();
    }
    let stopper = std::thread::spawn(move || h.stop());
    // Stopping: no new connection is taken, the one in flight still is answered.
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_ok() {
        assert!(Instant::now() < deadline, "still listening");
        std::thread::yield_now();
    }
    stream.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("\"predictions\":[\"positive\"]"),
        "{answer}"
    );
    // The counters the stop returns include the request answered while stopping.
    let last = stopper.join().unwrap().unwrap();
    assert_eq!((last.rows, last.errors, last.in_flight), (1, 0, 0));
}

/// A store with the finance example run and tagged `production`; its run id.
fn finance_store(store: &Path) -> String {
    let flow = example("finance_sentiment.ron");
    expect_code(&run(store, &["run", flow.to_str().unwrap()]), 0);
    let (out, _) = expect_code(&run(store, &["runs", "finance_sentiment"]), 0);
    let id = out
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    expect_code(&run(store, &["tag", &id, "production"]), 0);
    id
}

#[test]
fn the_cli_bundles_serves_the_production_run_and_batch_scores() {
    let store = tempfile::tempdir().unwrap();
    let id = finance_store(store.path());
    let pwm = store.path().join("model.pwm");
    let (out, _) = expect_code(
        &run(
            store.path(),
            &["bundle", &id, "--out", pwm.to_str().unwrap()],
        ),
        0,
    );
    assert!(out.contains("chain:      TF-IDF"), "{out}");
    assert!(out.contains("input:      sentence (text)"), "{out}");
    assert!(
        out.contains(
            "output:     label, one of negative, neutral, positive (probabilities per class)"
        ),
        "{out}"
    );

    // serve --tag production --flow finance_sentiment, on a free port; SIGTERM stops it.
    let mut child = pipewright(store.path())
        .args([
            "serve",
            "--tag",
            "production",
            "--flow",
            "finance_sentiment",
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.starts_with(&format!(
            "serving run {id} (tagged production) at http://127.0.0.1:"
        )),
        "{first}"
    );
    let url = first.rsplit(' ').next().unwrap().to_owned();
    let (status, v) = post(
        &format!("{url}/v1/predict"),
        "application/x-www-form-urlencoded",
        r#"{"rows":[{"sentence":"Operating profit rose to EUR 13.1 mn"}]}"#,
        None,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["run_id"], json!(id));
    assert!(v["probabilities"][0]["positive"].is_number());
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(
        rest.iter()
            .any(|l| l == "stopped: 1 requests, 0 errors, 1 rows scored"),
        "{rest:?}"
    );

    // predict: JSON lines in, CSV and Parquet out, equal to the server's answers.
    let input = example("../assets/data/finance_behaviour.jsonl");
    let csv = store.path().join("preds.csv");
    let (out, _) = expect_code(
        &run(
            store.path(),
            &[
                "predict",
                pwm.to_str().unwrap(),
                "--input",
                input.to_str().unwrap(),
                "--out",
                csv.to_str().unwrap(),
                "--keep",
                "expected",
                "--chunk",
                "4",
            ],
        ),
        0,
    );
    assert!(out.starts_with("scored 11 rows"), "{out}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = text.lines();
    assert_eq!(
        rows.next().unwrap(),
        "row,prediction,probability_negative,probability_neutral,probability_positive,expected"
    );
    let rows: Vec<Vec<&str>> = rows.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 11);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], i.to_string());
        assert_eq!(r[1], r[5], "row {i}: the behaviour cases are all right");
    }
    let parquet = store.path().join("preds.parquet");
    expect_code(
        &run(
            store.path(),
            &[
                "predict",
                &id,
                "--input",
                input.to_str().unwrap(),
                "--out",
                parquet.to_str().unwrap(),
            ],
        ),
        0,
    );
    let df = pipewright_nodes::bundle::batch::read_parquet(&parquet).unwrap();
    assert_eq!(df.height(), 11);
    let labels: Vec<&str> = df
        .column("prediction")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let csv_labels: Vec<&str> = rows.iter().map(|r| r[1]).collect();
    assert_eq!(labels, csv_labels);

    // The Dockerfile builds with the README's and CI's commands and runs exactly this
    // serve command line: here on the bundle just written, on a free port.
    let docker = std::fs::read_to_string(crate::util::root().join("Dockerfile")).unwrap();
    assert!(
        docker.contains("RUN bash scripts/setup.sh && cargo build --release --locked"),
        "{docker}"
    );
    let entry = docker
        .lines()
        .find_map(|l| l.strip_prefix("ENTRYPOINT "))
        .expect("an ENTRYPOINT");
    let entry: Vec<String> = serde_json::from_str(entry).unwrap();
    assert_eq!(entry[0], "pipewright");
    let args: Vec<String> = entry[1..]
        .iter()
        .map(|a| match a.as_str() {
            "/model.pwm" => pwm.to_str().unwrap().to_owned(),
            "8080" => "0".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    let mut child = pipewright(store.path())
        .args(&args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains(" at http://0.0.0.0:"), "{first}");
    let port = first.rsplit(':').next().unwrap().to_owned();
    let (status, health) = get(&format!("http://127.0.0.1:{port}/health"));
    assert_eq!(status, 200, "{health}");
    assert!(health.contains(&id), "{health}");
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
}

#[test]
fn bundle_refuses_a_failed_gate_a_missed_behaviour_case_a_newer_or_damaged_file() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path();
    // The altered flows live in this test's folder, never in examples/ (another test lists
    // every file there), so their data paths are made absolute.
    let examples = crate::util::examples_dir();
    let assets = examples.join("../assets/data/");
    let flow = std::fs::read_to_string(example("finance_sentiment.ron"))
        .unwrap()
        .replace("../assets/data/", assets.to_str().unwrap());
    // A gate the model cannot pass.
    let strict = dir.join("strict.ron");
    std::fs::write(
        &strict,
        flow.replace("\"threshold\": Float(0.9)", "\"threshold\": Float(0.999)"),
    )
    .unwrap();
    let out = run(dir, &["run", strict.to_str().unwrap()]);
    let (_, err) = expect_code(&out, 1);
    assert!(
        err.contains("f1_macro = 0.976 is below the gate's minimum 0.999"),
        "{err}"
    );
    let (runs, _) = expect_code(&run(dir, &["runs"]), 0);
    let id = runs
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let pwm = dir.join("m.pwm");
    let (_, err) = expect_code(
        &run(dir, &["bundle", &id, "--out", pwm.to_str().unwrap()]),
        2,
    );
    assert!(
        err.contains(&format!("run {id} failed its gate \"Gate: macro F1 ≥ 0.9\", so its model is not bundled: f1_macro = 0.976 is below the gate's minimum 0.999")),
        "{err}"
    );
    assert!(!pwm.exists());

    // A case the model gets wrong, added to the behaviour cases.
    let cases = dir.join("cases.jsonl");
    let mut text =
        std::fs::read_to_string(examples.join("../assets/data/finance_behaviour.jsonl")).unwrap();
    text.push_str("{\"sentence\": \"Net sales decreased by 12 percent to EUR 80 million.\", \"expected\": \"negative\"}\n");
    std::fs::write(&cases, text).unwrap();
    let missed = dir.join("missed.ron");
    std::fs::write(
        &missed,
        flow.replace(
            assets.join("finance_behaviour.jsonl").to_str().unwrap(),
            cases.to_str().unwrap(),
        ),
    )
    .unwrap();
    let out = run(dir, &["run", missed.to_str().unwrap()]);
    let (_, err) = expect_code(&out, 1);
    assert!(
        err.contains("1 of 12 behaviour cases missed:\n  row 11 \"Net sales decreased by 12 percent to EUR 80 million.\": expected negative, got positive"),
        "{err}"
    );

    // A newer format and a damaged file.
    let id = finance_store(dir);
    expect_code(
        &run(dir, &["bundle", &id, "--out", pwm.to_str().unwrap()]),
        0,
    );
    let good = std::fs::read(&pwm).unwrap();
    let mut newer = good.clone();
    newer[8..12].copy_from_slice(&99u32.to_le_bytes());
    let newer_path = dir.join("newer.pwm");
    std::fs::write(&newer_path, &newer).unwrap();
    let input = example("../assets/data/finance_behaviour.jsonl");
    let out_csv = dir.join("o.csv");
    let (_, err) = expect_code(
        &run(
            dir,
            &[
                "predict",
                newer_path.to_str().unwrap(),
                "--input",
                input.to_str().unwrap(),
                "--out",
                out_csv.to_str().unwrap(),
            ],
        ),
        2,
    );
    assert!(
        err.contains("format 99") && err.contains("update Pipewright"),
        "{err}"
    );
    let mut damaged = good;
    let n = damaged.len();
    damaged[n - 10] ^= 0xff;
    let damaged_path = dir.join("damaged.pwm");
    std::fs::write(&damaged_path, &damaged).unwrap();
    let (_, err) = expect_code(
        &run(
            dir,
            &[
                "predict",
                damaged_path.to_str().unwrap(),
                "--input",
                input.to_str().unwrap(),
                "--out",
                out_csv.to_str().unwrap(),
            ],
        ),
        2,
    );
    assert!(err.contains("damaged"), "{err}");
    assert!(!out_csv.exists());
}
