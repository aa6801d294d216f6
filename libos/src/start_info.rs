//! The PVH start-of-day structure (`hvm_start_info`, Xen's `arch-x86/hvm/start_info.h`):
//! what the VMM tells the guest about memory and its command line.
//!
//! Parsing works on bytes, so it is tested on the host; the guest reads the bytes from the
//! physical addresses the structure gives.

/// `hvm_start_info.magic`.
pub const MAGIC: u32 = 0x336e_c578;
/// Size of the header (version 1, with the memory map fields).
pub const HEADER_LEN: usize = 56;
/// Size of one memory map entry.
pub const MEMMAP_ENTRY_LEN: usize = 24;
/// Memory map type of usable RAM.
pub const RAM: u32 = 1;

/// The fields of `hvm_start_info` the guest uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartInfo {
    /// Structure version (1 has the memory map).
    pub version: u32,
    /// Physical address of the NUL-terminated command line (0: none).
    pub cmdline_paddr: u64,
    /// Physical address of the ACPI RSDP (0: none).
    pub rsdp_paddr: u64,
    /// Physical address of the memory map.
    pub memmap_paddr: u64,
    /// Number of memory map entries.
    pub memmap_entries: u32,
}

/// Why the start-of-day structure is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartInfoError {
    /// not a PVH start-info structure (bad magic)
    BadMagic(u32),
    /// the structure has no memory map (version 0)
    NoMemoryMap,
    /// the structure is truncated
    Truncated,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

impl StartInfo {
    /// Reads the header from its first [`HEADER_LEN`] bytes.
    pub fn parse(b: &[u8]) -> Result<StartInfo, StartInfoError> {
        if b.len() < HEADER_LEN {
            return Err(StartInfoError::Truncated);
        }
        let magic = u32_at(b, 0);
        if magic != MAGIC {
            return Err(StartInfoError::BadMagic(magic));
        }
        let version = u32_at(b, 4);
        if version < 1 {
            return Err(StartInfoError::NoMemoryMap);
        }
        Ok(StartInfo {
            version,
            cmdline_paddr: u64_at(b, 24),
            rsdp_paddr: u64_at(b, 32),
            memmap_paddr: u64_at(b, 40),
            memmap_entries: u32_at(b, 48),
        })
    }
}

/// One memory map entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryRegion {
    /// First byte.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
    /// E820 type ([`RAM`] is usable).
    pub kind: u32,
}

impl MemoryRegion {
    /// One past the last byte (saturating).
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// The entries of a memory map table (`entries * 24` bytes); a trailing partial entry is
/// ignored.
pub fn memory_map(b: &[u8]) -> impl Iterator<Item = MemoryRegion> + '_ {
    b.chunks_exact(MEMMAP_ENTRY_LEN).map(|e| MemoryRegion {
        start: u64_at(e, 0),
        len: u64_at(e, 8),
        kind: u32_at(e, 16),
    })
}

/// The heap's range: the largest piece of usable RAM at or above `floor` (the end of the
/// image) and below `ceiling` (the end of the identity mapping), page-aligned. Entries of
/// other types and empty entries (microvm adds an all-zero one) are skipped.
pub fn heap_range(
    regions: impl Iterator<Item = MemoryRegion>,
    floor: u64,
    ceiling: u64,
) -> Option<(u64, u64)> {
    const PAGE: u64 = 4096;
    regions
        .filter(|r| r.kind == RAM && r.len > 0)
        .filter_map(|r| {
            let start = r.start.max(floor).checked_add(PAGE - 1)? & !(PAGE - 1);
            let end = r.end().min(ceiling) & !(PAGE - 1);
            (end > start).then_some((start, end))
        })
        .max_by_key(|&(s, e)| e - s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: u32, version: u32) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..4].copy_from_slice(&magic.to_le_bytes());
        b[4..8].copy_from_slice(&version.to_le_bytes());
        b[24..32].copy_from_slice(&0x1234u64.to_le_bytes());
        b[40..48].copy_from_slice(&0x5000u64.to_le_bytes());
        b[48..52].copy_from_slice(&3u32.to_le_bytes());
        b
    }

    fn entry(start: u64, len: u64, kind: u32) -> [u8; 24] {
        let mut e = [0u8; 24];
        e[0..8].copy_from_slice(&start.to_le_bytes());
        e[8..16].copy_from_slice(&len.to_le_bytes());
        e[16..20].copy_from_slice(&kind.to_le_bytes());
        e
    }

    #[test]
    fn header_fields() {
        let info = StartInfo::parse(&header(MAGIC, 1)).unwrap();
        assert_eq!(info.cmdline_paddr, 0x1234);
        assert_eq!(info.memmap_paddr, 0x5000);
        assert_eq!(info.memmap_entries, 3);
        assert_eq!(
            StartInfo::parse(&header(7, 1)),
            Err(StartInfoError::BadMagic(7))
        );
        assert_eq!(
            StartInfo::parse(&header(MAGIC, 0)),
            Err(StartInfoError::NoMemoryMap)
        );
        assert_eq!(
            StartInfo::parse(&header(MAGIC, 1)[..20]),
            Err(StartInfoError::Truncated)
        );
    }

    #[test]
    fn heap_is_the_largest_ram_above_the_image() {
        // microvm's map: low RAM, an all-zero entry, RAM from 1 MiB to 64 MiB, a reserved hole.
        let mut table = alloc::vec::Vec::new();
        table.extend_from_slice(&entry(0, 0x9fc00, RAM));
        table.extend_from_slice(&entry(0, 0, 0));
        table.extend_from_slice(&entry(0x10_0000, 0x3f0_0000, RAM));
        table.extend_from_slice(&entry(0xfeff_c000, 0x4000, 2));
        let regions: alloc::vec::Vec<_> = memory_map(&table).collect();
        assert_eq!(regions.len(), 4);
        let image_end = 0x32_1800;
        assert_eq!(
            heap_range(regions.iter().copied(), image_end, 1 << 32),
            Some((0x32_2000, 0x400_0000))
        );
        // Nothing usable above the floor.
        assert_eq!(
            heap_range(regions.iter().copied(), 0x500_0000, 1 << 32),
            None
        );
        // The ceiling cuts a region that runs past the identity mapping.
        let big = entry(0x10_0000, 1 << 33, RAM);
        assert_eq!(
            heap_range(memory_map(&big), 0x20_0000, 1 << 32),
            Some((0x20_0000, 1 << 32))
        );
    }
}
