//! `Packet` and `WritablePacket`: a slot, the window of it that holds data, the header
//! positions and the annotations.

use alloc::sync::Arc;
use core::fmt;

use super::{Annotations, Pool, Slot};

/// Where a packet's bytes live: a slot it owns alone, or a slot it shares read-only with
/// its clones. The last clone to drop returns a shared slot to the pool.
pub enum Buffer {
    /// The packet is the only owner; its bytes may be written after `make_unique`, which is
    /// then free.
    Unique(Slot),
    /// The bytes are shared with other packets and read-only.
    Shared(Arc<Slot>),
}

/// Storage a packet can be built on: [`Buffer`] for any packet, [`Slot`] for one whose bytes
/// may be written. Implemented only by those two.
pub trait Storage: sealed::Sealed {
    /// The whole buffer.
    fn bytes(&self) -> &[u8];
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Buffer {}
    impl Sealed for super::Slot {}
}

impl Storage for Buffer {
    #[inline]
    fn bytes(&self) -> &[u8] {
        match self {
            Buffer::Unique(slot) => slot.bytes(),
            Buffer::Shared(slot) => slot.bytes(),
        }
    }
}

impl Storage for Slot {
    #[inline]
    fn bytes(&self) -> &[u8] {
        Slot::bytes(self)
    }
}

/// A packet: a buffer slot, the window of it that holds data, header positions and
/// annotations. See the [module docs](crate::packet) for the layout.
///
/// `Packet` (that is, `Packet<Buffer>`) is what elements pass to each other; its bytes are
/// read-only because they may be shared. [`WritablePacket`] (`Packet<Slot>`) owns its slot
/// alone and can be written. Packets are not `Clone`: duplicating one is the explicit
/// [`Packet::share`].
pub struct Packet<B: Storage = Buffer> {
    buf: B,
    /// Offset of the first data byte from the buffer start.
    head: u16,
    /// Offset one past the last data byte.
    tail: u16,
    /// Offsets of the network and transport headers from the buffer start, if marked.
    network: Option<u16>,
    transport: Option<u16>,
    anno: Annotations,
}

/// A packet whose bytes this owner alone holds, so they can be written: Click's
/// `WritablePacket`. Get one from [`Packet::make_unique`] or [`Pool::make`]; give it back to
/// the graph with `.into()`.
pub type WritablePacket = Packet<Slot>;

/// The buffer has too little headroom or tailroom for the requested length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRoom;

impl fmt::Display for NoRoom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not enough room in the packet buffer")
    }
}

impl<B: Storage> Packet<B> {
    /// The data bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buf.bytes()[usize::from(self.head)..usize::from(self.tail)]
    }

    /// Length of the data in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.tail - self.head)
    }

    /// True if the packet holds no data.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    /// Bytes free in front of the data.
    #[inline]
    pub fn headroom(&self) -> usize {
        usize::from(self.head)
    }

    /// Bytes free after the data.
    #[inline]
    pub fn tailroom(&self) -> usize {
        self.buf.bytes().len() - usize::from(self.tail)
    }

    /// The whole buffer, headroom and tailroom included.
    #[inline]
    pub fn buffer(&self) -> &[u8] {
        self.buf.bytes()
    }

    /// The annotations.
    #[inline]
    pub fn anno(&self) -> &Annotations {
        &self.anno
    }

    /// The annotations, writable (annotations are never shared between clones).
    #[inline]
    pub fn anno_mut(&mut self) -> &mut Annotations {
        &mut self.anno
    }

    /// Removes `n` bytes from the front of the data (Click's `pull`), or fails with `NoRoom`
    /// if the packet is shorter than `n`. Allowed on shared packets: no byte changes.
    #[inline]
    pub fn pull(&mut self, n: usize) -> Result<(), NoRoom> {
        if n > self.len() {
            return Err(NoRoom);
        }
        self.head += n as u16;
        Ok(())
    }

    /// Removes `n` bytes from the end of the data (Click's `take`), or fails if the packet is
    /// shorter than `n`.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<(), NoRoom> {
        if n > self.len() {
            return Err(NoRoom);
        }
        self.tail -= n as u16;
        Ok(())
    }

    /// Shortens the data to `len` bytes if it is longer.
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.tail = self.head + len as u16;
        }
    }

    /// Moves the data start back by `n` bytes into the headroom without writing them
    /// (Click's `Unstrip`): the bytes there are whatever an earlier `pull` left.
    #[inline]
    pub fn unpull(&mut self, n: usize) -> Result<(), NoRoom> {
        if n > self.headroom() {
            return Err(NoRoom);
        }
        self.head -= n as u16;
        Ok(())
    }

    /// Offset of the network header from the data start (negative if it was stripped), if
    /// one was marked.
    #[inline]
    pub fn network_header_offset(&self) -> Option<isize> {
        self.network.map(|n| n as isize - self.head as isize)
    }

    /// The bytes from the network header to the end of the data, if a network header was
    /// marked and still lies within the data window's end.
    #[inline]
    pub fn network_header(&self) -> Option<&[u8]> {
        let n = usize::from(self.network?);
        self.buf.bytes().get(n..usize::from(self.tail))
    }

    /// Offset of the transport header from the data start, if marked.
    #[inline]
    pub fn transport_header_offset(&self) -> Option<isize> {
        self.transport.map(|t| t as isize - self.head as isize)
    }

    /// The bytes from the transport header to the end of the data, if marked.
    #[inline]
    pub fn transport_header(&self) -> Option<&[u8]> {
        let t = usize::from(self.transport?);
        self.buf.bytes().get(t..usize::from(self.tail))
    }

    /// Length of the network header (transport offset minus network offset), if both are
    /// marked and in order.
    #[inline]
    pub fn network_header_length(&self) -> Option<usize> {
        let (n, t) = (self.network?, self.transport?);
        t.checked_sub(n).map(usize::from)
    }

    /// Marks the network header at `offset` bytes from the data start, `len` bytes long, and
    /// the transport header right after it (Click's `set_network_header(p, len)`, as
    /// CheckIPHeader and MarkIPHeader do). Fails if either lies beyond the data.
    pub fn set_network_header(&mut self, offset: usize, len: usize) -> Result<(), NoRoom> {
        let start = usize::from(self.head) + offset;
        let end = start + len;
        if end > usize::from(self.tail) {
            return Err(NoRoom);
        }
        self.network = Some(start as u16);
        self.transport = Some(end as u16);
        Ok(())
    }

    /// Moves the transport header mark to `offset` bytes from the data start.
    pub fn set_transport_header(&mut self, offset: usize) -> Result<(), NoRoom> {
        let at = usize::from(self.head) + offset;
        if at > usize::from(self.tail) {
            return Err(NoRoom);
        }
        self.transport = Some(at as u16);
        Ok(())
    }

    /// Forgets the header marks.
    pub fn clear_headers(&mut self) {
        self.network = None;
        self.transport = None;
    }
}

