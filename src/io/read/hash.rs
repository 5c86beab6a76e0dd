//! The SHA-256 of an input file, for the report's `inputs.*.sha256`.
//!
//! A CSV file is hashed as it is read, not in a pass of its own: the reader
//! is wrapped in a [`Tee`] that hands a copy of every chunk to a hashing
//! thread, so the file is read from disk once.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Most bytes a [`Tee`] reads at a time (64 of them may wait for the hashing
/// thread: 16 MiB).
const TEE_READ: usize = 256 << 10;

/// A reader that sends a copy of everything it reads to a channel.
pub(super) struct Tee<R> {
    inner: R,
    tx: mpsc::SyncSender<Vec<u8>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // At most TEE_READ bytes a call, so that the copies queued for the
        // hashing thread stay small.
        let len = buf.len().min(TEE_READ);
        let n = self.inner.read(&mut buf[..len])?;
        if n > 0 {
            // N.B. if the hashing thread is gone the hash is lost, not the read.
            let _ = self.tx.send(buf[..n].to_vec());
        }
        Ok(n)
    }
}

/// Wraps `inner` in a [`Tee`] whose bytes a new thread hashes; joining the
/// thread gives the SHA-256 (lower-case hex) of every byte read, once the
/// [`Tee`] is dropped.
pub(super) fn hashing_reader<R: Read>(inner: R) -> (Tee<R>, JoinHandle<String>) {
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(64);
    let hasher = std::thread::spawn(move || {
        let mut h = Sha256::new();
        for chunk in rx {
            h.update(&chunk);
        }
        hex(&h.finalize())
    });
    (Tee { inner, tx }, hasher)
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
