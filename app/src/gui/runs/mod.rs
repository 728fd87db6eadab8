//! The Runs tab: the runs in the store, read in the background, filtered, sorted,
//! checked, tagged and deleted.
//!
//! - The list is read off the UI thread ([`Store::runs`] reads every record) when the
//!   tab is first shown, on Refresh, when the flow or the "all flows" toggle changes
//!   and when a run ends; never per frame. Filtering and sorting are redone only when
//!   their inputs change ([`list`]), and only the visible rows are drawn ([`ui`]), so
//!   1,000 runs scroll smoothly.
//! - Store changes (tags, deletes) are `RunsCommand`s the app executes; deletes run
//!   in the background ([`delete`]).
//!
//! Files: `mod.rs` (this state and the loading), `list.rs` (rows, filter, sort,
//! checked runs; no egui), `ui.rs` (drawing), `delete.rs` (confirmation + thread).

pub mod delete;
pub mod list;
pub mod ui;

use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use pipewright_engine::{RunRecord, Store};

use delete::Deleter;
use list::{Row, RunList};

/// The rows read, how long it took (ms), and the damaged records skipped (folder: why).
type Listing = Result<(Vec<Row>, f64, Vec<String>), String>;

/// The Runs tab's state.
pub struct RunsList {
    store: Store,
    /// List every flow's runs, not only the open flow's.
    all_flows: bool,
    /// (flow name, all flows) of the list loaded or loading.
    listed_for: Option<(String, bool)>,
    /// The rows, filters, sort and checks.
    pub list: RunList,
    loaded: bool,
    loading: Option<Receiver<Listing>>,
    load_ms: Option<f64>,
    /// Run folders whose record could not be read, skipped by the listing.
    damaged: Vec<String>,
    /// The id of the last finished editor run seen (a new one triggers a reload).
    seen_run: Option<String>,
    /// The delete confirmation and the delete going on.
    pub deleter: Deleter,
    /// Parameter and metric columns the user hid (Columns ▸).
    pub hidden_columns: std::collections::BTreeSet<String>,
    /// The text of the tag field (for the checked runs).
    pub tag_text: String,
    /// "Compare best N by": the metric, and N.
    pub best_metric: Option<String>,
    /// How many runs "Compare best" picks.
    pub best_n: usize,
}

impl std::fmt::Debug for RunsList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunsList")
            .field("rows", &self.list.rows().len())
            .finish_non_exhaustive()
    }
}

impl RunsList {
    /// The list of the runs in `store` (read when first shown).
    pub fn new(store: Store) -> Self {
        Self {
            store,
            all_flows: false,
            listed_for: None,
            list: RunList::default(),
            loaded: false,
            loading: None,
            load_ms: None,
            damaged: Vec::new(),
            seen_run: None,
            deleter: Deleter::default(),
            hidden_columns: Default::default(),
            tag_text: String::new(),
            best_metric: None,
            best_n: 3,
        }
    }

    /// The store the runs are in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The tab's title, with the number of runs once listed.
    pub fn tab_label(&self) -> String {
        if self.loaded {
            format!("Runs ({})", self.list.rows().len())
        } else {
            "Runs".to_owned()
        }
    }

    /// Whether the runs of every flow are listed.
    pub fn all_flows(&self) -> bool {
        self.all_flows
    }

    /// Whether a listing has arrived.
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    /// Whether a listing is being read.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// How long the last listing took to read.
    pub fn load_ms(&self) -> Option<f64> {
        self.load_ms
    }

    /// The run folders the last listing skipped because their record is unreadable
    /// (`folder: why`).
    pub fn damaged(&self) -> &[String] {
        &self.damaged
    }

    /// Lists the runs of every flow (`true`) or of `flow` only, reading them again.
    pub fn set_all_flows(
        &mut self,
        all: bool,
        flow: &str,
        ctx: &egui::Context,
    ) -> Result<(), String> {
        self.all_flows = all;
        self.start_load(flow, ctx)
    }

    /// Reads the runs of `flow` (or of every flow) in the background; `ctx` is woken
    /// when they are read.
    pub fn start_load(&mut self, flow: &str, ctx: &egui::Context) -> Result<(), String> {
        let store = self.store.clone();
        let name = (!self.all_flows).then(|| flow.to_owned());
        self.listed_for = Some((flow.to_owned(), self.all_flows));
        let (tx, rx) = bounded(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("pipewright-runs-list".into())
            .spawn(move || {
                let started = Instant::now();
                let listing = store
                    .listing(name.as_deref())
                    .map(|listing| {
                        let rows: Vec<Row> = listing.runs.into_iter().map(Row::new).collect();
                        let damaged = listing
                            .damaged
                            .iter()
                            .map(|d| format!("{}: {}", d.dir.display(), d.error))
                            .collect();
                        (rows, started.elapsed().as_secs_f64() * 1000.0, damaged)
                    })
                    .map_err(|e| format!("Cannot list the runs: {e}"));
                let _ = tx.send(listing);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.loading = Some(rx);
                Ok(())
            }
            Err(e) => Err(format!("Cannot list the runs: {e}")),
        }
    }

    /// Reads the list when it is not the one of `flow` (the tab is shown, or another
    /// flow was opened), and again after the editor finished a run (`finished_run`).
    pub fn ensure_listed(
        &mut self,
        flow: &str,
        finished_run: Option<&str>,
        ctx: &egui::Context,
    ) -> Result<(), String> {
        let wanted = (flow.to_owned(), self.all_flows);
        if self.listed_for.as_ref() != Some(&wanted) {
            self.start_load(flow, ctx)?;
        }
        if let Some(id) = finished_run
            && self.seen_run.as_deref() != Some(id)
        {
            let reload = self.seen_run.is_some() || self.loaded;
            self.seen_run = Some(id.to_owned());
            if reload {
                self.reload(ctx)?;
            }
        }
        self.list.refresh_visible();
        Ok(())
    }

    /// Reads the same list again (a run ended, runs were deleted).
    pub fn reload(&mut self, ctx: &egui::Context) -> Result<(), String> {
        match self.listed_for.clone() {
            Some((flow, _)) => self.start_load(&flow, ctx),
            None => Ok(()),
        }
    }

    /// Takes the listing when it has been read; returns an error to show.
    pub fn poll(&mut self) -> Option<String> {
        let rx = self.loading.as_ref()?;
        match rx.try_recv() {
            Ok(Ok((rows, ms, damaged))) => {
                self.loading = None;
                self.loaded = true;
                self.load_ms = Some(ms);
                self.damaged = damaged;
                self.list.set_rows(rows);
                None
            }
            Ok(Err(e)) => {
                self.loading = None;
                Some(e)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.loading = None;
                None
            }
        }
    }

    /// A run's record: from the list when listed, else read from the store.
    pub fn record(&self, id: &str) -> Result<Arc<RunRecord>, String> {
        if let Some(r) = self.list.row(id) {
            return Ok(r.record.clone());
        }
        self.store.run(id).map(Arc::new).map_err(|e| e.to_string())
    }

    /// Changes a run's tags in the store; returns the updated record.
    pub fn set_tags(
        &mut self,
        id: &str,
        f: impl FnOnce(&mut Vec<String>),
    ) -> Result<RunRecord, String> {
        let record = self.record(id)?;
        let mut tags = record.tags.clone();
        f(&mut tags);
        let updated = self
            .store
            .set_tags(id, &tags)
            .map_err(|e| format!("Cannot tag run {id}: {e}"))?;
        self.list.replace_record(updated.clone());
        Ok(updated)
    }
}
