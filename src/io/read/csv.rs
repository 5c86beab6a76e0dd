//! Reading a CSV file on several threads: its blocks of whole records are
//! parsed in parallel and their rows handed over in file order.
//!
//! A block of plain text (no quotes, no lone carriage return) takes a fast
//! path that splits it at its delimiters; any other block goes through the
//! `csv` crate's parser. Both give the same rows and the same exact lines.

use super::blocks::{ByteBlock, Cutter};
use super::delimiters::Delimiters;
use super::header::{Header, blank, io_problem, not_utf8, read_header};
use super::{At, MAX_WANTED, Part, Value, Wanted};
use crate::io::problem::{Problem, show_bytes};
use crate::parallel;
use std::io::Read;
use std::ops::ControlFlow;

/// One CSV file being read by [`scan_parts`](super::scan_parts).
pub(super) struct CsvJob<'a> {
    pub(super) file: &'a str,
    pub(super) wanted: &'a [Wanted],
    pub(super) threads: usize,
    /// Bytes per block ([`BLOCK`](super::BLOCK); smaller in tests).
    pub(super) block: usize,
    /// Whether blocks of plain text take the fast path ([`plain_text`]).
    pub(super) plain: bool,
}

impl CsvJob<'_> {
    pub(super) fn run<R: Read + Send, S: Send>(
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
        let mut cutter = Cutter::new(src, self.block);
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

        // The blocks in file order; a read error is the last.
        let mut failed = false;
        let blocks = std::iter::once(Ok(first)).chain(std::iter::from_fn(move || {
            if failed {
                return None;
            }
            match cutter.next_block() {
                Ok(next) => next.map(Ok),
                Err((e, line)) => {
                    failed = true;
                    Some(Err(read_error(e, line)))
                }
            }
        }));
        let parse = |block: Result<ByteBlock, Problem>| {
            let block = block?;
            let mut state = new_state();
            self.parse_block(&block, header, &mut state, &visit)
                .map(|rows| (state, rows))
        };
        // The parts, in file order: the first problem in the file stops
        // the reading.
        let mut rows = 0usize;
        let flow = parallel::ordered_map(blocks, self.threads, parse, |parsed| match parsed {
            Ok((state, n)) => {
                take(Part {
                    state,
                    first_row: rows,
                });
                rows += n;
                ControlFlow::Continue(())
            }
            Err(p) => ControlFlow::Break(p),
        });
        match flow {
            ControlFlow::Continue(()) => Ok(rows),
            ControlFlow::Break(p) => Err(p),
        }
    }

    /// Parses one block's records, handing each row to `visit`; returns
    /// the number of rows.
    fn parse_block<S>(
        &self,
        block: &ByteBlock,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::read::ValueKind;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn wanted(names: &[&'static str], required: bool) -> Vec<Wanted> {
        names
            .iter()
            .map(|&n| Wanted {
                canonical: n,
                name: n.to_string(),
                required,
                kind: ValueKind::Text,
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
