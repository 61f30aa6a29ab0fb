//! The spool's on-disk format.
//!
//! A segment file starts with a header: the magic `WTSPOOL\0`, a format version (u32), the log
//! group's name (u32 length, UTF-8) and a CRC-32 of all of it. Records follow, each:
//!
//! ```text
//! magic u32 | body length u32 | CRC-32 of the body u32 | body:
//!     index u32 (0, 1, 2... in the segment) | timestamp ms i64 | stream length u16 | stream | message
//! ```
//!
//! All integers little-endian. The record magic lets a reader find the next record after a
//! damaged one; the index says how many records the damage took.

/// A segment file's first bytes.
pub(crate) const SEGMENT_MAGIC: &[u8; 8] = b"WTSPOOL\0";
/// The format version written.
pub(crate) const VERSION: u32 = 1;
/// Each record's first bytes.
const RECORD_MAGIC: u32 = 0x5743_5257;
/// magic + length + CRC.
const RECORD_HEAD: usize = 12;
/// index + timestamp + stream length.
const BODY_FIXED: usize = 4 + 8 + 2;

/// Appends a segment header for `group` to `out`.
pub(crate) fn encode_header(out: &mut Vec<u8>, group: &str) {
    let start = out.len();
    out.extend_from_slice(SEGMENT_MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(group.len() as u32).to_le_bytes());
    out.extend_from_slice(group.as_bytes());
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// Reads a segment header: the group name and where the records start.
pub(crate) fn decode_header(bytes: &[u8]) -> Result<(&str, usize), &'static str> {
    if bytes.len() < 16 || &bytes[..8] != SEGMENT_MAGIC {
        return Err("not a spool segment (bad magic)");
    }
    if u32_at(bytes, 8) != VERSION {
        return Err("unknown spool format version");
    }
    let len = u32_at(bytes, 12) as usize;
    let end = 16usize.saturating_add(len);
    if bytes.len() < end + 4 {
        return Err("truncated segment header");
    }
    if crc32fast::hash(&bytes[..end]) != u32_at(bytes, end) {
        return Err("segment header checksum mismatch");
    }
    let group = std::str::from_utf8(&bytes[16..end]).map_err(|_| "group name is not UTF-8")?;
    Ok((group, end + 4))
}

/// The bytes [`encode_record`] writes.
pub(crate) fn record_len(stream: &str, message: &str) -> usize {
    RECORD_HEAD + BODY_FIXED + stream.len().min(u16::MAX as usize) + message.len()
}

/// Appends one record to `out`.
pub(crate) fn encode_record(out: &mut Vec<u8>, index: u32, ts: i64, stream: &str, message: &str) {
    let stream = &stream.as_bytes()[..stream.len().min(u16::MAX as usize)];
    let body_len = BODY_FIXED + stream.len() + message.len();
    out.reserve(RECORD_HEAD + body_len);
    out.extend_from_slice(&RECORD_MAGIC.to_le_bytes());
    out.extend_from_slice(&(body_len as u32).to_le_bytes());
    let crc_at = out.len();
    out.extend_from_slice(&[0; 4]);
    let body = out.len();
    out.extend_from_slice(&index.to_le_bytes());
    out.extend_from_slice(&ts.to_le_bytes());
    out.extend_from_slice(&(stream.len() as u16).to_le_bytes());
    out.extend_from_slice(stream);
    out.extend_from_slice(message.as_bytes());
    let crc = crc32fast::hash(&out[body..]);
    out[crc_at..crc_at + 4].copy_from_slice(&crc.to_le_bytes());
}

/// One record read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded<'a> {
    pub(crate) index: u32,
    pub(crate) timestamp_ms: i64,
    pub(crate) stream: &'a str,
    pub(crate) message: &'a str,
}

/// Reads the records of a segment, skipping damaged ones and counting them.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    expected: u32,
    /// Records lost to damage so far (a torn tail counts as one).
    pub(crate) damaged: u64,
    /// The last of them was cut short by the end of the file: the write that held it was
    /// interrupted (its process killed while writing, within the crash window), not damaged.
    pub(crate) torn_tail: bool,
}

impl<'a> Reader<'a> {
    /// A reader of `bytes` from `start` (just after the header).
    pub(crate) fn new(bytes: &'a [u8], start: usize) -> Self {
        Reader {
            bytes,
            pos: start,
            expected: 0,
            damaged: 0,
            torn_tail: false,
        }
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Decoded<'a>;

    fn next(&mut self) -> Option<Decoded<'a>> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        let (record, next) = match decode_at(self.bytes, self.pos) {
            Some(found) => found,
            None => {
                // Damaged: find the next record that checks out.
                let found = (self.pos + 1..self.bytes.len())
                    .filter(|&p| p + 4 <= self.bytes.len() && u32_at(self.bytes, p) == RECORD_MAGIC)
                    .find_map(|p| decode_at(self.bytes, p));
                match found {
                    Some(found) => found,
                    None => {
                        self.damaged += 1;
                        self.torn_tail = cut_short(self.bytes, self.pos);
                        self.pos = self.bytes.len();
                        return None;
                    }
                }
            }
        };
        if record.index > self.expected {
            self.damaged += u64::from(record.index - self.expected);
        }
        self.expected = record.index.saturating_add(1);
        self.pos = next;
        Some(record)
    }
}

