//! Cutting a CSV byte stream into blocks of whole records, so that the
//! blocks can be parsed on several threads and each parses as the whole
//! file would there.

use super::BLOCK;
use std::io::Read;

/// Where the last record of `bytes` that ends with a line break ends, for
/// `bytes` that begin at the start of a record; `None` when no record does.
///
/// Without a quote character this is after the last `\n`. With quotes, the
/// bytes are followed as the CSV parser reads them (RFC 4180: a quote opens
/// a quoted field only at the start of a field, `""` inside one is a quote),
/// and the last `\n` outside a quoted field is taken.
fn last_record_end(bytes: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', bytes).is_none() {
        return memchr::memrchr(b'\n', bytes).map(|i| i + 1);
    }
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        FieldStart,
        Field,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = S::FieldStart;
    let mut end = None;
    for (i, &b) in bytes.iter().enumerate() {
        state = match (state, b) {
            (S::Quoted, b'"') => S::QuoteInQuoted,
            (S::Quoted, _) => S::Quoted,
            (S::QuoteInQuoted, b'"') => S::Quoted,
            (S::FieldStart, b'"') => S::Quoted,
            (_, b',' | b'\r') => S::FieldStart,
            (_, b'\n') => {
                end = Some(i + 1);
                S::FieldStart
            }
            _ => S::Field,
        };
    }
    end
}

/// A block of whole records and the line its first byte is on.
pub(super) struct ByteBlock {
    pub(super) bytes: Vec<u8>,
    /// Where its data begins (after the header, in the first block).
    pub(super) start: usize,
    pub(super) line: u64,
}

/// Cuts a byte stream into [`ByteBlock`]s of whole records.
pub(super) struct Cutter<R> {
    src: R,
    /// Bytes to read per block.
    block: usize,
    carry: Vec<u8>,
    /// Line breaks before the carried bytes.
    newlines: u64,
    done: bool,
}

impl<R: Read> Cutter<R> {
    /// A cutter of `src` into blocks of about `block` bytes.
    pub(super) fn new(src: R, block: usize) -> Self {
        Self {
            src,
            block,
            carry: Vec::new(),
            newlines: 0,
            done: false,
        }
    }

    /// The next block (`None` at the end of the stream).
    pub(super) fn next_block(&mut self) -> Result<Option<ByteBlock>, (std::io::Error, u64)> {
        if self.done {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        let mut want = self.block.max(1);
        loop {
            // Fill up to `want` new bytes, or to the end of the stream.
            let target = buf.len() + want;
            buf.reserve(want.min(2 * BLOCK));
            let mut eof = false;
            while buf.len() < target {
                let n = (&mut self.src)
                    .take((target - buf.len()) as u64)
                    .read_to_end(&mut buf)
                    .map_err(|e| {
                        // The line the stream stopped on.
                        let read = memchr::memchr_iter(b'\n', &buf).count() as u64;
                        (e, self.newlines + 1 + read)
                    })?;
                if n == 0 {
                    eof = true;
                    break;
                }
            }
            let cut = if eof {
                self.done = true;
                buf.len()
            } else {
                match last_record_end(&buf) {
                    Some(cut) => cut,
                    None => {
                        want = want.saturating_mul(2);
                        continue;
                    }
                }
            };
            if buf.is_empty() {
                return Ok(None);
            }
            self.carry = buf[cut..].to_vec();
            buf.truncate(cut);
            let line = self.newlines + 1;
            self.newlines += memchr::memchr_iter(b'\n', &buf).count() as u64;
            return Ok(Some(ByteBlock {
                bytes: buf,
                start: 0,
                line,
            }));
        }
    }
}
