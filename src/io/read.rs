//! Opening an input file by its extension and handing its rows, one at a
//! time, to a loader.
//!
//! CSV (optionally gzip-compressed) is streamed through the `csv` crate in a
//! single pass: each record's fields are checked (field count, UTF-8) and the
//! wanted ones handed over as text, with the record's exact line (a quoted
//! record that spans lines is reported where it starts). Nothing of the file
//! is kept: the SHA-256 is computed by a second thread from the same bytes as
//! they are read. (Measured on 12 M rows / 869 MB: this pass takes 1.4 s where
//! polars needs 4.3 s on two threads to build string columns that would then
//! be converted again; see the README's performance section.)
//!
//! Parquet is read with polars (only the wanted columns); timestamp, date and
//! numeric columns keep their types.

use super::problem::{Problem, show_bytes};
use crate::model::{MICROS_PER_DAY, Micros};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

/// The kind of value a column holds, which decides how Parquet columns are
/// converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text (ids, names, labels).
    Text,
    /// A decimal amount.
    Number,
    /// A timestamp.
    Timestamp,
    /// A calendar date.
    Date,
}

/// One column a loader asks for.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The canonical name (as in the contract).
    pub canonical: &'static str,
    /// The name in the file (after `[columns.*]` mapping).
    pub name: String,
    /// Whether the file must have it.
    pub required: bool,
    /// What it holds.
    pub kind: Kind,
}

/// One value of a wanted column in a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// The column is not in the file, or the cell is null (Parquet).
    Absent,
    /// Text as written (CSV, and Parquet text columns).
    Text(&'a str),
    /// A Parquet number.
    Number(f64),
    /// A Parquet timestamp or date, in UTC microseconds.
    Micros(Micros),
}

impl<'a> Value<'a> {
    /// The text, when the value is non-empty text.
    pub fn text(self) -> Option<&'a str> {
        match self {
            Value::Text(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }
}

/// Most columns a loader asks for.
const MAX_WANTED: usize = 16;

/// The file format, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.csv`
    Csv,
    /// `.csv.gz`
    CsvGz,
    /// `.parquet`
    Parquet,
}

/// What was read of a file, besides its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The file as given.
    pub file: String,
    /// SHA-256 of the file's bytes (lower-case hex).
    pub sha256: String,
    /// Number of data rows.
    pub rows: usize,
}

/// Where a row is: its 0-based data row and the 1-based line it starts on
/// (header = line 1; for Parquet, the data row + 2, the line it would have in
/// a CSV export).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// 0-based data row.
    pub row: usize,
    /// 1-based line.
    pub line: u64,
}

/// The format of `path`, from its extension.
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".csv.gz") {
        Some(Format::CsvGz)
    } else if name.ends_with(".csv") {
        Some(Format::Csv)
    } else if name.ends_with(".parquet") || name.ends_with(".pq") {
        Some(Format::Parquet)
    } else {
        None
    }
}

