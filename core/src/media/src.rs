//! Bounded, seek-based reading shared by every format parser.
//!
//! Parsers never read a whole file: they ask for small ranges at known offsets. Every read
//! is checked against the file length first, so a header that points past the end becomes
//! [`Fail::Truncated`] instead of a short read, a panic or a huge allocation.

use std::io::{self, Read, Seek, SeekFrom};

/// Why a parser stopped. Mapped to [`super::ProbeError`] once, in `probe_reader`.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The operating system refused a read or seek.
    Io(io::Error),
    /// A header or box points past the end of the file.
    Truncated,
    /// A header is present but impossible (bad size, zero rate…): the reason, in words.
    Corrupt(String),
    /// Recognized as a format the service does not accept (named as in
    /// `ProbeError::Unrecognized`), found only after reading past the prefix.
    Foreign(&'static str),
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Fail::Truncated
        } else {
            Fail::Io(e)
        }
    }
}

pub(crate) type PResult<T> = Result<T, Fail>;

/// Shorthand for a [`Fail::Corrupt`] error.
pub(crate) fn corrupt<T>(reason: impl Into<String>) -> PResult<T> {
    Err(Fail::Corrupt(reason.into()))
}

/// A readable, seekable source of known length, with a one-window read cache: parsers
/// make many tiny reads close together (box headers, EBML elements, JPEG markers), and
/// a `BufReader` would throw its buffer away on every seek.
pub(crate) struct Src<R> {
    inner: R,
    len: u64,
    /// File offset of `window[0]`.
    window_at: u64,
    window: Vec<u8>,
}

/// Size of the read cache window.
const WINDOW: u64 = 4096;

impl<R: Read + Seek> Src<R> {
    pub(crate) fn new(inner: R, len: u64) -> Self {
        Src {
            inner,
            len,
            window_at: 0,
            window: Vec::new(),
        }
    }

    /// Total length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Fills `buf` from `offset`; [`Fail::Truncated`] when the range passes the end.
    pub(crate) fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> PResult<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or(Fail::Truncated)?;
        if end > self.len {
            return Err(Fail::Truncated);
        }
        let cached_end = self.window_at + self.window.len() as u64;
        if offset < self.window_at || end > cached_end {
            if buf.len() as u64 > WINDOW {
                // Large reads bypass the window.
                self.inner.seek(SeekFrom::Start(offset))?;
                self.inner.read_exact(buf)?;
                return Ok(());
            }
            let n = WINDOW.min(self.len - offset);
            self.window
                .resize(usize::try_from(n).map_err(|_| Fail::Truncated)?, 0);
            self.inner.seek(SeekFrom::Start(offset))?;
            if let Err(e) = self.inner.read_exact(&mut self.window) {
                self.window.clear();
                return Err(e.into());
            }
            self.window_at = offset;
        }
        // In range: offset >= window_at and end <= window end.
        let from = usize::try_from(offset - self.window_at).map_err(|_| Fail::Truncated)?;
        buf.copy_from_slice(&self.window[from..from + buf.len()]);
        Ok(())
    }

    /// Reads `N` bytes at `offset`.
    pub(crate) fn array<const N: usize>(&mut self, offset: u64) -> PResult<[u8; N]> {
        let mut buf = [0u8; N];
        self.read_at(offset, &mut buf)?;
        Ok(buf)
    }

    /// Reads exactly `n` bytes at `offset`. Callers cap `n` themselves (see [`MAX_READ`]).
    pub(crate) fn vec_exact(&mut self, offset: u64, n: u64) -> PResult<Vec<u8>> {
        if n > MAX_READ {
            return corrupt(format!(
                "a header claims {n} bytes, more than any real header needs"
            ));
        }
        let mut buf = vec![0u8; usize::try_from(n).map_err(|_| Fail::Truncated)?];
        self.read_at(offset, &mut buf)?;
        Ok(buf)
    }

    /// Reads up to `max` bytes at `offset`, fewer when the file ends first.
    pub(crate) fn vec_upto(&mut self, offset: u64, max: u64) -> PResult<Vec<u8>> {
        let n = self.len.saturating_sub(offset).min(max);
        self.vec_exact(offset, n)
    }
}

/// The most any single read may ask for: header structures are small, and a hostile size
/// field must not make us allocate gigabytes.
pub(crate) const MAX_READ: u64 = 16 * 1024 * 1024;

/// Big-endian u16 from the start of `b` (callers pass slices of checked length).
pub(crate) fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

/// Big-endian u32 from the start of `b`.
pub(crate) fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Big-endian u64 from the start of `b`.
pub(crate) fn be64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_be_bytes(a)
}

/// Little-endian u16 from the start of `b`.
pub(crate) fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

/// Little-endian u32 from the start of `b`.
pub(crate) fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Little-endian u64 from the start of `b`.
pub(crate) fn le64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// `units / rate` seconds as a [`std::time::Duration`], without overflow or float error.
/// `None` when the rate is zero.
pub(crate) fn duration_of(units: u64, rate: u64) -> Option<std::time::Duration> {
    if rate == 0 {
        return None;
    }
    let secs = units / rate;
    let rem = u128::from(units % rate);
    let nanos = rem * 1_000_000_000 / u128::from(rate);
    Some(std::time::Duration::new(
        secs,
        u32::try_from(nanos).unwrap_or(0),
    ))
}

/// Seconds as a float into a [`std::time::Duration`]; `None` when negative, NaN or absurd.
pub(crate) fn duration_secs_f64(secs: f64) -> Option<std::time::Duration> {
    // Anything beyond ~30 years is a corrupt field, not a real reference clip.
    if secs.is_finite() && (0.0..1.0e9).contains(&secs) {
        Some(std::time::Duration::from_secs_f64(secs))
    } else {
        None
    }
}
