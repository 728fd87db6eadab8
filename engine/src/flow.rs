//! The flow document: nodes, edges, flow parameters and layout, saved as RON.
//!
//! Saving is deterministic: nodes are kept sorted by id, edges sorted, parameters in
//! a `BTreeMap`, so saving twice gives identical bytes and a load→save round-trips.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::value::{ParamType, ParamValue, Value};

/// The flow file format this build writes. Older formats are migrated on load; newer
/// ones are refused.
pub const FORMAT_VERSION: u32 = 1;

/// A node's id: stable across edits, unique within a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

/// `label`, or the first `label N` for which `taken` is false.
pub(crate) fn unique_label_among(label: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(label) {
        return label.to_owned();
    }
    let (stem, mut n) = match label.rsplit_once(' ') {
        Some((stem, num)) if !stem.is_empty() && num.parse::<u32>().is_ok_and(|n| n >= 2) => {
            (stem, num.parse::<u32>().unwrap_or(2) + 1)
        }
        _ => (label, 2),
    };
    loop {
        let candidate = format!("{stem} {n}");
        if !taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One end of an edge: a node and one of its ports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortRef {
    /// The node.
    pub node: NodeId,
    /// The port's name.
    pub port: String,
}

impl PortRef {
    /// A port of a node.
    pub fn new(node: NodeId, port: impl Into<String>) -> Self {
        Self {
            node,
            port: port.into(),
        }
    }
}

/// A wire from an output port to an input port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// The output it leaves from.
    pub from: PortRef,
    /// The input it arrives at.
    pub to: PortRef,
}

impl Edge {
    /// An edge from `from_node.from_port` to `to_node.to_port`.
    pub fn new(from_node: NodeId, from_port: &str, to_node: NodeId, to_port: &str) -> Self {
        Self {
            from: PortRef::new(from_node, from_port),
            to: PortRef::new(to_node, to_port),
        }
    }
}

/// One step of the flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Stable id.
    pub id: NodeId,
    /// The node kind's id, e.g. `"train.linear_regression"`.
    pub kind: String,
    /// Display name (defaults to the kind's title).
    pub label: String,
    /// Parameters set on this node; unset ones take the kind's default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    /// Position on the canvas (graph coordinates).
    #[serde(default)]
    pub pos: (f32, f32),
}

impl Node {
    /// "label" (#id), the way messages name a node.
    pub fn display(&self) -> String {
        format!("{:?} ({})", self.label, self.id)
    }
}

/// A named, typed value of the flow that node parameters may refer to and a run may
/// override (Metaflow's `Parameter`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowParam {
    /// Name, referred to as `Ref("name")`.
    pub name: String,
    /// Type and optional range.
    pub ty: ParamType,
    /// Value when a run does not override it.
    pub default: Value,
    /// One line of help.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
}

/// The DAG document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// File format version.
    pub format: u32,
    /// Short identifier-like name; runs are grouped by it in the store.
    pub name: String,
    /// Display title (the Open example menu shows it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// A paragraph describing the flow.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Flow parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<FlowParam>,
    /// Nodes, sorted by id.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Edges, sorted.
    #[serde(default)]
    pub edges: Vec<Edge>,
}

/// Errors reading or writing a flow file.
#[derive(Debug, thiserror::Error)]
pub enum FlowFileError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The text is not valid flow RON.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file (or `<text>`).
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The file was written by a newer Pipewright.
    #[error(
        "{path}: flow format {found} is newer than this Pipewright understands (format {FORMAT_VERSION}); update Pipewright to open it"
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// The file's format.
        found: u32,
    },
    /// The file holds nothing (or only blanks).
    #[error("{path}: the file is empty; a flow file starts with Flow(")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file starts with a UTF-8 byte-order mark.
    #[error(
        "{path}: the file starts with a UTF-8 byte-order mark (bytes EF BB BF), which flow files do not have; save it as UTF-8 without BOM"
    )]
    ByteOrderMark {
        /// The file.
        path: PathBuf,
    },
    /// The file is not UTF-8 text.
    #[error(
        "{path}: not UTF-8 text: byte 0x{byte:02X} at byte offset {offset} (line {line}, column {column}) is not valid UTF-8"
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The first invalid byte.
        byte: u8,
        /// Its 0-based offset in the file.
        offset: usize,
        /// Its 1-based line.
        line: usize,
        /// Its 1-based column (in characters).
        column: usize,
    },
    /// The file names a format that never existed.
    #[error("{path}: flow format {found} does not exist (formats start at 1)")]
    BadFormat {
        /// The file.
        path: PathBuf,
        /// The file's format.
        found: u32,
    },
    /// Serialising failed (should not happen for a valid flow).
    #[error("cannot write flow: {0}")]
    Serialize(String),
}

