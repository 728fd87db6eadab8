//! The request log (`--log requests.jsonl`): one JSON line per scored row — time,
//! request number, latency, the row's input columns, the prediction (and each
//! class's score as `score_<class>`) — flat, so `data.load_jsonl` reads it as a
//! table and the data steps can compare served traffic with the training rows.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use pipewright_nodes::artifacts::Table;
use serde_json::{Map, Value, json};

/// An open request log.
pub struct RequestLog {
    file: Mutex<BufWriter<File>>,
    requests: AtomicU64,
}

impl RequestLog {
    /// Opens (or creates) the log for appending.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("request log {}: {e}", path.display()))
            })?;
        Ok(Self {
            file: Mutex::new(BufWriter::new(file)),
            requests: AtomicU64::new(0),
        })
    }

    /// Appends a request's rows with their answers; a write error is reported once
    /// per request on stderr, never to the client.
    pub fn append(&self, table: &Table, answers: &[(Value, Option<Value>)], took: Duration) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut lines = Vec::with_capacity(answers.len() * 96);
        for (i, (prediction, scores)) in answers.iter().enumerate() {
            let mut row = Map::new();
            row.insert("time".into(), json!(time));
            row.insert("request".into(), json!(n));
            row.insert("latency_ms".into(), json!(took.as_secs_f64() * 1e3));
            for (name, v) in pipewright_nodes::bundle::rows::row_json(table, i) {
                row.insert(name, v);
            }
            row.insert("prediction".into(), prediction.clone());
            if let Some(Value::Object(by_class)) = scores {
                for (class, s) in by_class {
                    row.insert(format!("score_{class}"), s.clone());
                }
            }
            serde_json::to_writer(&mut lines, &Value::Object(row)).expect("JSON to memory");
            lines.push(b'\n');
        }
        let mut f = self.file.lock().expect("log lock");
        if let Err(e) = f.write_all(&lines).and_then(|()| f.flush()) {
            eprintln!("pipewright serve: cannot write the request log: {e}");
        }
    }
}