/// Everything of a packet but its buffer: the positions and the annotations.
#[derive(Clone, Copy)]
struct Marks {
    head: u16,
    tail: u16,
    network: Option<u16>,
    transport: Option<u16>,
    anno: Annotations,
}

impl<B: Storage> Packet<B> {
    #[inline(always)]
    fn marks(&self) -> Marks {
        Marks {
            head: self.head,
            tail: self.tail,
            network: self.network,
            transport: self.transport,
            anno: self.anno,
        }
    }

    #[inline(always)]
    fn into_parts(self) -> (B, Marks) {
        let marks = self.marks();
        (self.buf, marks)
    }

    #[inline(always)]
    fn from_parts(buf: B, m: Marks) -> Self {
        Packet {
            buf,
            head: m.head,
            tail: m.tail,
            network: m.network,
            transport: m.transport,
            anno: m.anno,
        }
    }
}

impl Packet<Buffer> {
    /// Tailroom bytes `make_unique` copies along with the data.
    const TAIL_COPY: usize = 64;

    /// True if the bytes are shared with another packet.
    #[inline]
    pub fn is_shared(&self) -> bool {
        matches!(self.buf, Buffer::Shared(_))
    }

    /// Duplicates the packet, Click's `clone()`: the bytes become shared (read-only) between
    /// the two packets returned; annotations and header marks are copied. Sharing a unique
    /// packet allocates one reference-counted cell; sharing an already shared one does not.
    pub fn share(self) -> (Packet, Packet) {
        let (buf, marks) = self.into_parts();
        let cell = match buf {
            Buffer::Unique(slot) => Arc::new(slot),
            Buffer::Shared(cell) => cell,
        };
        let clone = Packet::from_parts(Buffer::Shared(Arc::clone(&cell)), marks);
        (Packet::from_parts(Buffer::Shared(cell), marks), clone)
    }

    /// Another packet over the same bytes if they are already shared (a source's template,
    /// for example), without touching `self`; `None` for a unique packet (use
    /// [`Packet::share`]).
    pub fn clone_shared(&self) -> Option<Packet> {
        let Buffer::Shared(cell) = &self.buf else {
            return None;
        };
        Some(Packet::from_parts(
            Buffer::Shared(Arc::clone(cell)),
            self.marks(),
        ))
    }

    /// Makes the bytes writable, Click's `uniqueify()`: free if this packet owns its slot;
    /// otherwise the data (with its headroom and tailroom) is copied into a fresh slot from
    /// `pool`. If the pool is empty, the packet comes back unchanged in `Err`.
    #[inline]
    pub fn make_unique(self, pool: &Pool) -> Result<WritablePacket, Packet> {
        let (buf, marks) = self.into_parts();
        let cell = match buf {
            Buffer::Unique(slot) => return Ok(Packet::from_parts(slot, marks)),
            Buffer::Shared(cell) => cell,
        };
        let fresh = match pool.take_slot() {
            Some(slot) if slot.len() >= cell.len() => slot,
            _ => return Err(Packet::from_parts(Buffer::Shared(cell), marks)),
        };
        // The new packet is assembled before the copy, so every field of the old one is
        // read before the copy's stores start (reads after them stalled behind them).
        let mut q = Packet::from_parts(fresh, marks);
        // Copy the headroom and the data, as Click's uniqueify copies its buffer: a stripped
        // header must come back with Unstrip, and the header marks keep their offsets. Of the
        // tailroom, only the first bytes are copied (elements that read a little past a
        // truncated packet's end see the same bytes); the rest of a 2 KiB slot is not worth a
        // copy per packet.
        let src = cell.bytes();
        let end = (usize::from(q.tail) + Self::TAIL_COPY).min(src.len());
        q.buf.bytes_mut()[..end].copy_from_slice(&src[..end]);
        Ok(q)
    }
}

