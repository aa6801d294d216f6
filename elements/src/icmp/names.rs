//! Click's ICMP name tables (`elements/ip/ipnameinfo.cc`): the names configurations may use
//! for ICMP types and, per type, for codes, as ICMPError and IPClassifier read them.

use crate::wire::icmp::{msg_type, param_problem, redirect, time_exceeded, unreachable};

/// ICMP type names (Click's `NameInfo::T_ICMP_TYPE` database).
pub const ICMP_TYPES: &[(&str, u8)] = &[
    ("echo", msg_type::ECHO_REQUEST),
    ("echo-reply", msg_type::ECHO_REPLY),
    ("inforeq", msg_type::INFO_REQUEST),
    ("inforeq-reply", msg_type::INFO_REPLY),
    ("maskreq", msg_type::ADDRESS_MASK_REQUEST),
    ("maskreq-reply", msg_type::ADDRESS_MASK_REPLY),
    ("parameterproblem", msg_type::PARAMETER_PROBLEM),
    ("redirect", msg_type::REDIRECT),
    ("routeradvert", msg_type::ROUTER_ADVERT),
    ("routersolicit", msg_type::ROUTER_SOLICIT),
    ("sourcequench", msg_type::SOURCE_QUENCH),
    ("timeexceeded", msg_type::TIME_EXCEEDED),
    ("timestamp", msg_type::TIMESTAMP_REQUEST),
    ("timestamp-reply", msg_type::TIMESTAMP_REPLY),
    ("unreachable", msg_type::DEST_UNREACHABLE),
];

const UNREACHABLE_CODES: &[(&str, u8)] = &[
    ("filterprohibited", unreachable::FILTER_PROHIBITED),
    ("host", unreachable::HOST),
    ("hostprecedence", unreachable::HOST_PRECEDENCE),
    ("hostprohibited", unreachable::HOST_PROHIBITED),
    ("hostunknown", unreachable::HOST_UNKNOWN),
    ("isolated", unreachable::HOST_ISOLATED),
    ("needfrag", unreachable::NEED_FRAG),
    ("net", unreachable::NET),
    ("netprohibited", unreachable::NET_PROHIBITED),
    ("netunknown", unreachable::NET_UNKNOWN),
    ("port", unreachable::PORT),
    ("precedencecutoff", unreachable::PRECEDENCE_CUTOFF),
    ("protocol", unreachable::PROTOCOL),
    ("srcroutefail", unreachable::SOURCE_ROUTE_FAILED),
    ("toshost", unreachable::TOS_HOST),
    ("tosnet", unreachable::TOS_NET),
];

const REDIRECT_CODES: &[(&str, u8)] = &[
    ("host", redirect::HOST),
    ("net", redirect::NET),
    ("toshost", redirect::TOS_HOST),
    ("tosnet", redirect::TOS_NET),
];

const TIME_EXCEEDED_CODES: &[(&str, u8)] = &[
    ("reassembly", time_exceeded::REASSEMBLY),
    ("transit", time_exceeded::TTL),
];

const PARAMETER_PROBLEM_CODES: &[(&str, u8)] = &[
    ("erroratptr", param_problem::POINTER),
    ("length", param_problem::BAD_LENGTH),
    ("missingopt", param_problem::OPTION_MISSING),
];

/// The code names Click knows for ICMP type `icmp_type` (`T_ICMP_CODE + type`); empty for
/// types without named codes.
pub fn icmp_codes(icmp_type: u8) -> &'static [(&'static str, u8)] {
    match icmp_type {
        msg_type::DEST_UNREACHABLE => UNREACHABLE_CODES,
        msg_type::REDIRECT => REDIRECT_CODES,
        msg_type::TIME_EXCEEDED => TIME_EXCEEDED_CODES,
        msg_type::PARAMETER_PROBLEM => PARAMETER_PROBLEM_CODES,
        _ => &[],
    }
}

/// The value of `name` in `table` (exact, case-sensitive match, as Click's `StaticNameDB`).
pub fn lookup(table: &[(&str, u8)], name: &str) -> Option<u8> {
    table.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_codes_resolve_as_click() {
        assert_eq!(lookup(ICMP_TYPES, "timeexceeded"), Some(11));
        assert_eq!(lookup(ICMP_TYPES, "unreachable"), Some(3));
        assert_eq!(lookup(ICMP_TYPES, "TimeExceeded"), None);
        assert_eq!(lookup(icmp_codes(3), "needfrag"), Some(4));
        assert_eq!(lookup(icmp_codes(3), "isolated"), Some(8));
        assert_eq!(lookup(icmp_codes(5), "host"), Some(1));
        assert_eq!(lookup(icmp_codes(11), "transit"), Some(0));
        assert_eq!(lookup(icmp_codes(11), "reassembly"), Some(1));
        assert_eq!(lookup(icmp_codes(12), "missingopt"), Some(1));
        assert_eq!(lookup(icmp_codes(12), "length"), Some(2));
        // Source quench has no code names in Click.
        assert!(icmp_codes(4).is_empty());
        assert_eq!(lookup(icmp_codes(11), "needfrag"), None);
    }
}
