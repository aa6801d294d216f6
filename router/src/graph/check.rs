//! Click's checks on a flat graph's connections, in Click's order and with Click's
//! messages: port numbers in range for each class, push/pull/agnostic resolution, reuse of
//! push outputs and pull inputs, and unused ports. Unlike Click, every check runs and every
//! error is reported, so one run lists them all.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use sluice_elements::element::{PortCount, PortRange, Processing, ProcessingSpec};

use crate::registry::ClassInfo;

/// One end of a connection: an element index and a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hookup {
    /// Element index in the flat graph.
    pub element: usize,
    /// Port number.
    pub port: usize,
}

/// A connection from an output to an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    /// The output side.
    pub from: Hookup,
    /// The input side.
    pub to: Hookup,
}

/// What a graph error is about, so the caller can point at the right place in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The declaration of element `0`.
    Element(usize),
    /// Connection number `0` (an index into the links given).
    Link(usize),
}

/// One graph error, with Click's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    /// Where it points.
    pub subject: Subject,
    /// The message, as Click words it.
    pub message: String,
}

/// The graph after the checks: port counts and the processing every port resolved to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Per element, its input and output port counts.
    pub ports: Vec<(usize, usize)>,
    /// Per element, per input, true if the input pulls.
    pub input_pull: Vec<Vec<bool>>,
    /// Per element, per output, true if the output is pulled from.
    pub output_pull: Vec<Vec<bool>>,
}

/// The element facts the checks need: a name for messages and the class, if known (an
/// unknown class was reported already; its ports are taken as they are used, and no
/// push/pull, reuse or unused-port error is reported on its account).
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    /// The element's name in the flat graph.
    pub name: &'a str,
    /// Its class's facts, if Sluice has the class.
    pub class: Option<&'a ClassInfo>,
}