impl Packet<Slot> {
    /// A writable packet over `slot` whose data is the `len` bytes at `offset`. Fails, giving
    /// the slot back, if they do not fit.
    pub fn from_slot(slot: Slot, offset: usize, len: usize) -> Result<WritablePacket, Slot> {
        match offset.checked_add(len) {
            Some(end) if end <= slot.len() => Ok(Packet {
                buf: slot,
                head: offset as u16,
                tail: end as u16,
                network: None,
                transport: None,
                anno: Annotations::default(),
            }),
            _ => Err(slot),
        }
    }

    /// The data bytes, writable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        let (h, t) = (usize::from(self.head), usize::from(self.tail));
        &mut self.buf.bytes_mut()[h..t]
    }

    /// The whole buffer, writable.
    #[inline]
    pub fn buffer_mut(&mut self) -> &mut [u8] {
        self.buf.bytes_mut()
    }

    /// The bytes from the network header to the end of the data, writable.
    #[inline]
    pub fn network_header_mut(&mut self) -> Option<&mut [u8]> {
        let (n, t) = (usize::from(self.network?), usize::from(self.tail));
        self.buf.bytes_mut().get_mut(n..t)
    }

    /// The bytes from the transport header to the end of the data, writable.
    #[inline]
    pub fn transport_header_mut(&mut self) -> Option<&mut [u8]> {
        let (th, t) = (usize::from(self.transport?), usize::from(self.tail));
        self.buf.bytes_mut().get_mut(th..t)
    }

    /// Prepends `n` bytes from the headroom (Click's `push`) and returns them for the caller
    /// to fill. If the headroom is short but the slot has room, the data first moves back
    /// to make room (a copy, as Click's `expensive_push`); otherwise `NoRoom`.
    #[inline]
    pub fn push_front(&mut self, n: usize) -> Result<&mut [u8], NoRoom> {
        if n > self.headroom() {
            self.shift_data(n - self.headroom())?;
        }
        self.head -= n as u16;
        let h = usize::from(self.head);
        Ok(&mut self.buf.bytes_mut()[h..h + n])
    }

    /// Appends `n` bytes from the tailroom (Click's `put`) and returns them for the caller
    /// to fill (they hold whatever the slot held).
    #[inline]
    pub fn put(&mut self, n: usize) -> Result<&mut [u8], NoRoom> {
        if n > self.tailroom() {
            return Err(NoRoom);
        }
        let t = usize::from(self.tail);
        self.tail += n as u16;
        Ok(&mut self.buf.bytes_mut()[t..t + n])
    }

    /// Moves the data `by` bytes toward the buffer end, header marks with it.
    fn shift_data(&mut self, by: usize) -> Result<(), NoRoom> {
        if by > self.tailroom() {
            return Err(NoRoom);
        }
        let (h, t) = (usize::from(self.head), usize::from(self.tail));
        self.buf.bytes_mut().copy_within(h..t, h + by);
        let by16 = by as u16;
        self.head += by16;
        self.tail += by16;
        self.network = self.network.map(|n| n + by16);
        self.transport = self.transport.map(|t| t + by16);
        Ok(())
    }
}

impl From<WritablePacket> for Packet {
    #[inline]
    fn from(p: WritablePacket) -> Packet {
        let Packet {
            buf,
            head,
            tail,
            network,
            transport,
            anno,
        } = p;
        Packet {
            buf: Buffer::Unique(buf),
            head,
            tail,
            network,
            transport,
            anno,
        }
    }
}

impl Pool {
    /// A fresh writable packet holding a copy of `data`, after the pool's headroom, with
    /// default annotations. `None` if the pool is empty or `data` does not fit.
    pub fn packet(&self, data: &[u8]) -> Option<WritablePacket> {
        let mut p = self.make(data.len())?;
        p.data_mut().copy_from_slice(data);
        Some(p)
    }

    /// A fresh writable packet of `len` bytes after the pool's headroom (their content is
    /// whatever the slot held: fill them). `None` if the pool is empty or `len` does not fit.
    pub fn make(&self, len: usize) -> Option<WritablePacket> {
        let slot = self.take_slot()?;
        WritablePacket::from_slot(slot, self.headroom(), len).ok()
    }
}

impl<B: Storage> fmt::Debug for Packet<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packet")
            .field("len", &self.len())
            .field("headroom", &self.headroom())
            .field("network", &self.network_header_offset())
            .field("transport", &self.transport_header_offset())
            .field("anno", &self.anno)
            .finish()
    }
}
