//! Property tests of the edit commands: whatever sequence a user makes, accepted
//! edits keep the flow acyclic and well-typed, and refused edits change nothing.

use pipewright_engine::{
    Edge, Edit, Flow, Node, NodeId, ParamValue, Value, testkit, validate::cycles,
};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Add(u8),
    Remove(u8),
    Connect(u8, u8),
    Disconnect(u8),
    SetParam(u8, f64),
    Move(u8, f32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4).prop_map(Op::Add),
        any::<u8>().prop_map(Op::Remove),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Connect(a, b)),
        any::<u8>().prop_map(Op::Disconnect),
        (any::<u8>(), -10.0f64..10.0).prop_map(|(n, v)| Op::SetParam(n, v)),
        (any::<u8>(), -500.0f32..500.0).prop_map(|(n, x)| Op::Move(n, x)),
    ]
}

fn pick(flow: &Flow, i: u8) -> Option<NodeId> {
    (!flow.nodes.is_empty()).then(|| flow.nodes[i as usize % flow.nodes.len()].id)
}

fn edit_for(flow: &Flow, op: &Op) -> Option<Edit> {
    let kinds = ["const", "add", "fail", "panic"];
    Some(match *op {
        Op::Add(k) => Edit::AddNode(Node {
            id: flow.next_id(),
            kind: kinds[k as usize % kinds.len()].into(),
            // As the editor does: a new step gets a label no other step has.
            label: flow.unique_label("n"),
            params: Default::default(),
            pos: (0.0, 0.0),
        }),
        Op::Remove(i) => Edit::RemoveNodes(vec![pick(flow, i)?]),
        Op::Connect(a, b) => Edit::Connect(Edge::new(pick(flow, a)?, "out", pick(flow, b)?, "in")),
        Op::Disconnect(i) => {
            if flow.edges.is_empty() {
                return None;
            }
            Edit::Disconnect(flow.edges[i as usize % flow.edges.len()].clone())
        }
        Op::SetParam(n, v) => Edit::SetParam {
            node: pick(flow, n)?,
            name: "value".into(),
            value: Some(ParamValue::Lit(Value::Float(v))),
        },
        Op::Move(n, x) => Edit::MoveNodes(vec![(pick(flow, n)?, (x, -x))]),
    })
}

proptest! {
    #[test]
    fn accepted_edits_keep_the_flow_acyclic_and_well_typed(ops in proptest::collection::vec(op(), 1..60)) {
        let registry = testkit::registry();
        let mut flow = Flow::new("prop");
        for op in &ops {
            let Some(edit) = edit_for(&flow, op) else { continue };
            let before = flow.clone();
            match flow.apply(edit.clone(), &registry) {
                Ok(()) => {
                    prop_assert!(cycles(&flow).is_empty(), "cycle after {edit:?}");
                    let problems = pipewright_engine::validate(&flow, &registry);
                    prop_assert!(problems.is_empty(), "{problems:?} after {edit:?}");
                    // Saving and loading gives the same flow back.
                    let text = flow.to_ron().unwrap();
                    let back = Flow::from_ron(&text, std::path::Path::new("p.ron")).unwrap();
                    prop_assert_eq!(&back, &flow);
                }
                Err(_) => prop_assert_eq!(&flow, &before, "a refused edit changed the flow"),
            }
        }
    }

    #[test]
    fn a_batch_is_all_or_nothing(ops in proptest::collection::vec(op(), 1..20)) {
        let registry = testkit::registry();
        let mut flow = Flow::new("batch");
        let mut scratch = flow.clone();
        let mut edits = Vec::new();
        for op in &ops {
            if let Some(e) = edit_for(&scratch, op) {
                let _ = scratch.apply(e.clone(), &registry);
                edits.push(e);
            }
        }
        let before = flow.clone();
        let result = flow.apply(Edit::Batch(edits.clone()), &registry);
        if result.is_err() {
            prop_assert_eq!(&flow, &before);
        } else {
            let mut one_by_one = before.clone();
            for e in edits {
                one_by_one.apply(e, &registry).unwrap();
            }
            prop_assert_eq!(&flow, &one_by_one);
        }
    }
}

//  1 ──▶ 2 ──▶ 3, then 3 ──▶ 1 is refused and names the cycle.
#[test]
fn a_cycle_making_wire_is_refused_with_the_nodes_named() {
    let registry = testkit::registry();
    let mut flow = Flow::new("c");
    for id in 1..=3 {
        flow.apply(
            Edit::AddNode(Node {
                id: NodeId(id),
                kind: "add".into(),
                label: format!("s{id}"),
                params: Default::default(),
                pos: (0.0, 0.0),
            }),
            &registry,
        )
        .unwrap();
    }
    flow.apply(
        Edit::Connect(Edge::new(NodeId(1), "out", NodeId(2), "in")),
        &registry,
    )
    .unwrap();
    flow.apply(
        Edit::Connect(Edge::new(NodeId(2), "out", NodeId(3), "in")),
        &registry,
    )
    .unwrap();
    let err = flow
        .apply(
            Edit::Connect(Edge::new(NodeId(3), "out", NodeId(1), "in")),
            &registry,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "that wire would make a cycle through \"s1\", \"s2\", \"s3\""
    );
    assert_eq!(flow.edges.len(), 2);
}

#[test]
fn renaming_a_flow_parameter_rewrites_references() {
    let registry = testkit::registry();
    let mut flow = Flow::new("r");
    flow.apply(
        Edit::SetFlowParam {
            name: "v".into(),
            param: Some(pipewright_engine::FlowParam {
                name: "v".into(),
                ty: pipewright_engine::ParamType::Float {
                    min: None,
                    max: None,
                },
                default: Value::Float(1.0),
                help: String::new(),
            }),
        },
        &registry,
    )
    .unwrap();
    flow.apply(
        Edit::AddNode(Node {
            id: NodeId(1),
            kind: "const".into(),
            label: "c".into(),
            params: [("value".to_owned(), ParamValue::Ref("v".into()))].into(),
            pos: (0.0, 0.0),
        }),
        &registry,
    )
    .unwrap();
    let mut renamed = flow.parameters[0].clone();
    renamed.name = "weight".into();
    flow.apply(
        Edit::SetFlowParam {
            name: "v".into(),
            param: Some(renamed),
        },
        &registry,
    )
    .unwrap();
    assert_eq!(
        flow.nodes[0].params["value"],
        ParamValue::Ref("weight".into())
    );
    assert!(pipewright_engine::validate(&flow, &registry).is_empty());
}