/// Runs Click's connection checks (`notify_nports`, `check_hookup_range`, `check_push_and_pull`,
/// `check_hookup_completeness`). Returns the resolution and every error found.
pub fn check(nodes: &[Node<'_>], links: &[Link]) -> (Resolved, Vec<GraphError>) {
    let mut errors = Vec::new();
    let n = nodes.len();

    // Port counts: one more than the highest port used, as Click's notify_nports, then
    // checked against the class's allowed range.
    let mut nin = vec![0usize; n];
    let mut nout = vec![0usize; n];
    for l in links {
        if l.from.element < n {
            nout[l.from.element] = nout[l.from.element].max(l.from.port + 1);
        }
        if l.to.element < n {
            nin[l.to.element] = nin[l.to.element].max(l.to.port + 1);
        }
    }
    for (i, node) in nodes.iter().enumerate() {
        if let Some(class) = node.class {
            (nin[i], nout[i]) = notify_nports(class.ports, nin[i], nout[i]);
        }
    }

    // Connections to ports that do not exist are reported and left out of what follows.
    let mut live: Vec<(usize, Link)> = Vec::new();
    for (c, l) in links.iter().enumerate() {
        let mut ok = l.from.element < n && l.to.element < n;
        if ok && l.from.port >= nout[l.from.element] {
            errors.push(GraphError {
                subject: Subject::Link(c),
                message: format!(
                    "'{}' has no output {}",
                    nodes[l.from.element].name, l.from.port
                ),
            });
            ok = false;
        }
        if ok && l.to.port >= nin[l.to.element] {
            errors.push(GraphError {
                subject: Subject::Link(c),
                message: format!("'{}' has no input {}", nodes[l.to.element].name, l.to.port),
            });
            ok = false;
        }
        if ok && !live.iter().any(|(_, m)| m == l) {
            live.push((c, *l));
        }
    }

    // Push and pull: start from each class's processing code; connections and agnostic
    // elements' internal flows spread push and pull until nothing changes (Click's
    // "personalities").
    let spec = |i: usize| {
        nodes[i]
            .class
            .map(|c| c.processing)
            .unwrap_or(ProcessingSpec::AGNOSTIC)
    };
    let mut inp: Vec<Vec<Processing>> = (0..n)
        .map(|i| (0..nin[i]).map(|p| spec(i).input(p)).collect())
        .collect();
    let mut outp: Vec<Vec<Processing>> = (0..n)
        .map(|i| (0..nout[i]).map(|p| spec(i).output(p)).collect())
        .collect();
    // Agnostic input -> agnostic output pairs that flow into each other act as internal
    // connections (output side first, as Click adds them).
    // An element of unknown class has no internal flow: nothing is known about it, so it
    // spreads no push or pull through itself.
    let known = |i: usize| nodes[i].class.is_some();
    let mut internal: Vec<Link> = Vec::new();
    for i in 0..n {
        let Some(flow) = nodes[i].class.map(|c| c.flow) else {
            continue;
        };
        let agnostic = |ps: &[Processing]| -> Vec<usize> {
            ps.iter()
                .enumerate()
                .filter(|(_, p)| **p == Processing::Agnostic)
                .map(|(k, _)| k)
                .collect()
        };
        let outs = agnostic(&outp[i]);
        for ip in agnostic(&inp[i]) {
            for &op in outs.iter().filter(|&&op| flow.connects(ip, op)) {
                internal.push(Link {
                    from: Hookup {
                        element: i,
                        port: op,
                    },
                    to: Hookup {
                        element: i,
                        port: ip,
                    },
                });
            }
        }
    }
    let all: Vec<(Option<usize>, Link)> = live
        .iter()
        .map(|(c, l)| (Some(*c), *l))
        .chain(internal.iter().map(|l| (None, *l)))
        .collect();
    // Connections to or from an element of unknown class take no part in the push/pull
    // resolution: its ports' processing is unknown, and Click stops at the unknown class
    // before these checks, so any error they caused would be spurious.
    let mut dead: Vec<bool> = all
        .iter()
        .map(|(_, l)| !known(l.from.element) || !known(l.to.element))
        .collect();
    loop {
        let mut changed = false;
        for (k, (c, l)) in all.iter().enumerate() {
            if dead[k] {
                continue;
            }
            let pf = outp[l.from.element][l.from.port];
            let pt = inp[l.to.element][l.to.port];
            match (pt, pf) {
                (Processing::Agnostic, Processing::Agnostic) => {}
                (Processing::Agnostic, _) => {
                    inp[l.to.element][l.to.port] = pf;
                    changed = true;
                }
                (_, Processing::Agnostic) => {
                    outp[l.from.element][l.from.port] = pt;
                    changed = true;
                }
                _ if pf != pt => {
                    let (t1, t2) = if pf == Processing::Push {
                        ("push", "pull")
                    } else {
                        ("pull", "push")
                    };
                    let message = match c {
                        Some(_) => format!(
                            "'{}' {t1} output {} connected to '{}' {t2} input {}",
                            nodes[l.from.element].name,
                            l.from.port,
                            nodes[l.to.element].name,
                            l.to.port
                        ),
                        None => format!(
                            "agnostic '{}' in mixed context: {t2} input {}, {t1} output {}",
                            nodes[l.from.element].name, l.to.port, l.from.port
                        ),
                    };
                    let subject = match c {
                        Some(c) => Subject::Link(*c),
                        None => Subject::Element(l.from.element),
                    };
                    errors.push(GraphError { subject, message });
                    dead[k] = true;
                }
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    // Ports still agnostic after spreading (an agnostic path with no push or pull end) act
    // as push, as in Click, where an unresolved agnostic port is push.
    let input_pull: Vec<Vec<bool>> = inp
        .iter()
        .map(|ps| ps.iter().map(|p| *p == Processing::Pull).collect())
        .collect();
    let output_pull: Vec<Vec<bool>> = outp
        .iter()
        .map(|ps| ps.iter().map(|p| *p == Processing::Pull).collect())
        .collect();

    // Reuse and completeness: a push output feeds one input, a pull input draws from one
    // output; every port is used.
    let mut used_out: Vec<Vec<bool>> = (0..n).map(|i| vec![false; nout[i]]).collect();
    let mut used_in: Vec<Vec<bool>> = (0..n).map(|i| vec![false; nin[i]]).collect();
    // Connections touching an element of unknown class (whose ends may push or pull) only
    // mark their ports used, after the others, so no reuse is reported on their account.
    let (with_known, with_unknown): (Vec<_>, Vec<_>) = live
        .iter()
        .partition(|(_, l)| known(l.from.element) && known(l.to.element));
    for (c, l) in &with_known {
        let (f, t) = (l.from, l.to);
        if used_out[f.element][f.port] && !output_pull[f.element][f.port] {
            errors.push(GraphError {
                subject: Subject::Link(*c),
                message: format!(
                    "illegal reuse of '{}' push output {}",
                    nodes[f.element].name, f.port
                ),
            });
        } else if used_in[t.element][t.port] && input_pull[t.element][t.port] {
            errors.push(GraphError {
                subject: Subject::Link(*c),
                message: format!(
                    "illegal reuse of '{}' pull input {}",
                    nodes[t.element].name, t.port
                ),
            });
        } else {
            used_out[f.element][f.port] = true;
            used_in[t.element][t.port] = true;
        }
    }
    for (_, l) in &with_unknown {
        used_out[l.from.element][l.from.port] = true;
        used_in[l.to.element][l.to.port] = true;
    }
    for (i, node) in nodes.iter().enumerate().filter(|(i, _)| known(*i)) {
        for (p, _) in used_in[i].iter().enumerate().filter(|(_, used)| !**used) {
            errors.push(GraphError {
                subject: Subject::Element(i),
                message: format!("'{}' input {p} unused", node.name),
            });
        }
        for (p, _) in used_out[i].iter().enumerate().filter(|(_, used)| !**used) {
            errors.push(GraphError {
                subject: Subject::Element(i),
                message: format!("'{}' output {p} unused", node.name),
            });
        }
    }

    let ports = nin.iter().copied().zip(nout.iter().copied()).collect();
    (
        Resolved {
            ports,
            input_pull,
            output_pull,
        },
        errors,
    )
}

/// The port counts Click settles on for a class given the highest ports used
/// (`Element::notify_nports`): the used count, raised to the class's minimum (an
/// unconnected mandatory port then shows up as unused) and clipped to its maximum (a
/// connection to a port beyond it is then reported as "has no input/output N").
fn notify_nports(pc: PortCount, used_in: usize, used_out: usize) -> (usize, usize) {
    let min = |r: PortRange, used: usize, inputs: usize| match r {
        PortRange::Exactly(k) => k as usize,
        PortRange::Between(lo, hi) => used.clamp(lo as usize, hi as usize),
        PortRange::AtLeast(lo) => used.max(lo as usize),
        PortRange::SameAsInputs => inputs,
    };
    let ins = min(pc.inputs, used_in, 0);
    let outs = min(pc.outputs, used_out, ins);
    (ins, outs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::lookup;

    fn node(name: &'static str, class: &str) -> Node<'static> {
        Node {
            name,
            class: lookup(class),
        }
    }

    fn link(a: usize, ap: usize, b: usize, bp: usize) -> Link {
        Link {
            from: Hookup {
                element: a,
                port: ap,
            },
            to: Hookup {
                element: b,
                port: bp,
            },
        }
    }

    #[test]
    fn a_chain_resolves_to_push_without_errors() {
        let nodes = [
            node("c", "Counter"),
            node("t", "Tee"),
            node("d1", "Discard"),
            node("d2", "Discard"),
        ];
        let links = [link(0, 0, 1, 0), link(1, 0, 2, 0), link(1, 1, 3, 0)];
        // Counter's input is unused.
        let (r, errors) = check(&nodes, &links);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].message, "'c' input 0 unused");
        assert_eq!(r.ports[1], (1, 2));
        assert!(!r.input_pull[2][0] && !r.output_pull[0][0]);
    }

    #[test]
    fn reuse_bad_ports_and_counts_are_reported_together() {
        let nodes = [node("t", "Tee"), node("d", "Discard"), node("c", "Counter")];
        let links = [
            link(0, 0, 1, 0),
            link(0, 0, 2, 0),
            link(2, 1, 1, 0),
            link(2, 0, 1, 1),
        ];
        let (_, errors) = check(&nodes, &links);
        let msgs: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        // As in Click: connections to missing ports and reused push outputs are reported and
        // removed, which leaves the ports they would have used unused.
        assert_eq!(
            msgs,
            [
                "'c' has no output 1",
                "'d' has no input 1",
                "illegal reuse of 't' push output 0",
                "'t' input 0 unused",
                "'c' input 0 unused",
                "'c' output 0 unused",
            ]
        );
        assert_eq!(errors[0].subject, Subject::Link(2));
        assert_eq!(errors[3].subject, Subject::Element(0));
    }

    /// A push-to-pull class (a queue) and a pull-to-push class (an unqueue), made from a
    /// known class's facts with another processing code.
    fn with_processing(processing: ProcessingSpec) -> ClassInfo {
        let mut c = *lookup("Counter").unwrap();
        c.processing = processing;
        c
    }

    #[test]
    fn agnostic_elements_take_their_neighbours_processing() {
        let queue = with_processing(ProcessingSpec::PUSH_TO_PULL);
        let unqueue = with_processing(ProcessingSpec::PULL_TO_PUSH);
        let push_src = with_processing(ProcessingSpec::PUSH);
        // src -> q -> c (agnostic) -> u -> d (agnostic)
        let nodes = [
            Node {
                name: "src",
                class: Some(&push_src),
            },
            Node {
                name: "q",
                class: Some(&queue),
            },
            node("c", "Counter"),
            Node {
                name: "u",
                class: Some(&unqueue),
            },
            node("d", "Discard"),
        ];
        let links = [
            link(0, 0, 1, 0),
            link(1, 0, 2, 0),
            link(2, 0, 3, 0),
            link(3, 0, 4, 0),
        ];
        let (r, errors) = check(&nodes, &links);
        let msgs: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(msgs, ["'src' input 0 unused"]);
        assert!(
            r.input_pull[2][0] && r.output_pull[2][0],
            "Counter between q and u pulls"
        );
        assert!(!r.input_pull[4][0], "Discard after u is pushed to");
    }

    #[test]
    fn push_to_pull_mismatches_are_reported() {
        let queue = with_processing(ProcessingSpec::PUSH_TO_PULL);
        let pull_sink = with_processing(ProcessingSpec::PULL);
        let push_src = with_processing(ProcessingSpec::PUSH);
        // q (pull output) -> c (agnostic) -> t (push Tee): c is pulled on one side and
        // pushes on the other.
        let nodes = [
            Node {
                name: "q",
                class: Some(&queue),
            },
            node("c", "Counter"),
            node("t", "Tee"),
            Node {
                name: "s",
                class: Some(&push_src),
            },
            Node {
                name: "p",
                class: Some(&pull_sink),
            },
            node("d", "Discard"),
        ];
        let links = [
            link(0, 0, 1, 0),
            link(1, 0, 2, 0),
            link(3, 0, 4, 0),
            link(2, 0, 5, 0),
            link(4, 0, 0, 0),
        ];
        let (_, errors) = check(&nodes, &links);
        let msgs: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            msgs.contains(&"'s' push output 0 connected to 'p' pull input 0"),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("agnostic 'c' in mixed context")
                    || m.contains("connected to 't' push input 0")),
            "{msgs:?}"
        );
    }

    #[test]
    fn unknown_classes_cause_no_push_pull_reuse_or_unused_errors() {
        let queue = with_processing(ProcessingSpec::PUSH_TO_PULL);
        let unknown = |name| Node { name, class: None };
        // q (pull output) -> u1 (unknown, e.g. a pull-to-push unqueue) -> c (agnostic)
        // -> t (push Tee); t[1] -> u2 (unknown) and t[0] -> u2 too; u2 uses only input 1.
        let nodes = [
            Node {
                name: "q",
                class: Some(&queue),
            },
            unknown("u1"),
            node("c", "Counter"),
            node("t", "Tee"),
            unknown("u2"),
            node("s", "InfiniteSource"),
        ];
        let links = [
            link(5, 0, 0, 0),
            link(0, 0, 1, 0),
            link(1, 0, 2, 0),
            link(2, 0, 3, 0),
            link(3, 0, 4, 1),
            link(3, 1, 4, 1),
        ];
        let (_, errors) = check(&nodes, &links);
        assert!(errors.is_empty(), "{errors:?}");
        // A known element's own unused port is still reported next to an unknown one.
        let nodes = [unknown("u"), node("t", "Tee"), node("d", "Discard")];
        let links = [link(0, 0, 1, 0), link(1, 1, 2, 0)];
        let (_, errors) = check(&nodes, &links);
        let msgs: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(msgs, ["'t' output 0 unused"]);
    }
}
