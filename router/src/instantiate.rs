//! From a flat configuration to configured elements: class lookup (with "did you mean"),
//! Click's connection checks, `AddressInfo` names, and every element's own configuration,
//! with every error located and all of them reported together.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use sluice_elements::element::args::{split_args, ArgError, Args, Resolver, Span as ArgSpan};
use sluice_elements::element::{ConfigContext, DynElement, Ports};
use sluice_elements::standard::parse_address_info_arg;
use sluice_elements::wire::{EthernetAddress, Ipv4Address, Ipv4Prefix};

use crate::graph::check::{check, GraphError, Hookup, Link, Node, Resolved, Subject};
use crate::lang::{FlatConfig, LangError, Span};
use crate::registry::{self, ClassInfo};

/// A checked, configured router, ready for the runtime.
pub struct Instance {
    /// The flat configuration it was built from.
    pub flat: FlatConfig,
    /// Each element's class.
    pub classes: Vec<&'static ClassInfo>,
    /// Each element, configured.
    pub elements: Vec<Box<dyn DynElement>>,
    /// Port counts and push/pull resolution.
    pub resolved: Resolved,
}

/// What a check found: the errors, and the instance if there were none.
pub struct Checked {
    /// The instance, when the configuration is correct.
    pub instance: Option<Instance>,
    /// Every error, in source order.
    pub errors: Vec<LangError>,
}

/// Names `AddressInfo` elements define, for element arguments.
#[derive(Debug, Default, Clone)]
pub struct AddressNames {
    ipv4: BTreeMap<String, Vec<Ipv4Prefix>>,
    ip: BTreeMap<String, Ipv4Address>,
    ether: BTreeMap<String, EthernetAddress>,
    elements: BTreeMap<String, usize>,
    patterns: BTreeMap<String, String>,
}

/// `name` without the type suffix `suffix` (Click's `NAME:ip`, `NAME:ipnet`, `NAME:eth`,
/// which make an AddressInfo name's kind explicit), or `name` itself.
fn unsuffixed<'a>(name: &'a str, suffix: &str) -> &'a str {
    name.strip_suffix(suffix)
        .and_then(|n| n.strip_suffix(':'))
        .unwrap_or(name)
}

/// Host interfaces as addresses, as user-level Click resolves them when no AddressInfo
/// defines the name: `eth0` (or `eth0:ip`) is the interface's IPv4 address, `eth0:ipnet` its
/// address and prefix, `eth0:eth` its MAC address, `eth0:bcast` its broadcast address and
/// `eth0:gw` the gateway of its default route. Only host programs look (the `sluice`
/// program registers the lookup); a guest image has no host interfaces.
#[cfg(feature = "std")]
mod host {
    use sluice_elements::io::device::{interface_addresses, InterfaceAddresses};
    use sluice_elements::wire::{EthernetAddress, Ipv4Address, Ipv4Prefix};

    fn lookup<'a>(name: &'a str, suffixes: &[&str]) -> Option<(&'a str, InterfaceAddresses)> {
        let dev = suffixes
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        Some((dev, interface_addresses(dev)?))
    }

    fn broadcast(a: &InterfaceAddresses) -> Option<Ipv4Address> {
        let ip = u32::from_be_bytes(a.ip?.0);
        let host_bits = u32::MAX.checked_shr(u32::from(a.prefix_len)).unwrap_or(0);
        Some(Ipv4Address((ip | host_bits).to_be_bytes()))
    }

    pub fn ip(name: &str) -> Option<Ipv4Address> {
        if let Some(dev) = name.strip_suffix(":gw") {
            return interface_addresses(dev)?.gateway;
        }
        if let Some(dev) = name.strip_suffix(":bcast") {
            return broadcast(&interface_addresses(dev)?);
        }
        lookup(name, &[":ip"])?.1.ip
    }

    pub fn prefix(name: &str) -> Option<Ipv4Prefix> {
        let (_, a) = lookup(name, &[":ipnet"])?;
        Some(Ipv4Prefix::new(a.ip?, a.prefix_len))
    }

    pub fn ether(name: &str) -> Option<EthernetAddress> {
        lookup(name, &[":eth"])?.1.mac
    }
}

impl Resolver for AddressNames {
    fn ip_address(&self, name: &str) -> Option<Ipv4Address> {
        // Only names given an address (`a 10.0.0.1`, `a 10.0.0.1/8`); a network alone
        // (`n 10.0.0.0/8`) is not an address, as in Click.
        let found = self.ip.get(unsuffixed(name, "ip")).copied();
        #[cfg(feature = "std")]
        let found = found.or_else(|| host::ip(name));
        found
    }