impl Flow {
    /// An empty flow named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            format: FORMAT_VERSION,
            name: name.into(),
            title: String::new(),
            description: String::new(),
            parameters: Vec::new(),
            nodes: Vec::new(),
            edges: Vec::new(),
        }
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes
            .binary_search_by_key(&id, |n| n.id)
            .ok()
            .map(|i| &self.nodes[i])
    }

    /// The node with this id, mutably.
    pub fn node_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.nodes
            .binary_search_by_key(&id, |n| n.id)
            .ok()
            .map(|i| &mut self.nodes[i])
    }

    /// Every flow parameter's default value, by name: the values a run takes unless
    /// told otherwise.
    pub fn param_defaults(&self) -> BTreeMap<String, Value> {
        self.parameters
            .iter()
            .map(|p| (p.name.clone(), p.default.clone()))
            .collect()
    }

    /// The flow parameter with this name.
    pub fn param(&self, name: &str) -> Option<&FlowParam> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// An id no node has: one more than the largest.
    pub fn next_id(&self) -> NodeId {
        NodeId(self.nodes.last().map_or(1, |n| n.id.0 + 1))
    }

    /// `label` when no step has it, else the first free `label 2`, `label 3`, … (a
    /// trailing number of `label` counts on: "Metrics 2" → "Metrics 3").
    pub fn unique_label(&self, label: &str) -> String {
        unique_label_among(label, |l| self.nodes.iter().any(|n| n.label == l))
    }

    /// The title, or the name when there is none.
    pub fn display_title(&self) -> &str {
        if self.title.is_empty() {
            &self.name
        } else {
            &self.title
        }
    }

    /// Edges arriving at `node`.
    pub fn incoming(&self, node: NodeId) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.to.node == node)
    }

    /// Edges leaving `node`.
    pub fn outgoing(&self, node: NodeId) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.from.node == node)
    }

    /// Restores the canonical order (nodes by id, edges sorted, no duplicate edges).
    pub fn normalize(&mut self) {
        self.nodes.sort_by_key(|n| n.id);
        self.edges.sort();
        self.edges.dedup();
    }

    /// Parses flow RON. `path` only names the source in messages.
    pub fn from_ron(text: &str, path: &Path) -> Result<Self, FlowFileError> {
        // Read the format first so a newer file is refused with that message rather
        // than with whatever field it added.
        #[derive(Deserialize)]
        #[serde(rename = "Flow")]
        struct Header {
            format: u32,
        }
        let syntax = |e: ron::error::SpannedError| {
            let (mut line, mut column) = (e.span.start.line, e.span.start.col);
            let mut message = e.code.to_string();
            // The parser notices a missing comma at the next value, which may be lines
            // (and comments) further down; the fault is right after the previous value.
            if matches!(e.code, ron::Error::ExpectedComma)
                && let Some((l, c)) = end_of_previous_token(text, line, column)
                && l < line
            {
                (line, column) = (l, c);
                message = format!("{message} after this (before line {})", e.span.start.line);
            }
            FlowFileError::Syntax {
                path: path.to_owned(),
                line,
                column,
                message,
            }
        };
        if text.trim().is_empty() {
            return Err(FlowFileError::Empty {
                path: path.to_owned(),
            });
        }
        if text.starts_with('\u{feff}') {
            return Err(FlowFileError::ByteOrderMark {
                path: path.to_owned(),
            });
        }
        let options = ron::Options::default();
        if let Ok(header) = options.from_str::<IgnoreRest<Header>>(text)
            && header.0.format > FORMAT_VERSION
        {
            return Err(FlowFileError::TooNew {
                path: path.to_owned(),
                found: header.0.format,
            });
        }
        let mut flow: Flow = options.from_str(text).map_err(syntax)?;
        if flow.format == 0 {
            return Err(FlowFileError::BadFormat {
                path: path.to_owned(),
                found: 0,
            });
        }
        if flow.format > FORMAT_VERSION {
            return Err(FlowFileError::TooNew {
                path: path.to_owned(),
                found: flow.format,
            });
        }
        // Format 1 is the first; migrations from older formats go here.
        flow.format = FORMAT_VERSION;
        flow.normalize();
        Ok(flow)
    }

    /// Serialises to pretty, stable RON.
    pub fn to_ron(&self) -> Result<String, FlowFileError> {
        let mut flow = self.clone();
        flow.normalize();
        let config = ron::ser::PrettyConfig::new()
            .indentor("    ")
            .struct_names(true)
            .separate_tuple_members(false)
            .enumerate_arrays(false);
        let mut text = ron::ser::to_string_pretty(&flow, config)
            .map_err(|e| FlowFileError::Serialize(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    /// Loads a flow file.
    pub fn load(path: &Path) -> Result<Self, FlowFileError> {
        let bytes = std::fs::read(path).map_err(|source| FlowFileError::Io {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            // Everything before the offset is valid UTF-8, so it can be counted in lines
            // and characters.
            let before = String::from_utf8_lossy(&bytes[..offset]);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            FlowFileError::NotUtf8 {
                path: path.to_owned(),
                byte: bytes[offset],
                offset,
                line,
                column,
            }
        })?;
        Self::from_ron(&text, path)
    }

    /// Saves atomically (temp file in the same folder, then rename).
    pub fn save(&self, path: &Path) -> Result<(), FlowFileError> {
        let text = self.to_ron()?;
        crate::fs::write_atomic(path, text.as_bytes()).map_err(|source| FlowFileError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// The flow parameters' values: defaults, then `overrides` (checked against types).
    pub fn resolve_flow_params(
        &self,
        overrides: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, String> {
        let mut values = BTreeMap::new();
        for p in &self.parameters {
            let v = overrides.get(&p.name).unwrap_or(&p.default);
            let v =
                p.ty.check(v)
                    .map_err(|e| format!("flow parameter {:?}: {e}", p.name))?;
            values.insert(p.name.clone(), v);
        }
        if let Some(unknown) = overrides.keys().find(|k| self.param(k).is_none()) {
            let known: Vec<_> = self.parameters.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "unknown flow parameter {unknown:?} (this flow has: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ));
        }
        Ok(values)
    }
}

/// The 1-based (line, column) just after the last token (not blank, not a comment)
/// before the 1-based (`line`, `column`) position of `text`.
fn end_of_previous_token(text: &str, line: usize, column: usize) -> Option<(usize, usize)> {
    let mut chars = text.chars().peekable();
    let (mut l, mut c) = (1, 1);
    let mut last = None;
    let mut in_string = false;
    while let Some(ch) = chars.next() {
        if (l, c) >= (line, column) {
            break;
        }
        let advance = |l: &mut usize, c: &mut usize, ch: char| {
            if ch == '\n' {
                *l += 1;
                *c = 1;
            } else {
                *c += 1;
            }
        };
        if in_string {
            if ch == '\\' {
                advance(&mut l, &mut c, ch);
                if let Some(next) = chars.next() {
                    advance(&mut l, &mut c, next);
                }
                last = Some((l, c));
                continue;
            }
            in_string = ch != '"';
        } else if ch == '/' && chars.peek() == Some(&'/') {
            // A line comment: skip to the end of the line.
            for next in chars.by_ref() {
                advance(&mut l, &mut c, next);
                if next == '\n' {
                    break;
                }
            }
            c = 1;
            continue;
        } else if ch == '"' {
            in_string = true;
        }
        advance(&mut l, &mut c, ch);
        if in_string || !ch.is_whitespace() {
            last = Some((l, c));
        }
    }
    last
}

/// Deserialises a struct's known fields and skips any others (for reading a header).
struct IgnoreRest<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for IgnoreRest<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(IgnoreRest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Flow {
        let mut flow = Flow::new("sample");
        flow.title = "Sample".into();
        flow.parameters.push(FlowParam {
            name: "test_fraction".into(),
            ty: ParamType::Float {
                min: Some(0.0),
                max: Some(1.0),
            },
            default: Value::Float(0.2),
            help: "share of rows held out".into(),
        });
        let mut params = BTreeMap::new();
        params.insert("fraction".into(), ParamValue::Ref("test_fraction".into()));
        params.insert("seed".into(), ParamValue::Lit(Value::Int(7)));
        flow.nodes.push(Node {
            id: NodeId(2),
            kind: "transform.split".into(),
            label: "Split".into(),
            params,
            pos: (200.0, 0.0),
        });
        flow.nodes.push(Node {
            id: NodeId(1),
            kind: "data.load".into(),
            label: "Load".into(),
            params: BTreeMap::new(),
            pos: (0.0, 0.0),
        });
        flow.edges
            .push(Edge::new(NodeId(1), "table", NodeId(2), "table"));
        flow
    }

    #[test]
    fn save_is_stable_and_round_trips() {
        let flow = sample();
        let a = flow.to_ron().unwrap();
        let b = flow.to_ron().unwrap();
        assert_eq!(a, b);
        let back = Flow::from_ron(&a, Path::new("x.ron")).unwrap();
        assert_eq!(back.to_ron().unwrap(), a);
        assert_eq!(back.nodes[0].id, NodeId(1), "nodes are sorted on load");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let text = "Flow(\n    format: 1,\n    name: \"x\",\n    nodes: [oops],\n)";
        let err = Flow::from_ron(text, Path::new("bad.ron")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bad.ron:4:"), "{msg}");
    }

    #[test]
    fn a_missing_comma_is_reported_where_it_is_missing() {
        // Line 5 lacks its comma; the parser only notices at line 8.
        let text = "Flow(\n    format: 1,\n    name: \"x\",\n    nodes: [\n        \
                    Node(id: 1, kind: \"a\", label: \"A // \\\"B\")\n\n        // second\n        \
                    Node(id: 2, kind: \"a\", label: \"B\"),\n    ],\n)\n";
        let err = Flow::from_ron(text, Path::new("c.ron")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.ron:5:50: Expected comma after this (before line 8)"
        );
        let text = "Flow(\n    format: 1,\n    name: \"x\"\n\n    nodes: [],\n)\n";
        let err = Flow::from_ron(text, Path::new("c.ron")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.ron:3:14: Expected comma after this (before line 5)"
        );
    }

    #[test]
    fn empty_bom_and_format_zero_files_get_their_own_messages() {
        let p = Path::new("f.ron");
        for empty in ["", "  \n"] {
            assert_eq!(
                Flow::from_ron(empty, p).unwrap_err().to_string(),
                "f.ron: the file is empty; a flow file starts with Flow("
            );
        }
        let err = Flow::from_ron("\u{feff}Flow(format: 1, name: \"x\")", p).unwrap_err();
        assert!(matches!(err, FlowFileError::ByteOrderMark { .. }), "{err}");
        let err = Flow::from_ron("Flow(format: 0, name: \"x\")", p).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.ron: flow format 0 does not exist (formats start at 1)"
        );
    }

    #[test]
    fn invalid_utf8_names_its_byte_offset_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin.ron");
        std::fs::write(&path, b"Flow(\n  name: \"\xc3\xa9\xff\",\n)").unwrap();
        let err = Flow::load(&path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: not UTF-8 text: byte 0xFF at byte offset 17 (line 2, column 11) is not valid UTF-8",
                path.display()
            )
        );
        assert!(std::error::Error::source(&err).is_none(), "said once");
    }

    #[test]
    fn unknown_fields_are_named() {
        let text = "Flow(format: 1, name: \"x\", nodez: [])";
        let err = Flow::from_ron(text, Path::new("typo.ron")).unwrap_err();
        assert!(err.to_string().contains("nodez"), "{err}");
    }

    #[test]
    fn newer_format_is_refused_by_name() {
        let text = "Flow(format: 99, name: \"x\", future_field: 3)";
        let err = Flow::from_ron(text, Path::new("new.ron")).unwrap_err();
        assert!(
            matches!(err, FlowFileError::TooNew { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("newer"));
    }

    #[test]
    fn overrides_are_type_checked() {
        let flow = sample();
        let mut o = BTreeMap::new();
        o.insert("test_fraction".to_owned(), Value::Float(2.0));
        assert!(
            flow.resolve_flow_params(&o)
                .unwrap_err()
                .contains("out of range")
        );
        o.clear();
        o.insert("nope".to_owned(), Value::Int(1));
        assert!(
            flow.resolve_flow_params(&o)
                .unwrap_err()
                .contains("unknown flow parameter")
        );
    }
}
