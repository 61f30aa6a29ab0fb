//! Front coding of captured messages, as sorted string tables store their keys.
//!
//! Messages of a burst mostly come from a few call sites, so they repeat their neighbours'
//! text but for a few bytes (`request handled id=41 user=alice …`). A message that shares at
//! least half its bytes with a block's reference message (the last one kept whole) keeps only
//! what differs: the bytes between their common prefix and common suffix, and those two
//! lengths. The worker puts it back together when it drains the block.

use super::pending::Span;

/// A message is kept as what differs from the reference when they share at least this many
/// bytes (and at least half of the message).
const MIN_SHARED: usize = 8;

/// When `message` (a span of `text`) ends `text` and shares at least half its bytes (and
/// [`MIN_SHARED`]) with the start and end of `reference` (another span of `text`), removes
/// those bytes from `text`, leaves `message` on the rest and returns how many were shared at
/// the start and at the end; `None` leaves both as they were.
#[inline]
pub(super) fn shorten(
    text: &mut String,
    message: &mut Span,
    reference: Span,
) -> Option<(usize, usize)> {
    let (start, end) = (message.start as usize, message.end as usize);
    let reference = reference.present().map_or("", |r| r.get(text));
    if message.present().is_none() || end != text.len() || reference.is_empty() {
        return None;
    }
    let (prefix, suffix) = common_ends(reference, &text[start..]);
    let shared = prefix + suffix;
    if shared < MIN_SHARED || shared * 2 < end - start {
        return None;
    }
    // Only what differs stays: drop the suffix, then the prefix.
    text.truncate(end - suffix);
    text.drain(start..start + prefix);
    message.end = message.start + (end - suffix - start - prefix) as u32;
    Some((prefix, suffix))
}

/// Writes to `whole` (emptied first) the message [`shorten`] left as `middle`: the reference's
/// shared start, `middle`, the reference's shared end. (Where the reference is shorter than
/// the counts, a corrupt block, the missing parts are left out, never a panic.)
pub(super) fn expand(
    whole: &mut String,
    reference: &str,
    middle: &str,
    prefix: usize,
    suffix: usize,
) {
    let head = reference.get(..prefix).unwrap_or("");
    let tail = reference
        .len()
        .checked_sub(suffix)
        .and_then(|at| reference.get(at..))
        .unwrap_or("");
    whole.clear();
    whole.push_str(head);
    whole.push_str(middle);
    whole.push_str(tail);
}

/// How many bytes `current` shares with the start and with the end of `reference`, on
/// `current`'s character boundaries, the two never overlapping in either.
#[inline]
fn common_ends(reference: &str, current: &str) -> (usize, usize) {
    let (r, c) = (reference.as_bytes(), current.as_bytes());
    let mut prefix = common_prefix(r, c);
    while !current.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let mut suffix = common_suffix(&r[prefix..], &c[prefix..]);
    while !current.is_char_boundary(c.len() - suffix) {
        suffix -= 1;
    }
    (prefix, suffix)
}

/// Eight bytes at a time: the first differing byte is the lowest set byte of their XOR.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = word(&a[i..]) ^ word(&b[i..]);
        if x != 0 {
            return i + (x.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Like [`common_prefix`], from the ends: the highest set byte of their XOR.
#[inline]
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + 8 <= n {
        let x = word(&a[n - i - 8..]) ^ word(&b[n - i - 8..]);
        if x != 0 {
            return i + (x.leading_zeros() / 8) as usize;
        }
        i += 8;
    }
    let (a, b) = (&a[..n - i], &b[..n - i]);
    i + a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The first eight bytes of `bytes`, the first the lowest.
#[inline]
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_ends_match_a_byte_by_byte_count() {
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..5000 {
            let len = rng.usize(..40);
            let a: Vec<u8> = (0..len).map(|_| rng.u8(b'a'..b'd')).collect();
            let mut b = a.clone();
            b.truncate(rng.usize(..=len));
            if !b.is_empty() && rng.bool() {
                let at = rng.usize(..b.len());
                b[at] = rng.u8(b'a'..b'e');
            }
            if rng.bool() {
                b.insert(0, b'x');
            }
            let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            let suffix = a
                .iter()
                .rev()
                .zip(b.iter().rev())
                .take_while(|(x, y)| x == y);
            assert_eq!(common_prefix(&a, &b), prefix, "{a:?} {b:?}");
            assert_eq!(common_suffix(&a, &b), suffix.count(), "{a:?} {b:?}");
        }
    }

    #[test]
    fn shared_parts_never_split_a_character() {
        // "€" and "₤" share their first two bytes, "é" and "©" their last.
        assert_eq!(common_ends("a € é b", "a ₤ © b"), (2, 2));
        assert_eq!(common_ends("🦀", "🦁"), (0, 0));
        assert_eq!(common_ends("🦀🦀", "🦀x🦀"), (4, 4));
    }
}