/// Reads `path` and calls `visit` with every data row's wanted values (in
/// the order of `wanted`; [`Value::Absent`] for an optional column that is
/// not in the file), in file order.
///
/// A problem with the file as a whole (missing, unsupported, empty, a
/// missing column, a ragged row, bytes that are not UTF-8) is returned as the
/// error; row-level problems are for `visit` to judge.
pub fn scan(
    path: &Path,
    wanted: &[Wanted],
    visit: impl FnMut(At, &[Value<'_>]) + Send,
) -> Result<Meta, Problem> {
    // One worker takes the blocks in file order, so rows are numbered as
    // they come.
    let visit = Mutex::new((0usize, visit));
    scan_parts(
        path,
        wanted,
        1,
        || (),
        |(), at, values| {
            let mut guard = visit.lock().unwrap_or_else(PoisonError::into_inner);
            let (row, visit) = &mut *guard;
            visit(
                At {
                    row: *row,
                    line: at.line,
                },
                values,
            );
            *row += 1;
        },
        |_| {},
    )
}

/// The rows of one block of a file, as [`scan_parts`]' `visit` left them.
#[derive(Debug)]
pub struct Part<S> {
    /// The state `visit` filled from the block's rows.
    pub state: S,
    /// The file's data row (0-based) of the block's first row: `visit` saw
    /// the block's rows numbered from 0.
    pub first_row: usize,
}

/// Bytes per block of a CSV file read by [`scan_parts`] (a block is then
/// extended to the end of its last whole record).
const BLOCK: usize = 1 << 20;

/// Reads `path` on `threads` threads: the file is cut into blocks of whole
/// records, each block's rows are handed to `visit` with a fresh state from
/// `new_state` (`At::row` counted from 0 in the block, `At::line` the line in
/// the file), and each block's state is then given to `take`, on the calling
/// thread, in file order.
///
/// Blocks are cut after a line break outside quotes (a quoted field may
/// span lines), so every block parses as the whole file would there; lines
/// are counted by the reader, so they are exact. File-level problems are as
/// for [`scan`]: the first one in file order is the error, and no block after
/// it is taken.
pub fn scan_parts<S: Send>(
    path: &Path,
    wanted: &[Wanted],
    threads: usize,
    new_state: impl Fn() -> S + Sync,
    visit: impl Fn(&mut S, At, &[Value<'_>]) + Sync,
    mut take: impl FnMut(Part<S>),
) -> Result<Meta, Problem> {
    let file = path.display().to_string();
    let format = format_of(path).ok_or_else(|| {
        Problem::file(
            &file,
            "has an unsupported extension (expected .csv, .csv.gz or .parquet)",
        )
    })?;
    let f = std::fs::File::open(path)
        .map_err(|e| Problem::file(&file, format!("cannot be read: {}", io_reason(&e))))?;
    match format {
        Format::Parquet => {
            let mut raw = Vec::new();
            std::io::BufReader::new(f)
                .read_to_end(&mut raw)
                .map_err(|e| Problem::file(&file, format!("cannot be read: {}", io_reason(&e))))?;
            let sha256 = sha256_hex(&raw);
            let mut state = new_state();
            let rows = scan_parquet(&file, &raw, wanted, |at, v| visit(&mut state, at, v))?;
            take(Part {
                state,
                first_row: 0,
            });
            Ok(Meta { file, sha256, rows })
        }
        Format::Csv | Format::CsvGz => {
            // The hashing thread sees every byte the parser reads.
            let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(64);
            let hasher = std::thread::spawn(move || {
                let mut h = Sha256::new();
                for chunk in rx {
                    h.update(&chunk);
                }
                hex(&h.finalize())
            });
            let tee = Tee { inner: f, tx };
            let csv = CsvJob {
                file: &file,
                wanted,
                threads,
                block: BLOCK,
                plain: true,
            };
            let rows = if format == Format::CsvGz {
                csv.run(
                    flate2::read::MultiGzDecoder::new(tee),
                    new_state,
                    visit,
                    take,
                )
            } else {
                csv.run(tee, new_state, visit, take)
            };
            let sha256 = hasher
                .join()
                .map_err(|_| Problem::file(&file, "internal error while hashing"))?;
            Ok(Meta {
                file,
                sha256,
                rows: rows?,
            })
        }
    }
}

/// Most bytes a [`Tee`] reads at a time (64 of them may wait for the hashing
/// thread: 16 MiB).
const TEE_READ: usize = 256 << 10;

/// A reader that sends a copy of everything it reads to a channel.
struct Tee<R> {
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

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn missing_column(file: &str, w: &Wanted, header: &[String]) -> Problem {
    let mapped = if w.name != w.canonical {
        format!(" (mapped from \"{}\" in the config)", w.canonical)
    } else {
        String::new()
    };
    Problem {
        file: file.to_string(),
        line: Some(1),
        column: Some(w.name.clone()),
        value: None,
        message: format!(
            "required column is missing{mapped}; the header has: {} (map a differently named column in uplift.toml under [columns])",
            header.join(", ")
        ),
    }
}

/// For each wanted column, its index in the header (`None` when an optional
/// column is absent).
fn locate(file: &str, header: &[String], wanted: &[Wanted]) -> Result<Vec<Option<usize>>, Problem> {
    wanted
        .iter()
        .map(|w| match header.iter().position(|h| *h == w.name) {
            Some(i) => Ok(Some(i)),
            None if w.required => Err(missing_column(file, w, header)),
            None => Ok(None),
        })
        .collect()
}

fn not_utf8(file: &str, line: Option<u64>, column: String, field: &[u8], header: bool) -> Problem {
    Problem {
        file: file.to_string(),
        line,
        column: Some(column),
        value: Some(show_bytes(field)),
        message: if header {
            "the header is not UTF-8 text (is this a CSV file? expected a header row like user_id,channel,timestamp)".to_string()
        } else {
            "is not UTF-8 text (expected a UTF-8 CSV file; re-export it as UTF-8)".to_string()
        },
    }
}

fn io_problem(file: &str, e: csv::Error) -> Problem {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => match io.kind() {
            std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
                format!("is not a valid gzip file ({io})")
            }
            _ => format!("could not be read: {io}"),
        },
        _ => format!("is not valid CSV: {e}"),
    };
    Problem {
        file: file.to_string(),
        line,
        column: None,
        value: None,
        message,
    }
}

/// A blank record (an empty or all-blank line) is skipped.
fn blank(r: &csv::ByteRecord) -> bool {
    r.len() == 1 && r[0].iter().all(u8::is_ascii_whitespace)
}

/// The header of a CSV file: where each wanted column is, and the width.
struct Header {
    index: Vec<Option<usize>>,
    width: usize,
}

/// Reads the header, the first record of `bytes` (the file's first block);
/// returns it with the byte offset and the line where the data begins.
fn read_header(
    file: &str,
    bytes: &[u8],
    wanted: &[Wanted],
) -> Result<(Header, usize, u64), Problem> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let got = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| io_problem(file, e))?;
    if !got || blank(&rec) {
        return Err(Problem::file(
            file,
            "is empty (expected a header row naming the columns, then data rows)",
        ));
    }
    let mut header = Vec::with_capacity(rec.len());
    for (i, field) in rec.iter().enumerate() {
        let field = if i == 0 {
            field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
        } else {
            field
        };
        match std::str::from_utf8(field) {
            Ok(s) if !s.contains('\0') => header.push(s.trim().to_string()),
            _ => return Err(not_utf8(file, Some(1), format!("#{}", i + 1), field, true)),
        }
    }
    if let Some((i, name)) = header
        .iter()
        .enumerate()
        .find(|(i, n)| header[..*i].contains(n))
    {
        return Err(Problem {
            file: file.to_string(),
            line: Some(1),
            column: Some(name.clone()),
            value: None,
            message: format!(
                "appears twice in the header (columns {} and {}); column names must be unique",
                header.iter().position(|n| n == name).unwrap_or(0) + 1,
                i + 1
            ),
        });
    }
    let index = locate(file, &header, wanted)?;
    let at = rdr.position();
    let header = Header {
        index,
        width: header.len(),
    };
    Ok((header, at.byte() as usize, at.line()))
}

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
struct Block {
    bytes: Vec<u8>,
    /// Where its data begins (after the header, in the first block).
    start: usize,
    line: u64,
}

/// Cuts a byte stream into [`Block`]s of whole records.
struct Cutter<R> {
    src: R,
    /// Bytes to read per block.
    block: usize,
    carry: Vec<u8>,
    /// Line breaks before the carried bytes.
    newlines: u64,
    done: bool,
}

impl<R: Read> Cutter<R> {
    /// The next block (`None` at the end of the stream).
    fn next_block(&mut self) -> Result<Option<Block>, (std::io::Error, u64)> {
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
            return Ok(Some(Block {
                bytes: buf,
                start: 0,
                line,
            }));
        }
    }
}

