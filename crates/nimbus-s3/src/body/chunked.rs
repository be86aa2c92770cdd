//! The `aws-chunked` content encoding, decoded incrementally.
//!
//! ```text
//! <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n   (repeated)
//! 0[;chunk-signature=<sig>]\r\n
//! [<trailer name>:<value>\r\n ...]                     (with x-amz-trailer)
//! \r\n
//! ```
//! Input arrives in arbitrary frames; [`ChunkedDecoder::feed`] turns each frame into
//! [`Piece`]s, slicing data out of the frame without copying. Lines are bounded.

use bytes::Bytes;

use crate::error::{S3Error, S3Result};

/// Longest chunk-size or trailer line accepted.
const MAX_LINE: usize = 4096;
/// Most trailer lines accepted.
const MAX_TRAILERS: usize = 16;

/// What the decoder found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A chunk header: its size and `chunk-signature`, if any.
    Header {
        /// The chunk's data length.
        size: u64,
        /// The `chunk-signature` extension.
        signature: Option<String>,
    },
    /// Chunk data.
    Data(Bytes),
    /// The current chunk's data is complete (also after the final empty chunk).
    ChunkDone,
    /// A trailing header, name lower-cased, value trimmed.
    Trailer(String, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size,
    Data(u64),
    DataCr,
    DataLf,
    Trailers,
    Done,
}

