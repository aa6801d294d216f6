//! Read-only memory maps of whole files: what `sluice` registers with
//! `sluice_elements::io::mapped::set_file_mapper`, so FromDump reads its pcap file where the
//! page cache holds it (Click's FromDump maps its file too).

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

use sluice_elements::io::mapped::Mapping;

/// Files up to this size have all their pages mapped at once (`MAP_POPULATE`): one system
/// call instead of a page fault every few pages. A larger file is mapped lazily and read
/// ahead by the kernel, so a huge capture does not have to sit in memory before the first
/// packet goes out.
const POPULATE_MAX: u64 = 256 << 20;

/// A whole file mapped read-only and private. Unmapped when dropped.
pub struct MappedFile {
    start: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only memory that this value alone unmaps; nothing in it is
// tied to the thread that made it.
unsafe impl Send for MappedFile {}

// SAFETY: `MappedFile` only hands out shared `&[u8]` views of read-only memory.
unsafe impl Sync for MappedFile {}

impl MappedFile {
    /// Maps `file` whole. Fails for what `mmap` refuses (a pipe, a character device) and
    /// for a file too large for the address space; an empty file maps to no bytes.
    pub fn map(file: &File) -> io::Result<MappedFile> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "only regular files are mapped",
            ));
        }
        let len = usize::try_from(meta.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large to map"))?;
        if len == 0 {
            return Ok(MappedFile {
                start: NonNull::dangling(),
                len: 0,
            });
        }
        let mut flags = libc::MAP_PRIVATE;
        if meta.len() <= POPULATE_MAX {
            flags |= libc::MAP_POPULATE;
        }
        // SAFETY: a fresh mapping at an address the kernel chooses: it cannot overlap any
        // memory Rust owns. The descriptor is open for the duration of the call.
        let addr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ,
                flags,
                file.as_raw_fd(),
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let Some(start) = NonNull::new(addr.cast::<u8>()) else {
            return Err(io::Error::other("mmap returned a null mapping"));
        };
        if meta.len() > POPULATE_MAX {
            // Only advice: a kernel that ignores it reads the file all the same.
            // SAFETY: the range is exactly the mapping just made.
            let _ = unsafe { libc::madvise(addr, len, libc::MADV_SEQUENTIAL) };
        }
        Ok(MappedFile { start, len })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `start..start + len` is a live read-only mapping owned by `self` (unmapped
        // only in `drop`), and every byte value is a valid `u8`. The mapping is private, so
        // our own writes could not change it; another program writing the file can change
        // the bytes read (they stay plain bytes), and one truncating it makes reads past the
        // new end raise SIGBUS, as with Click's mapped FromDump (documented there, with
        // `MMAP false` as the way out).
        unsafe { core::slice::from_raw_parts(self.start.as_ptr(), self.len) }
    }
}

impl AsRef<[u8]> for MappedFile {
    fn as_ref(&self) -> &[u8] {
        self.bytes()
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        if self.len == 0 {
            return;
        }
        // SAFETY: the range is the mapping `map` made, and no view of it outlives `self`
        // (`bytes` borrows `self`).
        let _ = unsafe { libc::munmap(self.start.as_ptr().cast(), self.len) };
    }
}

impl core::fmt::Debug for MappedFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MappedFile({} bytes)", self.len)
    }
}

/// Maps `file` whole for FromDump: what `sluice` registers with
/// `sluice_elements::io::mapped::set_file_mapper`.
pub fn map_file(file: &File) -> io::Result<Mapping> {
    Ok(Box::new(MappedFile::map(file)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("sluice-mapped-{}-{name}", std::process::id()));
        let mut f = File::create(&path).unwrap();
        f.write_all(bytes).unwrap();
        path
    }

    #[test]
    fn a_mapped_file_reads_as_its_bytes() {
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let path = temp_file("bytes", &bytes);
        let map = MappedFile::map(&File::open(&path).unwrap()).unwrap();
        assert_eq!(map.bytes(), &bytes[..]);
        drop(map);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn an_empty_file_maps_to_no_bytes() {
        let path = temp_file("empty", b"");
        let map = MappedFile::map(&File::open(&path).unwrap()).unwrap();
        assert!(map.bytes().is_empty());
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn what_is_not_a_regular_file_is_not_mapped() {
        let dir = File::open(std::env::temp_dir()).unwrap();
        assert_eq!(
            MappedFile::map(&dir).err().unwrap().kind(),
            io::ErrorKind::Unsupported
        );
        let null = File::open("/dev/null").unwrap();
        assert!(MappedFile::map(&null).is_err());
    }
}
