//! Who calls whom while a configuration runs: a push is a call from the upstream element, a
//! pull a call from the downstream one. Both the code generator and the interpreter use this
//! to find the elements that nothing they call can call back, whose pushes can therefore be
//! direct calls made while they run, in Click's order, with no queue in between.

use alloc::vec;
use alloc::vec::Vec;

use crate::lang::FlatConfig;

/// The calls between a configuration's elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calls {
    /// Per element, the elements its calls can reach (directly or through others), in
    /// index order.
    pub reach: Vec<Vec<usize>>,
    /// Per element, true if it and every element it reaches lie on no cycle of calls: no
    /// call it makes can come back to it or to anything it reaches.
    pub split: Vec<bool>,
}

impl Calls {
    /// The calls of `flat`'s elements; `output_pull[e][p]` is true where output `p` of
    /// element `e` is pulled.
    pub fn of(flat: &FlatConfig, output_pull: &[Vec<bool>]) -> Calls {
        let n = flat.elements.len();
        let mut next: Vec<Vec<usize>> = (0..n).map(|_| Vec::new()).collect();
        for c in &flat.connections {
            let (f, fp, t) = (c.from.element, c.from.port as usize, c.to.element);
            if f >= n || t >= n {
                continue;
            }
            let pulled = output_pull
                .get(f)
                .and_then(|v| v.get(fp))
                .copied()
                .unwrap_or(false);
            if pulled {
                next[t].push(f);
            } else {
                next[f].push(t);
            }
        }
        let reach: Vec<Vec<usize>> = (0..n)
            .map(|start| {
                let mut seen = vec![false; n];
                let mut stack: Vec<usize> = next[start].clone();
                while let Some(e) = stack.pop() {
                    if !seen[e] {
                        seen[e] = true;
                        stack.extend(&next[e]);
                    }
                }
                (0..n).filter(|&e| seen[e]).collect()
            })
            .collect();
        let on_cycle: Vec<bool> = (0..n).map(|i| reach[i].contains(&i)).collect();
        let split = (0..n)
            .map(|i| !on_cycle[i] && reach[i].iter().all(|&e| !on_cycle[e]))
            .collect();
        Calls { reach, split }
    }
}
