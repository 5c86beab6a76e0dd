//! Finding every comma and line feed of a block of plain CSV text, 64
//! bytes at a time: the fast path's one pass over a block.

/// The positions of every comma and line feed of a block, in order, then
/// the block's length (the end of its last record).
///
/// The delimiters of CSV records are dense (one every few bytes), so a
/// search per delimiter, as `memchr` makes, costs more than comparing every
/// byte: the bytes are compared 64 at a time into a bit mask (in code the
/// compiler turns into vector compares), whose set bits are then read off.
/// Measured on 300 MB of exposures: half the time of `memchr2_iter`.
pub(super) struct Delimiters<'a> {
    chunks: std::slice::Iter<'a, [u8; 64]>,
    /// The bytes after the last whole chunk, not yet masked.
    tail: Option<&'a [u8]>,
    /// The length, not yet given.
    end: Option<usize>,
    /// Where the chunk after the current mask's starts (its bit 0 is 64
    /// bytes before).
    next: usize,
    mask: u64,
}

impl<'a> Delimiters<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        let (chunks, tail) = bytes.as_chunks::<64>();
        Self {
            chunks: chunks.iter(),
            tail: Some(tail),
            end: Some(bytes.len()),
            next: 0,
            mask: 0,
        }
    }

    /// Bit i set where `chunk[i]` is a comma or a line feed.
    #[inline]
    fn mask(chunk: &[u8; 64]) -> u64 {
        let mut flags = [0u8; 64];
        for (f, &b) in flags.iter_mut().zip(chunk) {
            *f = u8::from((b == b',') | (b == b'\n'));
        }
        let mut mask = 0u64;
        for (i, eight) in flags.as_chunks::<8>().0.iter().enumerate() {
            // Gathers the low bit of each byte into the top byte.
            let bits = u64::from_le_bytes(*eight).wrapping_mul(0x0102_0408_1020_4080) >> 56;
            mask |= bits << (8 * i);
        }
        mask
    }

    /// Masks the next chunks until one holds a delimiter; false at the end
    /// of the bytes. (Apart from [`Iterator::next`], which is inlined into
    /// the parser's loop, as this once-a-chunk part need not be.)
    #[inline(never)]
    fn refill(&mut self) -> bool {
        while self.mask == 0 {
            self.mask = match self.chunks.next() {
                Some(chunk) => Self::mask(chunk),
                None => {
                    let Some(tail) = self.tail.take() else {
                        return false;
                    };
                    let mut padded = [0u8; 64];
                    padded[..tail.len()].copy_from_slice(tail);
                    Self::mask(&padded)
                }
            };
            self.next += 64;
        }
        true
    }
}

impl Iterator for Delimiters<'_> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.mask == 0 && !self.refill() {
            return self.end.take();
        }
        let at = self.next - 64 + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The delimiters' positions equal `memchr`'s at every length around
    /// the 64-byte chunks and with every density, and the length follows.
    #[test]
    fn delimiters_are_found_where_memchr_finds_them() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for len in (0..300).chain([1 << 12, 1 << 16]) {
            for alphabet in [&b"a,\n"[..], b"abcdefgh,", b"\n\n\n,", b"xyz\r\"\0\xff"] {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                    .collect();
                let mut expected: Vec<usize> = memchr::memchr2_iter(b',', b'\n', &bytes).collect();
                expected.push(len);
                assert_eq!(
                    Delimiters::new(&bytes).collect::<Vec<_>>(),
                    expected,
                    "{len}"
                );
            }
        }
    }
}
