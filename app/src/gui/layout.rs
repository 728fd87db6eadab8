//! Auto-layout: layers from the DAG (longest path from the sources), left to right,
//! each layer ordered by the mean position of its parents to keep wires short.

use std::collections::{BTreeMap, HashMap};

use pipewright_engine::{Flow, NodeId};

/// Gap between layers and between nodes of a layer (graph units).
const GAP_X: f32 = 90.0;
const GAP_Y: f32 = 40.0;

/// New positions for every node. `size` gives a node's drawn size when known.
pub fn layered(
    flow: &Flow,
    size: impl Fn(NodeId) -> Option<(f32, f32)>,
) -> Vec<(NodeId, (f32, f32))> {
    let mut layer: BTreeMap<NodeId, usize> = flow.nodes.iter().map(|n| (n.id, 0)).collect();
    // Longest path: relax edges |V| times (flows are small; cycles are refused anyway,
    // and the bound keeps a cyclic file from looping forever).
    for _ in 0..flow.nodes.len() {
        let mut changed = false;
        for e in &flow.edges {
            let (Some(&from), Some(&to)) = (layer.get(&e.from.node), layer.get(&e.to.node)) else {
                continue;
            };
            if to < from + 1 {
                layer.insert(e.to.node, from + 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let depth = layer.values().copied().max().unwrap_or(0);
    let mut layers: Vec<Vec<NodeId>> = vec![Vec::new(); depth + 1];
    for n in &flow.nodes {
        layers[layer[&n.id]].push(n.id);
    }
    let mut order: HashMap<NodeId, f32> = HashMap::new();
    for nodes in &mut layers {
        // Barycentre of the parents' order; parentless nodes keep their vertical order.
        let key = |id: &NodeId| -> f32 {
            let parents: Vec<f32> = flow
                .incoming(*id)
                .filter_map(|e| order.get(&e.from.node).copied())
                .collect();
            if parents.is_empty() {
                flow.node(*id).map_or(0.0, |n| n.pos.1 / 1000.0)
            } else {
                parents.iter().sum::<f32>() / parents.len() as f32
            }
        };
        let mut keyed: Vec<(f32, NodeId)> = nodes.iter().map(|id| (key(id), *id)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        *nodes = keyed.into_iter().map(|(_, id)| id).collect();
        for (i, id) in nodes.iter().enumerate() {
            order.insert(*id, i as f32);
        }
    }
    let dims = |id: NodeId| size(id).unwrap_or((170.0, 90.0));
    let mut out = Vec::new();
    let mut x: f32 = 0.0;
    let tallest: f32 = layers
        .iter()
        .map(|l| l.iter().map(|id| dims(*id).1 + GAP_Y).sum::<f32>())
        .fold(0.0, f32::max);
    for nodes in &layers {
        let width = nodes.iter().map(|id| dims(*id).0).fold(0.0, f32::max);
        let height: f32 = nodes.iter().map(|id| dims(*id).1 + GAP_Y).sum();
        let mut y = (tallest - height) / 2.0;
        for id in nodes {
            out.push((*id, (x.round(), y.round())));
            y += dims(*id).1 + GAP_Y;
        }
        x += width + GAP_X;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipewright_engine::{Edge, Node};

    fn flow(edges: &[(u32, u32)], n: u32) -> Flow {
        let mut f = Flow::new("t");
        for i in 1..=n {
            f.nodes.push(Node {
                id: NodeId(i),
                kind: "add".into(),
                label: format!("n{i}"),
                params: Default::default(),
                pos: (0.0, 0.0),
            });
        }
        for (a, b) in edges {
            f.edges.push(Edge::new(NodeId(*a), "out", NodeId(*b), "in"));
        }
        f
    }

    //  1 ─┬─ 2 ─┐
    //     └─ 3 ─┴─ 4
    #[test]
    fn diamond_goes_left_to_right() {
        let f = flow(&[(1, 2), (1, 3), (2, 4), (3, 4)], 4);
        let pos: HashMap<NodeId, (f32, f32)> = layered(&f, |_| None).into_iter().collect();
        assert!(pos[&NodeId(1)].0 < pos[&NodeId(2)].0);
        assert_eq!(pos[&NodeId(2)].0, pos[&NodeId(3)].0);
        assert!(pos[&NodeId(3)].0 < pos[&NodeId(4)].0);
        assert_ne!(pos[&NodeId(2)].1, pos[&NodeId(3)].1);
    }
}