/// Whether the record at `pos` is whole but for the end of the file: its head, or the body
/// its head announces, runs past it.
fn cut_short(bytes: &[u8], pos: usize) -> bool {
    match bytes.get(pos..pos + RECORD_HEAD) {
        None => RECORD_MAGIC
            .to_le_bytes()
            .starts_with(&bytes[pos..bytes.len().min(pos + 4)]),
        Some(head) => {
            u32_at(head, 0) == RECORD_MAGIC
                && pos + RECORD_HEAD + u32_at(head, 4) as usize > bytes.len()
        }
    }
}

/// The record at `pos` and where the next one starts, if it is whole and checks out.
fn decode_at(bytes: &[u8], pos: usize) -> Option<(Decoded<'_>, usize)> {
    let head = bytes.get(pos..pos + RECORD_HEAD)?;
    if u32_at(head, 0) != RECORD_MAGIC {
        return None;
    }
    let len = u32_at(head, 4) as usize;
    let body = bytes.get(pos + RECORD_HEAD..(pos + RECORD_HEAD).checked_add(len)?)?;
    if len < BODY_FIXED || crc32fast::hash(body) != u32_at(head, 8) {
        return None;
    }
    let stream_len = u16::from_le_bytes([body[12], body[13]]) as usize;
    let stream = body.get(BODY_FIXED..BODY_FIXED + stream_len)?;
    let message = &body[BODY_FIXED + stream_len..];
    let record = Decoded {
        index: u32_at(body, 0),
        timestamp_ms: i64::from_le_bytes(body[4..12].try_into().ok()?),
        stream: std::str::from_utf8(stream).ok()?,
        message: std::str::from_utf8(message).ok()?,
    };
    Some((record, pos + RECORD_HEAD + len))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(n: u32) -> (Vec<u8>, Vec<usize>) {
        let mut out = Vec::new();
        encode_header(&mut out, "group");
        let mut starts = Vec::new();
        for i in 0..n {
            starts.push(out.len());
            encode_record(
                &mut out,
                i,
                1000 + i as i64,
                "stream",
                &format!("message {i}"),
            );
        }
        (out, starts)
    }

    fn read(bytes: &[u8]) -> (Vec<u32>, u64) {
        let (group, start) = decode_header(bytes).unwrap();
        assert_eq!(group, "group");
        let mut reader = Reader::new(bytes, start);
        let indexes = reader.by_ref().map(|r| r.index).collect();
        (indexes, reader.damaged)
    }

    #[test]
    fn records_round_trip() {
        let (bytes, _) = segment(3);
        let (_, start) = decode_header(&bytes).unwrap();
        let records: Vec<_> = Reader::new(&bytes, start).collect();
        assert_eq!(records.len(), 3);
        assert_eq!(records[2].message, "message 2");
        assert_eq!(records[2].stream, "stream");
        assert_eq!(records[2].timestamp_ms, 1002);
        let total: usize = (0..3)
            .map(|i| record_len("stream", &format!("message {i}")))
            .sum();
        assert_eq!(bytes.len() - start, total);
    }

    #[test]
    fn a_torn_tail_is_skipped_and_counted() {
        let (bytes, starts) = segment(5);
        // Cut in the body, in the head, in the magic number.
        for cut in [bytes.len() - 3, starts[4] + 7, starts[4] + 2] {
            let (_, start) = decode_header(&bytes).unwrap();
            let mut reader = Reader::new(&bytes[..cut], start);
            let indexes: Vec<u32> = reader.by_ref().map(|r| r.index).collect();
            assert_eq!(
                (indexes, reader.damaged),
                (vec![0, 1, 2, 3], 1),
                "cut at {cut}"
            );
            assert!(reader.torn_tail, "cut at {cut} is a torn tail");
        }
    }

    #[test]
    fn damage_at_the_end_is_not_a_torn_tail() {
        let (mut bytes, _) = segment(5);
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        let (_, start) = decode_header(&bytes).unwrap();
        let mut reader = Reader::new(&bytes, start);
        assert_eq!(reader.by_ref().count(), 4);
        assert_eq!(reader.damaged, 1);
        assert!(
            !reader.torn_tail,
            "a whole record that fails its checksum is damage"
        );
        // Nor is garbage after the last record.
        let (mut bytes, _) = segment(5);
        bytes.extend_from_slice(b"garbage!garbage!");
        let mut reader = Reader::new(&bytes, start);
        assert_eq!(reader.by_ref().count(), 5);
        assert!(!reader.torn_tail);
    }

    #[test]
    fn a_flipped_byte_loses_one_record() {
        let (mut bytes, starts) = segment(5);
        bytes[starts[2] + 20] ^= 0x40;
        assert_eq!(read(&bytes), (vec![0, 1, 3, 4], 1));
        // A damaged length field too.
        let (mut bytes, starts) = segment(5);
        bytes[starts[1] + 5] ^= 0x7f;
        assert_eq!(read(&bytes), (vec![0, 2, 3, 4], 1));
    }

    #[test]
    fn a_bad_header_is_refused() {
        let (mut bytes, _) = segment(1);
        bytes[17] ^= 1;
        assert!(decode_header(&bytes).is_err());
        assert!(decode_header(b"short").is_err());
    }
}
