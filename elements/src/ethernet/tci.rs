//! The 802.1Q tag settings VLANEncap and EtherVLANEncap share: Click's `VLAN_TCI`,
//! `VLAN_PCP`, `VLAN_ID` and `NATIVE_VLAN` arguments, the tag they make, and their handlers.

use alloc::format;
use alloc::string::{String, ToString};

use crate::element::args::{Args, FromArg, NoNames};
use crate::element::values::Word;
use crate::element::HandlerError;

/// What `VLAN_TCI` said: the word `ANNO`, or a TCI value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TciWord {
    /// Take the TCI from each packet's VLAN TCI annotation.
    Anno,
    /// This TCI (PCP, DEI and VID), before `VLAN_PCP` is or-ed in.
    Value(u16),
}

/// The tag settings, kept as configured so handlers can change one of them and recompute the
/// tag as Click's reconfiguration does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TciSettings {
    pub(crate) word: Option<TciWord>,
    pub(crate) pcp: u8,
    pub(crate) id: u16,
    /// `NATIVE_VLAN`: -1 for none.
    pub(crate) native: i16,
}

/// Parses a signed integer in `lo..=hi` (Click's `BoundedIntArg`).
fn bounded(text: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let v = i64::from_arg(text, &NoNames)?;
    if v < lo {
        Err(format!("out of range, bound {lo}"))
    } else if v > hi {
        Err(format!("out of range, bound {hi}"))
    } else {
        Ok(v)
    }
}

/// Parses the `VLAN_TCI` word: `ANNO` or an integer up to 0xFFFF.
fn parse_word(text: &str) -> Result<TciWord, String> {
    if text == "ANNO" {
        return Ok(TciWord::Anno);
    }
    bounded(text, 0, 0xFFFF).map(|v| TciWord::Value(v as u16))
}

impl TciSettings {
    /// Reads `VLAN_TCI` (positional), `VLAN_PCP` (positional), `VLAN_ID` and `NATIVE_VLAN`
    /// (keywords), in Click's order, recording errors in `args`.
    pub(crate) fn read(args: &mut Args<'_>) -> TciSettings {
        let mut s = TciSettings {
            word: None,
            pcp: 0,
            id: 0,
            native: 0,
        };
        if let Some(Word(w)) = args.positional::<Word>("VLAN_TCI") {
            let span = args.last_span();
            match parse_word(&w) {
                Ok(word) => s.word = Some(word),
                Err(e) => args.error(span, format!("VLAN_TCI: {e}")),
            }
        }
        if let Some(pcp) = args.positional::<i64>("VLAN_PCP") {
            Self::check(args, "VLAN_PCP", pcp, 0, 7, |v| s.pcp = v as u8);
        }
        if let Some(id) = args.keyword::<i64>("VLAN_ID") {
            Self::check(args, "VLAN_ID", id, 0, 0xFFF, |v| s.id = v as u16);
        }
        if let Some(native) = args.keyword::<i64>("NATIVE_VLAN") {
            Self::check(args, "NATIVE_VLAN", native, -1, 0xFFF, |v| {
                s.native = v as i16
            });
        }
        s
    }

    fn check(args: &mut Args<'_>, kw: &str, v: i64, lo: i64, hi: i64, set: impl FnOnce(i64)) {
        if v < lo || v > hi {
            let span = args.last_span();
            let bound = if v < lo { lo } else { hi };
            args.error(span, format!("{kw}: out of range, bound {bound}"));
        } else {
            set(v);
        }
    }

    /// True if the TCI comes from the annotation.
    pub(crate) fn use_anno(&self) -> bool {
        self.word == Some(TciWord::Anno)
    }

    /// The configured TCI: `VLAN_TCI` (or `VLAN_ID`) with `VLAN_PCP` in the top bits.
    pub(crate) fn tci(&self) -> u16 {
        let base = match self.word {
            Some(TciWord::Value(v)) => v,
            _ => self.id,
        };
        base | (u16::from(self.pcp) << 13)
    }

    /// The native VLAN, whose frames leave untagged, if any.
    pub(crate) fn native_vlan(&self) -> Option<u16> {
        u16::try_from(self.native).ok()
    }

    /// Reads one of the tag handlers, or `None` if `name` is not one of them.
    pub(crate) fn read_handler(&self, name: &str) -> Option<String> {
        Some(match name {
            "vlan_tci" if self.use_anno() => "ANNO".to_string(),
            "vlan_tci" => self.tci().to_string(),
            "vlan_id" => self.id.to_string(),
            "vlan_pcp" => self.pcp.to_string(),
            "native_vlan" => self.native.to_string(),
            _ => return None,
        })
    }

    /// Writes one of the tag handlers (Click reconfigures with that one argument changed).
    /// `Ok(false)` if `name` is not one of them.
    pub(crate) fn write_handler(&mut self, name: &str, value: &str) -> Result<bool, HandlerError> {
        let value = value.trim();
        let bad = |kw: &str, e: String| HandlerError::BadValue(format!("{kw}: {e}"));
        match name {
            "vlan_tci" => self.word = Some(parse_word(value).map_err(|e| bad("VLAN_TCI", e))?),
            "vlan_id" => self.id = bounded(value, 0, 0xFFF).map_err(|e| bad("VLAN_ID", e))? as u16,
            "vlan_pcp" => self.pcp = bounded(value, 0, 7).map_err(|e| bad("VLAN_PCP", e))? as u8,
            "native_vlan" => {
                self.native = bounded(value, -1, 0xFFF).map_err(|e| bad("NATIVE_VLAN", e))? as i16
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tci_combines_id_or_value_with_pcp() {
        let mut s = TciSettings {
            word: None,
            pcp: 3,
            id: 100,
            native: 0,
        };
        assert_eq!(s.tci(), 0x6064);
        s.word = Some(TciWord::Value(0x0005));
        assert_eq!(s.tci(), 0x6005);
        assert_eq!(s.native_vlan(), Some(0));
        s.native = -1;
        assert_eq!(s.native_vlan(), None);
        assert!(s.write_handler("vlan_pcp", "8").is_err());
        assert_eq!(s.write_handler("vlan_tci", "ANNO"), Ok(true));
        assert_eq!(s.read_handler("vlan_tci").unwrap(), "ANNO");
        assert_eq!(s.write_handler("other", "1"), Ok(false));
    }
}
