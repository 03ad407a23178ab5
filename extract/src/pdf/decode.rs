//! Stream filters decoded as lopdf decodes them, but bounded: the structure check measures
//! what a stream inflates to without ever holding more than the document's budget.

use std::borrow::Cow;
use std::io::{Read, Write};

use lopdf::{Object, Stream};

/// A stream's bytes as lopdf decodes them for `pdf-extract` (Flate, LZW and ASCII85, in
/// order; any other filter, or none, leaves the raw bytes), inflating at most `limit` bytes:
/// `None` when the stream holds more.
pub(super) fn decoded(stream: &Stream, limit: usize) -> Option<Vec<u8>> {
    let raw = || (stream.content.len() <= limit).then(|| stream.content.clone());
    let Ok(filters) = stream.filters() else {
        return raw();
    };
    let early_change = stream
        .dict
        .get(b"DecodeParms")
        .and_then(Object::as_dict)
        .and_then(|p| p.get(b"EarlyChange"))
        .and_then(Object::as_i64)
        .map_or(true, |v| v != 0);
    let mut data: Cow<'_, [u8]> = Cow::Borrowed(&stream.content);
    for filter in filters {
        data = Cow::Owned(match filter {
            b"FlateDecode" => inflate(&data, limit)?,
            b"LZWDecode" => unlzw(&data, limit, early_change)?,
            b"ASCII85Decode" => ascii85(&data, limit)?,
            // lopdf refuses the stream, and `pdf-extract` then reads it raw.
            _ => return raw(),
        });
    }
    (data.len() <= limit).then(|| data.into_owned())
}

/// Writes at most `limit` bytes, then fails.
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            return Err(std::io::Error::other("over the limit"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// zlib, falling back to raw deflate past the header, as lopdf does; a stream that fails part
/// way keeps what inflated before the failure, as lopdf's does.
fn inflate(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let read = flate2::read::ZlibDecoder::new(input)
        .take(limit as u64 + 1)
        .read_to_end(&mut out);
    if read.is_err() && out.is_empty() && input.len() > 2 {
        let _ = flate2::read::DeflateDecoder::new(&input[2..])
            .take(limit as u64 + 1)
            .read_to_end(&mut out);
    }
    (out.len() <= limit).then_some(out)
}

fn unlzw(input: &[u8], limit: usize, early_change: bool) -> Option<Vec<u8>> {
    use weezl::{BitOrder, decode::Decoder};
    let mut decoder = if early_change {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut out = Bounded {
        bytes: Vec::new(),
        limit,
    };
    let result = decoder.into_stream(&mut out).decode_all(input);
    match result.status {
        Err(e) if e.kind() == std::io::ErrorKind::Other && out.bytes.len() + 1 > limit => None,
        _ => Some(out.bytes),
    }
}

/// ASCII85 as lopdf decodes it: `z` is four zeros (so the output can be four times the input),
/// whitespace is skipped, anything else outside `!`..`u` ends the data.
fn ascii85(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let input = input.strip_suffix(b"~>").unwrap_or(input);
    let mut out = Vec::new();
    let mut group = [0u32; 5];
    let mut count = 0;
    for &ch in input {
        if ch == b'z' && count == 0 {
            out.extend_from_slice(&[0; 4]);
        } else if ch.is_ascii_whitespace() {
            continue;
        } else if (b'!'..=b'u').contains(&ch) {
            group[count] = u32::from(ch - b'!');
            count += 1;
            if count == 5 {
                let value = group
                    .iter()
                    .fold(0u32, |v, d| v.wrapping_mul(85).wrapping_add(*d));
                out.extend_from_slice(&value.to_be_bytes());
                count = 0;
            }
        } else {
            break;
        }
        if out.len() > limit {
            return None;
        }
    }
    if count > 1 {
        for slot in group.iter_mut().skip(count) {
            *slot = 84;
        }
        let value = group
            .iter()
            .fold(0u32, |v, d| v.wrapping_mul(85).wrapping_add(*d));
        out.extend_from_slice(&value.to_be_bytes()[..count - 1]);
    }
    (out.len() <= limit).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bounded_decoders_stop_at_the_limit() {
        let mut zipped = Vec::new();
        {
            let mut z = flate2::write::ZlibEncoder::new(&mut zipped, flate2::Compression::best());
            z.write_all(&vec![b'x'; 100_000]).unwrap();
            z.finish().unwrap();
        }
        assert_eq!(inflate(&zipped, 100_000).map(|v| v.len()), Some(100_000));
        assert_eq!(inflate(&zipped, 99_999), None);
        assert_eq!(ascii85(b"zz~>", 8), Some(vec![0; 8]));
        assert_eq!(ascii85(b"zzz", 8), None);
        assert_eq!(ascii85(b"87cURDZ~>", 100), Some(b"Hello".to_vec()));
    }
}