/// One CSV file being read by [`scan_parts`].
struct CsvJob<'a> {
    file: &'a str,
    wanted: &'a [Wanted],
    threads: usize,
    /// Bytes per block ([`BLOCK`]; smaller in tests).
    block: usize,
    /// Whether blocks of plain text take the fast path ([`plain_text`]).
    plain: bool,
}

impl CsvJob<'_> {
    fn run<R: Read + Send, S: Send>(
        &self,
        src: R,
        new_state: impl Fn() -> S + Sync,
        visit: impl Fn(&mut S, At, &[Value<'_>]) + Sync,
        mut take: impl FnMut(Part<S>),
    ) -> Result<usize, Problem> {
        let file = self.file;
        let read_error = |e: std::io::Error, line: u64| Problem {
            line: Some(line),
            ..io_problem(file, csv::Error::from(e))
        };
        let mut cutter = Cutter {
            src,
            block: self.block,
            carry: Vec::new(),
            newlines: 0,
            done: false,
        };
        let Some(mut first) = cutter
            .next_block()
            .map_err(|(e, line)| read_error(e, line))?
        else {
            return Err(Problem::file(
                file,
                "is empty (expected a header row naming the columns, then data rows)",
            ));
        };
        let (header, start, line) = read_header(file, &first.bytes, self.wanted)?;
        first.start = start;
        first.line = line;
        let header = &header;

        let stop = AtomicBool::new(false);
        let (block_tx, block_rx) = mpsc::sync_channel::<(usize, Block)>(self.threads + 1);
        let block_rx = Mutex::new(block_rx);
        let (part_tx, part_rx) = mpsc::channel::<(usize, Result<(S, usize), Problem>)>();
        std::thread::scope(|scope| {
            // The reader: cuts blocks and hands them out in order.
            let stop = &stop;
            let part_tx_reader = part_tx.clone();
            scope.spawn(move || {
                let mut block = Some(first);
                let mut k = 0usize;
                while let Some(b) = block.take() {
                    if stop.load(Ordering::Relaxed) || block_tx.send((k, b)).is_err() {
                        return;
                    }
                    k += 1;
                    match cutter.next_block() {
                        Ok(next) => block = next,
                        Err((e, line)) => {
                            let _ = part_tx_reader.send((k, Err(read_error(e, line))));
                            return;
                        }
                    }
                }
            });
            for _ in 0..self.threads.max(1) {
                let part_tx = part_tx.clone();
                let (block_rx, new_state, visit) = (&block_rx, &new_state, &visit);
                scope.spawn(move || {
                    loop {
                        let next = match block_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok((k, block)) = next else { return };
                        let result = if stop.load(Ordering::Relaxed) {
                            Ok((new_state(), 0))
                        } else {
                            let mut state = new_state();
                            self.parse_block(&block, header, &mut state, visit)
                                .map(|rows| (state, rows))
                        };
                        if part_tx.send((k, result)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(part_tx);
            // The parts, in file order.
            let mut waiting = std::collections::BTreeMap::new();
            let mut next = 0usize;
            let mut rows = 0usize;
            for (k, result) in part_rx {
                waiting.insert(k, result);
                while let Some(result) = waiting.remove(&next) {
                    match result {
                        Ok((state, n)) => {
                            take(Part {
                                state,
                                first_row: rows,
                            });
                            rows += n;
                            next += 1;
                        }
                        Err(p) => {
                            stop.store(true, Ordering::Relaxed);
                            // Let the reader and the workers finish.
                            drop(block_rx.lock().map(|rx| while rx.try_recv().is_ok() {}));
                            return Err(p);
                        }
                    }
                }
            }
            Ok(rows)
        })
    }

    /// Parses one block's records, handing each row to `visit`; returns
    /// the number of rows.
    fn parse_block<S>(
        &self,
        block: &Block,
        header: &Header,
        state: &mut S,
        visit: &impl Fn(&mut S, At, &[Value<'_>]),
    ) -> Result<usize, Problem> {
        let data = &block.bytes[block.start..];
        if let Some(text) = self.plain.then(|| plain_text(data)).flatten() {
            return self.parse_plain(text, block.line, header, state, visit);
        }
        let (file, wanted) = (self.file, self.wanted);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(data);
        let mut rec = csv::ByteRecord::new();
        let width = header.width;
        let n_wanted = wanted.len().min(MAX_WANTED);
        let mut row = 0usize;
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(io_problem(file, e)),
            }
            if blank(&rec) {
                continue;
            }
            let line = block.line + record_line(data, &rec) - 1;
            if rec.len() != width {
                let joined = rec.iter().collect::<Vec<&[u8]>>().join(&b","[..]);
                return Err(self.ragged(line, &joined, rec.len(), width));
            }
            let mut values = [Value::Absent; MAX_WANTED];
            for (k, ix) in header.index.iter().enumerate().take(n_wanted) {
                let v = match ix {
                    None => Value::Absent,
                    Some(i) => {
                        let field = &rec[*i];
                        match std::str::from_utf8(field) {
                            Ok(s) if !s.contains('\0') => Value::Text(s),
                            _ => {
                                return Err(not_utf8(
                                    file,
                                    Some(line),
                                    wanted[k].name.clone(),
                                    field,
                                    false,
                                ));
                            }
                        }
                    }
                };
                values[k] = v;
            }
            visit(state, At { row, line }, &values[..n_wanted]);
            row += 1;
        }
        Ok(row)
    }

    /// [`Self::parse_block`] for a block of plain text ([`plain_text`]):
    /// every line is a record and every comma a delimiter, as the CSV
    /// parser would read them, at a fraction of the cost.
    fn parse_plain<S>(
        &self,
        text: &str,
        first_line: u64,
        header: &Header,
        state: &mut S,
        visit: &impl Fn(&mut S, At, &[Value<'_>]),
    ) -> Result<usize, Problem> {
        let width = header.width;
        let n_wanted = self.wanted.len().min(MAX_WANTED);
        let mut fields: Vec<&str> = Vec::with_capacity(width);
        let mut row = 0usize;
        // One pass for both delimiters over the whole block (not
        // `str::split`: a search per record costs more than the record).
        let bytes = text.as_bytes();
        let hits = Delimiters::new(bytes);
        let (mut start, mut from, mut i) = (0usize, 0usize, 0u64);
        for at in hits {
            if bytes.get(at) == Some(&b',') {
                fields.push(&text[from..at]);
                from = at + 1;
                continue;
            }
            // The end of a record (a line feed, or the end of the block).
            let record = &text[start..at];
            let last = &text[from.min(at)..at];
            let (record, last) = match record.strip_suffix('\r') {
                Some(r) => (r, last.strip_suffix('\r').unwrap_or(last)),
                None => (record, last),
            };
            fields.push(last);
            let line = first_line + i;
            (start, from, i) = (at + 1, at + 1, i + 1);
            if record.is_empty()
                || (fields.len() == 1 && record.bytes().all(|b| b.is_ascii_whitespace()))
            {
                fields.clear();
                continue;
            }
            if fields.len() != width {
                return Err(self.ragged(line, record.as_bytes(), fields.len(), width));
            }
            let mut values = [Value::Absent; MAX_WANTED];
            for (v, ix) in values.iter_mut().zip(&header.index).take(n_wanted) {
                if let Some(i) = ix {
                    *v = Value::Text(fields[*i]);
                }
            }
            fields.clear();
            visit(state, At { row, line }, &values[..n_wanted]);
            row += 1;
        }
        Ok(row)
    }

    fn ragged(&self, line: u64, record: &[u8], fields: usize, width: usize) -> Problem {
        Problem {
            file: self.file.to_string(),
            line: Some(line),
            column: None,
            value: Some(show_bytes(record)),
            message: format!(
                "has {fields} fields but the header has {width} (a ragged row: check for an unquoted delimiter or a missing value)"
            ),
        }
    }
}

/// The positions of every comma and line feed of a block, in order, then
/// the block's length (the end of its last record).
///
/// The delimiters of CSV records are dense (one every few bytes), so a
/// search per delimiter, as `memchr` makes, costs more than comparing every
/// byte: the bytes are compared 64 at a time into a bit mask (in code the
/// compiler turns into vector compares), whose set bits are then read off.
/// Measured on 300 MB of exposures: half the time of `memchr2_iter`.
struct Delimiters<'a> {
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
    fn new(bytes: &'a [u8]) -> Self {
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

/// The line (counted from 1 in `data`) a record of `data` starts on.
///
/// N.B. the parser's position of a record is where the previous record
/// ended: before the `\n` of a CRLF, and before skipped empty lines, so the
/// line breaks between there and the record's first byte are added.
fn record_line(data: &[u8], rec: &csv::ByteRecord) -> u64 {
    let Some(pos) = rec.position() else {
        return 1;
    };
    let from = (pos.byte() as usize).min(data.len());
    let skipped = data[from..]
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .filter(|&&b| b == b'\n')
        .count();
    pos.line() + skipped as u64
}

/// `bytes` as text when the CSV parser would read every line of it as a
/// record of unquoted fields: valid UTF-8 without NUL, no quote character,
/// and no carriage return other than before a line feed (or at the end).
fn plain_text(bytes: &[u8]) -> Option<&str> {
    if memchr::memchr2(b'"', 0, bytes).is_some() {
        return None;
    }
    let lone_cr =
        memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1).is_some_and(|&b| b != b'\n'));
    if lone_cr {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// One value of a file's first rows, as [`first_rows`] found it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// An empty CSV field, a missing one, or a Parquet null.
    Null,
    /// Text as written (CSV, and Parquet text columns).
    Text(String),
    /// A Parquet number.
    Number(f64),
    /// A Parquet timestamp, in UTC microseconds.
    Timestamp(Micros),
    /// A Parquet date, in UTC microseconds of its midnight.
    Date(Micros),
}

/// The first rows of a file, by column, for the advice of an error
/// message.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstRows {
    /// Every column of the file in header order, with its first values.
    pub columns: Vec<(String, Vec<Cell>)>,
    /// The file's data rows, when known without reading them (Parquet).
    pub rows: Option<u64>,
}

/// Reads the header and the first `n` data rows of `path`, every column of
/// them (CSV, .csv.gz or Parquet, by extension). Meant for the error path:
/// it reads only what it returns, and gives `None` for a file it cannot
/// read.
pub fn first_rows(path: &Path, n: usize) -> Option<FirstRows> {
    let f = std::fs::File::open(path).ok()?;
    match format_of(path)? {
        Format::Parquet => parquet_first_rows(f, n),
        Format::CsvGz => csv_first_rows(flate2::read::MultiGzDecoder::new(f), n),
        Format::Csv => csv_first_rows(f, n),
    }
}

fn csv_first_rows(reader: impl Read, n: usize) -> Option<FirstRows> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut records = rdr
        .byte_records()
        .filter(|r| r.as_ref().map_or(true, |r| !blank(r)));
    let header = records.next()?.ok()?;
    let mut columns: Vec<(String, Vec<Cell>)> = header
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let field = if i == 0 {
                field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
            } else {
                field
            };
            (
                String::from_utf8_lossy(field).trim().to_string(),
                Vec::new(),
            )
        })
        .collect();
    for record in records.take(n) {
        let Ok(record) = record else { break };
        for (i, (_, cells)) in columns.iter_mut().enumerate() {
            cells.push(match record.get(i) {
                Some(b"") | None => Cell::Null,
                Some(field) => Cell::Text(String::from_utf8_lossy(field).into_owned()),
            });
        }
    }
    Some(FirstRows {
        columns,
        rows: None,
    })
}

fn parquet_first_rows(f: std::fs::File, n: usize) -> Option<FirstRows> {
    let mut reader = ParquetReader::new(f);
    let rows = reader.num_rows().ok()?;
    let df = reader.with_slice(Some((0, n))).finish().ok()?;
    let columns = df
        .columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            let cells = match s.dtype() {
                DataType::Datetime(unit, _) => {
                    let to_micros = |v: i64| match unit {
                        TimeUnit::Nanoseconds => v.div_euclid(1000),
                        TimeUnit::Microseconds => v,
                        TimeUnit::Milliseconds => v.saturating_mul(1000),
                    };
                    s.to_physical_repr().i64().map_or_else(
                        |_| Vec::new(),
                        |ca| {
                            ca.iter()
                                .map(|v| v.map_or(Cell::Null, |v| Cell::Timestamp(to_micros(v))))
                                .collect()
                        },
                    )
                }
                DataType::Date => s.to_physical_repr().i32().map_or_else(
                    |_| Vec::new(),
                    |ca| {
                        ca.iter()
                            .map(|v| {
                                v.map_or(Cell::Null, |d| Cell::Date(i64::from(d) * MICROS_PER_DAY))
                            })
                            .collect()
                    },
                ),
                dt if dt.is_primitive_numeric() => s
                    .cast(&DataType::Float64)
                    .ok()
                    .and_then(|f| f.f64().ok().map(|ca| ca.iter().collect::<Vec<_>>()))
                    .map_or_else(Vec::new, |v| {
                        v.into_iter()
                            .map(|v| v.map_or(Cell::Null, Cell::Number))
                            .collect()
                    }),
                _ => s
                    .cast(&DataType::String)
                    .ok()
                    .and_then(|t| {
                        t.str().ok().map(|ca| {
                            ca.iter()
                                .map(|v| match v {
                                    None | Some("") => Cell::Null,
                                    Some(v) => Cell::Text(v.to_string()),
                                })
                                .collect()
                        })
                    })
                    .unwrap_or_default(),
            };
            (s.name().to_string(), cells)
        })
        .collect();
    Some(FirstRows {
        columns,
        rows: Some(rows as u64),
    })
}

/// A Parquet column, converted once to what the loaders read.
enum ParquetColumn {
    Text(StringChunked),
    Number(Vec<Option<f64>>),
    Micros(Vec<Option<Micros>>),
}

fn scan_parquet(
    file: &str,
    raw: &[u8],
    wanted: &[Wanted],
    mut visit: impl FnMut(At, &[Value<'_>]),
) -> Result<usize, Problem> {
    let bad = |e: PolarsError| {
        Problem::file(
            file,
            format!("is not a readable Parquet file ({e}); expected .parquet to hold Parquet data"),
        )
    };
    let mut reader = ParquetReader::new(Cursor::new(raw));
    let schema = reader.schema().map_err(bad)?;
    let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let index = locate(file, &header, wanted)?;
    let present: Vec<String> = wanted
        .iter()
        .zip(&index)
        .filter(|(_, i)| i.is_some())
        .map(|(w, _)| w.name.clone())
        .collect();
    let df = ParquetReader::new(Cursor::new(raw))
        .with_columns(Some(present))
        .finish()
        .map_err(bad)?;
    let rows = df.height();
    let mut columns: Vec<Option<ParquetColumn>> = Vec::with_capacity(wanted.len());
    for w in wanted {
        let Ok(c) = df.column(&w.name) else {
            columns.push(None);
            continue;
        };
        let s = c.as_materialized_series().rechunk();
        let wrong_type = |dtype: &DataType| Problem {
            file: file.to_string(),
            line: None,
            column: Some(w.name.clone()),
            value: None,
            message: format!(
                "has Parquet type {dtype}, which cannot be read as {:?}",
                w.kind
            ),
        };
        let col = match (w.kind, s.dtype()) {
            (_, DataType::String) => ParquetColumn::Text(s.str().map_err(bad)?.clone()),
            (Kind::Timestamp | Kind::Date, DataType::Datetime(unit, _)) => {
                let phys = s.to_physical_repr();
                let ca = phys.i64().map_err(bad)?;
                let to_micros = |v: i64| match unit {
                    TimeUnit::Nanoseconds => v.div_euclid(1000),
                    TimeUnit::Microseconds => v,
                    TimeUnit::Milliseconds => v.saturating_mul(1000),
                };
                ParquetColumn::Micros(ca.iter().map(|v| v.map(to_micros)).collect())
            }
            (Kind::Timestamp | Kind::Date, DataType::Date) => {
                let phys = s.to_physical_repr();
                let ca = phys.i32().map_err(bad)?;
                ParquetColumn::Micros(
                    ca.iter()
                        .map(|v| v.map(|d| i64::from(d) * MICROS_PER_DAY))
                        .collect(),
                )
            }
            (Kind::Number, dt) if dt.is_primitive_numeric() => {
                let f = s.cast(&DataType::Float64).map_err(bad)?;
                ParquetColumn::Number(f.f64().map_err(bad)?.iter().collect())
            }
            (Kind::Text, dt) if dt.is_primitive_numeric() || dt.is_bool() => {
                let t = s.cast(&DataType::String).map_err(bad)?;
                ParquetColumn::Text(t.str().map_err(bad)?.clone())
            }
            (_, dt) => return Err(wrong_type(dt)),
        };
        columns.push(Some(col));
    }
    let mut iters: Vec<Box<dyn Iterator<Item = Value<'_>> + '_>> = columns
        .iter()
        .map(|c| -> Box<dyn Iterator<Item = Value<'_>> + '_> {
            match c {
                None => Box::new(std::iter::repeat(Value::Absent)),
                Some(ParquetColumn::Text(ca)) => {
                    Box::new(ca.iter().map(|v| v.map_or(Value::Absent, Value::Text)))
                }
                Some(ParquetColumn::Number(v)) => {
                    Box::new(v.iter().map(|v| v.map_or(Value::Absent, Value::Number)))
                }
                Some(ParquetColumn::Micros(v)) => {
                    Box::new(v.iter().map(|v| v.map_or(Value::Absent, Value::Micros)))
                }
            }
        })
        .collect();
    let mut values = Vec::with_capacity(wanted.len());
    for row in 0..rows {
        values.clear();
        values.extend(
            iters
                .iter_mut()
                .map(|it| it.next().unwrap_or(Value::Absent)),
        );
        visit(
            At {
                row,
                line: row as u64 + 2,
            },
            &values,
        );
    }
    Ok(rows)
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

    fn wanted(names: &[&'static str], required: bool) -> Vec<Wanted> {
        names
            .iter()
            .map(|&n| Wanted {
                canonical: n,
                name: n.to_string(),
                required,
                kind: Kind::Text,
            })
            .collect()
    }

    /// Every row as (file row, line, values), or the file-level problem.
    type Rows = Result<(Vec<(usize, u64, Vec<String>)>, usize), Problem>;

    fn read(bytes: &[u8], block: usize, threads: usize, plain: bool) -> Rows {
        let w = wanted(&["a", "c"], true);
        let job = CsvJob {
            file: "t.csv",
            wanted: &w,
            threads,
            block,
            plain,
        };
        let mut rows = Vec::new();
        let n = job.run(
            std::io::Cursor::new(bytes.to_vec()),
            Vec::new,
            |part: &mut Vec<(usize, u64, Vec<String>)>, at, values| {
                let text = values
                    .iter()
                    .map(|v| match v {
                        Value::Text(s) => s.to_string(),
                        _ => "<absent>".to_string(),
                    })
                    .collect();
                part.push((at.row, at.line, text));
            },
            |part| {
                rows.extend(
                    part.state
                        .into_iter()
                        .map(|(row, line, v)| (row + part.first_row, line, v)),
                );
            },
        );
        n.map(|n| (rows, n))
    }

    /// A random CSV with the parser's corner cases: quoted fields with
    /// commas, quotes and line breaks, CRLF and lone CR, blank and
    /// all-blank lines, non-ASCII text, and (when `bad`) a ragged row or a
    /// byte that is not UTF-8.
    fn random_csv(rng: &mut ChaCha8Rng, rows: usize, bad: bool) -> Vec<u8> {
        let cells: [&[u8]; 10] = [
            b"x",
            b"",
            b"u0001",
            b"2026-01-02T03:04:05Z",
            b"\"q,1\"",
            b"\"multi\nline\"",
            b"\"esc \"\"q\"\"\"",
            "\u{e9}t\u{e9}".as_bytes(),
            b"\"cr\r\nlf\"",
            b"12.5",
        ];
        let mut out = b"a,b,c\n".to_vec();
        for _ in 0..rows {
            match rng.random_range(0..40) {
                0 => out.extend_from_slice(b"\n"),
                1 => out.extend_from_slice(b"   \n"),
                2 if bad => out.extend_from_slice(b"only,two\n"),
                3 if bad => out.extend_from_slice(b"x,\xff,y\n"),
                4 if bad => out.extend_from_slice(b"\xfe,y,z\n"),
                _ => {
                    for k in 0..3 {
                        if k > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(cells[rng.random_range(0..cells.len())]);
                    }
                    let ends: [&[u8]; 4] = [b"\n", b"\n", b"\r\n", b"\r"];
                    out.extend_from_slice(ends[rng.random_range(0..ends.len())]);
                }
            }
        }
        if rng.random_bool(0.5) {
            out.pop();
        }
        out
    }

    #[test]
    fn blocks_read_as_the_whole_file_does() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for case in 0..300 {
            let bad = case % 3 == 0;
            let rows = rng.random_range(0..60);
            let csv = random_csv(&mut rng, rows, bad);
            let whole = read(&csv, 1 << 20, 1, false);
            for (block, threads) in [(1, 1), (7, 3), (64, 2), (200, 4)] {
                for plain in [false, true] {
                    let got = read(&csv, block, threads, plain);
                    assert_eq!(
                        got,
                        whole,
                        "case {case}, block {block}, plain {plain}: {:?}",
                        String::from_utf8_lossy(&csv)
                    );
                }
            }
        }
    }

    /// A stream that fails after its bytes (a truncated gzip file).
    struct Failing(std::io::Cursor<Vec<u8>>);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "corrupt deflate stream",
                )),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_stream_that_fails_is_reported_on_the_line_it_stopped_on() {
        let w = wanted(&["a", "c"], true);
        for block in [4, 64, 1 << 20] {
            let job = CsvJob {
                file: "t.csv.gz",
                wanted: &w,
                threads: 2,
                block,
                plain: true,
            };
            let bytes = b"a,b,c\n1,2,3\n4,5,6\n7,8".to_vec();
            let got = job.run(
                Failing(std::io::Cursor::new(bytes)),
                || (),
                |(), _, _| {},
                |_| {},
            );
            let p = got.expect_err("the stream fails");
            assert_eq!(p.line, Some(4), "block {block}");
            assert!(
                p.message.contains("is not a valid gzip file"),
                "{}",
                p.message
            );
        }
    }

    #[test]
    fn plain_blocks_take_the_fast_path_with_exact_lines() {
        let csv = b"a,b,c\r\n1,2,3\r\n\r\n  \n4,5,6\n7,8,9";
        assert!(plain_text(&csv[7..]).is_some());
        let row =
            |r: usize, line: u64, a: &str, c: &str| (r, line, vec![a.to_string(), c.to_string()]);
        assert_eq!(
            read(csv, 8, 2, true),
            Ok((
                vec![
                    row(0, 2, "1", "3"),
                    row(1, 5, "4", "6"),
                    row(2, 6, "7", "9")
                ],
                3
            ))
        );
        // The ragged last row is on line 4.
        let p = read(b"a,b,c\n1,2,3\n\n4,5", 4, 2, true).expect_err("ragged");
        assert_eq!(p.line, Some(4));
        assert_eq!(p.value.as_deref(), Some("4,5"));
        // The same lines through the parser (quoted fields), CRLF too.
        let csv = b"a,b,c\r\n\"1\",2,3\r\n\r\n  \r\n\"4\",5,6\r\n\"7\r\n8\",8,9\r\n10,11,12";
        assert!(plain_text(&csv[7..]).is_none());
        for block in [1, 8, 1 << 20] {
            assert_eq!(
                read(csv, block, 2, true),
                Ok((
                    vec![
                        row(0, 2, "1", "3"),
                        row(1, 5, "4", "6"),
                        row(2, 6, "7\r\n8", "9"),
                        row(3, 8, "10", "12")
                    ],
                    4
                ))
            );
        }
        // Quotes, a lone CR, NUL or bytes that are not UTF-8 take the parser.
        assert!(plain_text(b"1,\"2\",3\n").is_none());
        assert!(plain_text(b"1,2\r3\n").is_none());
        assert!(plain_text(b"1,\0,3\n").is_none());
        assert!(plain_text(b"1,\xff,3\n").is_none());
    }
}