/// An incremental `aws-chunked` decoder.
#[derive(Debug)]
pub struct ChunkedDecoder {
    state: State,
    line: Vec<u8>,
    trailers: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

fn malformed(what: &str) -> S3Error {
    S3Error::IncompleteBody(format!("The aws-chunked request body is malformed: {what}"))
}

impl ChunkedDecoder {
    /// A decoder at the start of a body.
    pub fn new() -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size,
            line: Vec::new(),
            trailers: 0,
        }
    }

    /// Whether the terminating empty line was seen.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes `input`, appending what it holds to `out`.
    pub fn feed(&mut self, input: Bytes, out: &mut Vec<Piece>) -> S3Result<()> {
        let mut pos = 0;
        while pos < input.len() {
            match self.state {
                State::Data(remaining) => {
                    let n = (remaining as usize).min(input.len() - pos);
                    out.push(Piece::Data(input.slice(pos..pos + n)));
                    pos += n;
                    let left = remaining - n as u64;
                    self.state = if left == 0 {
                        out.push(Piece::ChunkDone);
                        State::DataCr
                    } else {
                        State::Data(left)
                    };
                }
                State::DataCr => {
                    if input[pos] != b'\r' {
                        return Err(malformed("chunk data is longer than its size"));
                    }
                    pos += 1;
                    self.state = State::DataLf;
                }
                State::DataLf => {
                    if input[pos] != b'\n' {
                        return Err(malformed("expected CRLF after chunk data"));
                    }
                    pos += 1;
                    self.state = State::Size;
                }
                State::Size | State::Trailers => {
                    let rest = &input[pos..];
                    match rest.iter().position(|b| *b == b'\n') {
                        None => {
                            self.push_line(rest)?;
                            pos = input.len();
                        }
                        Some(i) => {
                            self.push_line(&rest[..i])?;
                            pos += i + 1;
                            let line = std::mem::take(&mut self.line);
                            let line = line.strip_suffix(b"\r").unwrap_or(&line);
                            self.line_done(line, out)?;
                        }
                    }
                }
                State::Done => {
                    if input[pos..].iter().all(|b| b.is_ascii_whitespace()) {
                        return Ok(());
                    }
                    return Err(malformed("data after the final chunk"));
                }
            }
        }
        Ok(())
    }

    fn push_line(&mut self, bytes: &[u8]) -> S3Result<()> {
        if self.line.len() + bytes.len() > MAX_LINE {
            return Err(malformed("line too long"));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<Piece>) -> S3Result<()> {
        let text = std::str::from_utf8(line).map_err(|_| malformed("non-UTF-8 line"))?;
        match self.state {
            State::Size => {
                let (size, ext) = match text.split_once(';') {
                    Some((s, e)) => (s, Some(e)),
                    None => (text, None),
                };
                let size = size.trim();
                if size.is_empty() || size.len() > 16 {
                    return Err(malformed("bad chunk size"));
                }
                let size =
                    u64::from_str_radix(size, 16).map_err(|_| malformed("bad chunk size"))?;
                let signature = ext
                    .and_then(|e| e.trim().strip_prefix("chunk-signature="))
                    .map(|s| s.trim().to_owned());
                out.push(Piece::Header { size, signature });
                if size == 0 {
                    out.push(Piece::ChunkDone);
                    self.state = State::Trailers;
                } else {
                    self.state = State::Data(size);
                }
            }
            State::Trailers => {
                if text.trim().is_empty() {
                    self.state = State::Done;
                    return Ok(());
                }
                self.trailers += 1;
                if self.trailers > MAX_TRAILERS {
                    return Err(malformed("too many trailers"));
                }
                let (name, value) = text
                    .split_once(':')
                    .ok_or_else(|| malformed("bad trailer line"))?;
                out.push(Piece::Trailer(
                    name.trim().to_ascii_lowercase(),
                    value.trim().to_owned(),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks the body ended where it may: after the final chunk (the closing empty line
    /// after trailers is optional, as some clients omit it).
    pub fn finish(&self) -> S3Result<()> {
        match self.state {
            State::Done => Ok(()),
            State::Trailers if self.line.is_empty() => Ok(()),
            _ => Err(S3Error::IncompleteBody(
                "The request body terminated unexpectedly".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(body: &[u8], step: usize) -> (Vec<u8>, Vec<Piece>) {
        let mut d = ChunkedDecoder::new();
        let mut out = Vec::new();
        for c in body.chunks(step) {
            d.feed(Bytes::copy_from_slice(c), &mut out).unwrap();
        }
        d.finish().unwrap();
        let data = out
            .iter()
            .filter_map(|p| match p {
                Piece::Data(b) => Some(b.to_vec()),
                _ => None,
            })
            .flatten()
            .collect();
        let rest = out
            .into_iter()
            .filter(|p| !matches!(p, Piece::Data(_)))
            .collect();
        (data, rest)
    }

    #[test]
    fn decodes_any_split() {
        let body = b"5;chunk-signature=aa\r\nhello\r\n6;chunk-signature=bb\r\n world\r\n0;chunk-signature=cc\r\nx-amz-checksum-crc32:abc=\r\nx-amz-trailer-signature:dd\r\n\r\n";
        for step in [1, 2, 3, 7, 1000] {
            let (data, pieces) = decode_in_pieces(body, step);
            assert_eq!(data, b"hello world");
            assert_eq!(
                pieces,
                vec![
                    Piece::Header {
                        size: 5,
                        signature: Some("aa".into())
                    },
                    Piece::ChunkDone,
                    Piece::Header {
                        size: 6,
                        signature: Some("bb".into())
                    },
                    Piece::ChunkDone,
                    Piece::Header {
                        size: 0,
                        signature: Some("cc".into())
                    },
                    Piece::ChunkDone,
                    Piece::Trailer("x-amz-checksum-crc32".into(), "abc=".into()),
                    Piece::Trailer("x-amz-trailer-signature".into(), "dd".into()),
                ]
            );
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in [&b"zz\r\n"[..], b"3\r\nabcd\r\n", b"3\r\nabcXY"] {
            let mut d = ChunkedDecoder::new();
            assert!(
                d.feed(Bytes::copy_from_slice(bad), &mut Vec::new())
                    .is_err()
            );
        }
        let mut d = ChunkedDecoder::new();
        d.feed(Bytes::from_static(b"5\r\nhel"), &mut Vec::new())
            .unwrap();
        assert!(d.finish().is_err());
        let mut d = ChunkedDecoder::new();
        d.feed(Bytes::from(vec![b'1'; 5000]), &mut Vec::new())
            .unwrap_err();
    }
}
