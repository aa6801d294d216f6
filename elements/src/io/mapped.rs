//! Reading a file through a memory map, as Click's FromDump does by default (`MMAP true`):
//! the file's bytes are read where the kernel's page cache holds them, not copied into a
//! read buffer first.
//!
//! This crate is `#![forbid(unsafe_code)]`, so it cannot map a file itself. A program that
//! can (the `sluice` command and compiled programs, with `sluice-drivers`) registers a
//! mapper at start with [`set_file_mapper`]; FromDump maps its file through [`map_file`]
//! and reads it with a [`MappedReader`]. Without a mapper, or when a file cannot be mapped
//! (a pipe, a character device), FromDump reads the file through a buffer instead.

use alloc::boxed::Box;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::sync::{PoisonError, RwLock};

/// A file's bytes, mapped (or, in tests, any bytes at all).
pub type Mapping = Box<dyn AsRef<[u8]> + Send>;

/// A function that maps a whole file read-only.
pub type FileMapper = fn(&File) -> io::Result<Mapping>;

/// The registered mapper (an `RwLock` so a test can register its own at any time).
static MAPPER: RwLock<Option<FileMapper>> = RwLock::new(None);

/// Registers the function that maps files, for the whole process (the `sluice` program
/// registers `sluice_drivers::host::map_file` as it starts). A later call replaces it.
pub fn set_file_mapper(f: FileMapper) {
    *MAPPER.write().unwrap_or_else(PoisonError::into_inner) = Some(f);
}

/// Maps `file` with the registered mapper; `Unsupported` if none is registered.
pub fn map_file(file: &File) -> io::Result<Mapping> {
    let mapper = *MAPPER.read().unwrap_or_else(PoisonError::into_inner);
    match mapper {
        Some(map) => map(file),
        None => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no file mapping in this program",
        )),
    }
}

/// Reads a mapping from its start: `Read` copies out of it, `BufRead` lends the rest of it
/// whole, so a reader that parses from `fill_buf` never copies a byte it does not keep.
pub struct MappedReader {
    map: Mapping,
    pos: usize,
}

impl MappedReader {
    /// A reader at the start of `map`.
    pub fn new(map: Mapping) -> Self {
        MappedReader { map, pos: 0 }
    }

    fn rest(&self) -> &[u8] {
        let bytes = (*self.map).as_ref();
        bytes.get(self.pos..).unwrap_or_default()
    }
}

impl Read for MappedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.rest();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl BufRead for MappedReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(self.rest())
    }

    fn consume(&mut self, amt: usize) {
        self.pos += amt.min(self.rest().len());
    }
}

impl core::fmt::Debug for MappedReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MappedReader")
            .field("len", &(*self.map).as_ref().len())
            .field("pos", &self.pos)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn reader(bytes: &[u8]) -> MappedReader {
        MappedReader::new(Box::new(bytes.to_vec()))
    }

    #[test]
    fn reads_lends_and_consumes_in_order() {
        let mut r = reader(b"abcdefgh");
        let mut two = [0u8; 2];
        assert_eq!(r.read(&mut two).unwrap(), 2);
        assert_eq!(&two, b"ab");
        assert_eq!(r.fill_buf().unwrap(), b"cdefgh");
        r.consume(3);
        assert_eq!(r.fill_buf().unwrap(), b"fgh");
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"fgh");
        assert_eq!(r.read(&mut two).unwrap(), 0);
        assert!(r.fill_buf().unwrap().is_empty());
    }

    #[test]
    fn consuming_past_the_end_stops_at_the_end() {
        let mut r = reader(b"abc");
        r.consume(10);
        assert!(r.fill_buf().unwrap().is_empty());
        let mut one = [0u8; 1];
        assert_eq!(r.read(&mut one).unwrap(), 0);
    }

    #[test]
    fn an_empty_mapping_reads_nothing() {
        let mut r = reader(b"");
        assert!(r.fill_buf().unwrap().is_empty());
        assert_eq!(r.read(&mut [0u8; 4]).unwrap(), 0);
    }
}
