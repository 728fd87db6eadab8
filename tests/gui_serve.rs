//! Serving from the window (issue 11), as a user does it: the finance example run in
//! the editor, *Run ▸ Serve the last run's model…*, a port in use refused in the form,
//! the URL answered by a real HTTP client, the live counts in the Serve tab, the served
//! run marked in the Runs list, *Stop serving*; *Export bundle…* from a model step's
//! inspector and from a past run's banner.

use std::net::TcpListener;

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use pipewright::gui::DialogResult;
use pipewright_engine::RunStatus;
use pipewright_nodes::bundle;
use serde_json::Value;

use crate::gui_rig::Rig;
use crate::serve::agent;

/// POSTs a JSON body; the status and the answer.
fn post(url: &str, body: &str) -> (u16, Value) {
    let resp = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .expect("the server answers");
    let status = resp.status().as_u16();
    let text = resp.into_body().read_to_string().unwrap();
    (status, serde_json::from_str(&text).expect("a JSON answer"))
}

#[test]
fn the_finance_model_is_served_from_the_window_and_answers_a_real_client() {
    let example = pipewright::gui::find_examples_dir()
        .expect("the editor finds the repository's examples/")
        .join("finance_sentiment.ron");
    let mut rig = Rig::builder(pipewright_nodes::registry())
        .open(&example)
        .build();
    rig.key(Modifiers::NONE, Key::F5);
    assert_eq!(rig.wait_for_run(), RunStatus::Done);
    let run_id = rig.app().run_view().unwrap().run_id.clone();

    // Run ▸ Serve the last run's model… on a port another program holds: refused in
    // the form, which stays open with what to do.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    rig.click_label("Run");
    rig.click_label("Serve the last run's model…");
    rig.harness.get_by_label("Serve a model");
    rig.type_into("Port", &taken_port.to_string());
    rig.harness.get_by_label(&format!(
        "⚠ 127.0.0.1:{taken_port} is in use: choose another port, or 0 for any free one"
    ));
    assert_eq!(rig.app().serving_url(), None);
    // A port that is not a number is named too.
    rig.type_into("Port", "80a");
    rig.harness
        .get_by_label("⚠ Port: \"80a\" is not a port (0 to 65535)");
    drop(taken);

    // Port 0: any free one. The form closes and the Serve tab shows the server.
    rig.type_into("Port", "0");
    let url = rig.app().serving_url().expect("the model is served");
    assert!(rig.harness.query_by_label("Serve a model").is_none());
    rig.harness.get_by_label(&format!("run {run_id}"));
    rig.harness.get_by_label(&url);
    let curl = rig.labels_starting("curl -s ");
    assert!(
        curl.iter()
            .any(|c| c.ends_with(&format!("{url}/v1/predict")) && c.contains("\"sentence\"")),
        "a curl line for this server's /v1/predict: {curl:?}"
    );
    rig.harness.get_by_label(&format!("🌐 {url}"));

    // The issue's request answers a label with probabilities, from this run.
    let (status, v) = post(
        &format!("{url}/v1/predict"),
        r#"{"rows":[{"sentence":"Operating profit rose to EUR 13.1 mn"}]}"#,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["run_id"], Value::String(run_id.clone()));
    let label = v["predictions"][0].as_str().expect("a label");
    assert!(
        ["negative", "neutral", "positive"].contains(&label),
        "{label}"
    );
    let probs = v["probabilities"][0].as_object().expect("probabilities");
    let sum: f64 = probs.values().map(|p| p.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-9, "{sum}");
    // A row without the model's column: 422, counted as an error.
    let (status, v) = post(&format!("{url}/v1/predict"), r#"{"rows":[{}]}"#);
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["column"], Value::String("sentence".into()));

    // The counters update while the tab is open (it redraws on its own).
    rig.wait_until("the Serve tab to count both requests", |rig| {
        rig.harness.query_by_label("Requests\n2").is_some()
    });
    rig.harness.get_by_label("Errors\n1");
    rig.harness.get_by_label("Rows scored\n1");
    rig.harness.get_by_label("🌐 Serving (2)");
    let mut predicted = rig.labels_starting("Predicted: ");
    predicted.dedup();
    assert_eq!(predicted, [format!("Predicted: {label} 1")]);

    // The Runs list marks the served run.
    rig.harness
        .get_by(|n| {
            n.label()
                .is_some_and(|l| l == "Runs" || l.starts_with("Runs ("))
        })
        .click();
    rig.wait_for_list(1);
    assert!(
        rig.harness.query_by_label("🌐").is_some(),
        "the served run's row is marked"
    );

    // Stop serving: the port closes, and the status bar says what it answered.
    rig.click_label("🌐 Serving (2)");
    rig.click_label("⏹ Stop serving");
    assert_eq!(rig.app().served_run(), None);
    assert_eq!(
        rig.app().status_message(),
        Some(format!("Stopped serving run {run_id}: 2 requests, 1 errors, 1 rows scored").as_str())
    );
    assert!(
        agent().get(format!("{url}/health")).call().is_err(),
        "nothing listens at {url} once stopped"
    );
    rig.harness.get_by_label_contains("No model is served.");

    // Export bundle… from the inspector of a model step (Naive Bayes, which Select best
    // did not choose): the bundle holds that step's model.
    let nb = rig
        .app()
        .flow()
        .nodes
        .iter()
        .find(|n| n.label == "Naive Bayes")
        .expect("the example has a Naive Bayes step")
        .id;
    rig.key(Modifiers::NONE, Key::Home);
    rig.click_node(nb);
    let out = rig.dir.path().join("nb.pwm");
    rig.dialogs.push(DialogResult::Picked(out.clone()));
    rig.click_label("📦 Export bundle…");
    let registry = pipewright_nodes::registry();
    let b = bundle::file::read(&out, registry.artifact_types()).expect("the bundle reads back");
    assert_eq!(b.manifest.provenance.run_id, run_id);
    assert_eq!(b.manifest.provenance.step, "Naive Bayes");
    assert!(
        rig.app()
            .status_message()
            .is_some_and(|m| m.starts_with("Exported the model Naive Bayes of run ")),
        "{:?}",
        rig.app().status_message()
    );

    // Export bundle… from the run shown as it ran: the model Select best chose.
    rig.click_label("Runs (1)");
    rig.click_label(&run_id);
    rig.harness.get_by_label("🔒 read-only");
    let chosen = rig.dir.path().join("chosen");
    rig.dialogs.push(DialogResult::Picked(chosen.clone()));
    rig.click_label("📦 Export bundle…");
    let b = bundle::file::read(&chosen.with_extension("pwm"), registry.artifact_types())
        .expect("the bundle reads back, named .pwm");
    assert_eq!(b.manifest.provenance.step, "Logistic regression");
}