    fn ip_prefix(&self, name: &str) -> Option<Ipv4Prefix> {
        // A name with an address and a prefix (`10.0.0.1/8`) stands for both.
        let found = self
            .ipv4
            .get(unsuffixed(name, "ipnet"))
            .and_then(|p| p.last().copied());
        #[cfg(feature = "std")]
        let found = found.or_else(|| host::prefix(name));
        found
    }

    fn ether_address(&self, name: &str) -> Option<EthernetAddress> {
        let found = self.ether.get(unsuffixed(name, "eth")).copied();
        #[cfg(feature = "std")]
        let found = found.or_else(|| host::ether(name));
        found
    }

    fn element(&self, name: &str) -> Option<usize> {
        self.elements.get(name).copied()
    }

    fn rewriter_pattern(&self, name: &str) -> Option<String> {
        self.patterns.get(name).cloned()
    }
}

impl AddressNames {
    /// Reads every `AddressInfo` element's `NAME ADDRESS...` arguments. Malformed entries
    /// are left to AddressInfo's own configuration to report.
    pub fn from_flat(flat: &FlatConfig) -> Self {
        let mut names = AddressNames::default();
        for (i, e) in flat.elements.iter().enumerate() {
            names.elements.insert(e.name.clone(), i);
            if e.class == "IPRewriterPatterns" {
                // `NAME PATTERN...`: IPRewriterPatterns reports malformed ones itself.
                for arg in split_args(&e.config, 0) {
                    let mut words = arg.text.split_whitespace();
                    if let Some(name) = words.next() {
                        let pattern: Vec<&str> = words.collect();
                        names
                            .patterns
                            .entry(name.to_string())
                            .or_insert_with(|| pattern.join(" "));
                    }
                }
                continue;
            }
            if e.class != "AddressInfo" {
                continue;
            }
            for arg in split_args(&e.config, 0) {
                // Malformed entries are AddressInfo's own configuration errors.
                let Ok(Some(entry)) = parse_address_info_arg(&arg.text) else {
                    continue;
                };
                let mut prefixes = Vec::new();
                if let Some(p) = entry.prefix() {
                    prefixes.push(p);
                }
                if let Some(ip) = entry.ip() {
                    prefixes.insert(0, Ipv4Prefix::new(ip, 32));
                    names.ip.insert(entry.name.clone(), ip);
                }
                if !prefixes.is_empty() {
                    names.ipv4.insert(entry.name.clone(), prefixes);
                }
                if let Some(eth) = entry.ether() {
                    names.ether.insert(entry.name, eth);
                }
            }
        }
        names
    }
}

/// Looks up classes, checks connections and configures every element of `flat`.
pub fn instantiate(flat: FlatConfig) -> Checked {
    let mut errors: Vec<LangError> = Vec::new();
    let with_context = |mut e: LangError, ctx: &[Span]| {
        for &used in ctx {
            e = e.with_note(Some(used), "in the compound element used here");
        }
        e
    };

    let classes: Vec<Option<&'static ClassInfo>> = flat
        .elements
        .iter()
        .map(|e| registry::lookup(&e.class))
        .collect();
    for (e, class) in flat.elements.iter().zip(&classes) {
        if class.is_none() {
            let mut err =
                LangError::new(e.decl_span, format!("unknown element class '{}'", e.class));
            if let Some(s) = registry::suggest(&e.class) {
                err = err.with_note(None, format!("did you mean '{s}'?"));
            }
            errors.push(with_context(err, &e.context));
        }
    }

    let nodes: Vec<Node<'_>> = flat
        .elements
        .iter()
        .zip(&classes)
        .map(|(e, c)| Node {
            name: &e.name,
            class: *c,
        })
        .collect();
    let links: Vec<Link> = flat
        .connections
        .iter()
        .map(|c| Link {
            from: Hookup {
                element: c.from.element,
                port: c.from.port as usize,
            },
            to: Hookup {
                element: c.to.element,
                port: c.to.port as usize,
            },
        })
        .collect();
    let (resolved, graph_errors) = check(&nodes, &links);
    for GraphError { subject, message } in graph_errors {
        let (span, ctx): (Span, &[Span]) = match subject {
            Subject::Link(c) => (flat.connections[c].span, &[]),
            Subject::Element(i) => (flat.elements[i].decl_span, &flat.elements[i].context),
        };
        errors.push(with_context(LangError::new(span, message), ctx));
    }

    let names = AddressNames::from_flat(&flat);
    let mut elements: Vec<Box<dyn DynElement>> = Vec::new();
    for (i, (e, class)) in flat.elements.iter().zip(&classes).enumerate() {
        let Some(class) = class else { continue };
        let base = e.config_span.start as usize;
        let args = split_args(&e.config, base);
        let whole = ArgSpan {
            start: base,
            end: base + e.config.len(),
        };
        let reader = Args::new(&args, whole, &names);
        let (nin, nout) = resolved.ports[i];
        let cx = ConfigContext {
            name: &e.name,
            ports: Ports {
                inputs: nin,
                outputs: nout,
            },
            input_pull: &resolved.input_pull[i],
            output_pull: &resolved.output_pull[i],
        };
        match (class.construct)(reader, &cx) {
            Ok(el) => elements.push(el),
            Err(config_errors) => {
                for ArgError { span, message } in config_errors.errors {
                    let span = located(e.config_span, span);
                    let err = LangError::new(span, format!("{}: {message}", e.class))
                        .with_note(Some(e.decl_span), format!("while configuring '{}'", e.name));
                    errors.push(with_context(err, &e.context));
                }
            }
        }
    }

    errors.sort_by_key(|e| (e.span.file, e.span.start));
    let instance = if errors.is_empty() {
        let classes = classes.into_iter().flatten().collect();
        Some(Instance {
            flat,
            classes,
            elements,
            resolved,
        })
    } else {
        None
    };
    Checked { instance, errors }
}

/// An argument's span in the file: the reader's offsets, kept inside the configuration
/// string's span (parameter substitution can make the configuration longer than its text).
fn located(config: Span, arg: ArgSpan) -> Span {
    let start = arg.start.clamp(config.start as usize, config.end as usize);
    let end = arg.end.clamp(start, (config.end as usize).max(start));
    Span::new(config.file, start, end)
}

/// A one-line summary of an instance, for `sluice check`.
pub fn summary(instance: &Instance) -> String {
    let n = instance.elements.len();
    let c = instance.flat.connections.len();
    let mut classes: Vec<&str> = instance.classes.iter().map(|c| c.name).collect();
    classes.sort_unstable();
    classes.dedup();
    format!("{n} elements of {} classes, {c} connections", classes.len()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipclassifier_net_takes_address_info_networks() {
        // `n` is a network only; `intern` is an address and its network.
        let text = "AddressInfo(n 10.0.0.0/8, intern 10.0.0.1/8);\n\
                    InfiniteSource(LIMIT 1, STOP true) -> Strip(14) -> CheckIPHeader\n\
                    -> c :: IPClassifier(src net n, dst net intern, dst host intern, -);\n\
                    c[0] -> Discard; c[1] -> Discard; c[2] -> Discard; c[3] -> Discard;";
        let (_, flat, errors) = crate::lang::flatten_str("t.click", text, &Default::default());
        assert!(errors.is_empty(), "{errors:?}");
        let checked = instantiate(flat);
        assert!(checked.errors.is_empty(), "{:?}", checked.errors);
        let names = AddressNames::from_flat(&checked.instance.expect("checked").flat);
        assert_eq!(names.ip_address("n"), None);
        assert_eq!(
            names.ip_address("intern"),
            Some(Ipv4Address::new(10, 0, 0, 1))
        );
        assert_eq!(names.ip_prefix("n").map(|p| p.len()), Some(Some(8)));
    }
    use crate::lang::{flatten_str, FlattenOptions};

    /// The messages `instantiate` reports for `text`.
    fn messages(text: &str) -> Vec<String> {
        let (_, flat, errs) = flatten_str("t.click", text, &FlattenOptions::default());
        assert!(errs.is_empty(), "{errs:?}");
        instantiate(flat)
            .errors
            .iter()
            .map(|e| e.message.clone())
            .collect()
    }

    #[test]
    fn address_info_names_take_click_type_suffixes() {
        let text = "AddressInfo(a 10.0.0.1 10.0.0.0/8 00:50:ba:85:84:a9, b 02:00:0a:11:22:1f);
            InfiniteSource(LIMIT 1, STOP true)
            -> EtherEncap(0x0800, a:eth, b:eth)
            -> Strip(14) -> SetIPAddress(a:ip) -> Discard;";
        assert_eq!(messages(text), Vec::<String>::new());
        let text = "AddressInfo(a 10.0.0.1);
            InfiniteSource(LIMIT 1, STOP true) -> EtherEncap(0x0800, a:eth, a:eth) -> Discard;";
        assert_eq!(messages(text).len(), 2, "a has no Ethernet address");
    }

    #[test]
    fn unknown_classes_cause_no_connection_errors_on_their_neighbours() {
        // `Unqueue2` stands for a pull-to-push class Sluice lacks: the push/pull of its
        // ports is unknown, so only the unknown class is reported.
        let text = "InfiniteSource(LIMIT 1, STOP true) -> q :: Queue -> u :: Unqueue2
            -> Counter -> t :: Tee; t[0] -> Discard; t[1] -> Mystery;";
        assert_eq!(
            messages(text),
            [
                "unknown element class 'Unqueue2'",
                "unknown element class 'Mystery'"
            ]
        );
    }
}
