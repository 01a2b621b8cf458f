//! The stdio transport's guard. tower-lsp-server ends the server at the
//! first frame it cannot decode (its reader, tokio-util's `FramedRead`,
//! stops after an error), so one malformed message from an editor, or a
//! `Content-Length: -5`, would take the server down, and editors give up
//! after a few restarts. This reads the client's frames itself, answers a
//! malformed one with its JSON-RPC error, and passes on only messages
//! tower-lsp-server decodes: the same types, in the same order.
//!
//! The server's own output is relayed to standard output a whole frame at
//! a time, so that an error written here never lands inside one of its
//! frames.

use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;
use tower_lsp::jsonrpc;

/// Largest message body taken; a larger one is skipped and answered with
/// an error. A whole workspace's file in one `didOpen` is far below it.
pub const MAX_BODY: usize = 64 << 20;
/// Longest header line, and most header lines in one frame.
const MAX_HEADER_LINE: u64 = 4096;
const MAX_HEADER_LINES: usize = 32;

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// What tower-lsp-server's decoder reads a frame as (its own `Message` is
/// private): a response, else a request or notification.
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)] // only whether it decodes matters
enum Message {
    Response(jsonrpc::Response),
    Request(jsonrpc::Request),
}

/// One frame read from the client.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A message tower-lsp-server decodes, as it came.
    Message(Vec<u8>),
    /// The error response to send back, as a JSON body.
    Error(Vec<u8>),
}

/// Reads frames from `input` until its end: messages go to `server`,
/// errors to `output`. Returns when `input` ends or `server` is closed.
pub async fn guard<R, W, O>(input: R, mut server: W, output: Arc<Mutex<O>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
    O: AsyncWrite + Unpin,
{
    let mut input = BufReader::new(input);
    let mut reader = Reader::default();
    loop {
        let frames = match reader.next(&mut input).await {
            Ok(Some(f)) => f,
            Ok(None) | Err(_) => return,
        };
        for frame in frames {
            match frame {
                Frame::Message(body) => {
                    if write_frame(&mut server, &body).await.is_err() {
                        return;
                    }
                }
                Frame::Error(body) => {
                    let mut out = output.lock().await;
                    let _ = write_frame(&mut *out, &body).await;
                }
            }
        }
    }
}

/// Copies the server's frames from `from` to `output`, each whole, until
/// `from` ends.
pub async fn relay<R, O>(from: R, output: Arc<Mutex<O>>)
where
    R: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let mut from = BufReader::new(from);
    let mut reader = Reader::default();
    // The server's own frames are well formed, so each is a message.
    while let Ok(Some(frames)) = reader.next_unchecked(&mut from).await {
        for body in frames {
            let mut out = output.lock().await;
            if write_frame(&mut *out, &body).await.is_err() {
                return;
            }
        }
    }
}

async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, body: &[u8]) -> std::io::Result<()> {
    w.write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes()).await?;
    w.write_all(body).await?;
    w.flush().await
}

/// Reads frames, resynchronising after a bad one at the next
/// `Content-Length`.
#[derive(Default)]
pub struct Reader {
    /// Skipping what follows a frame whose length could not be read, up
    /// to the next header: reported once, with that frame.
    resyncing: bool,
}

/// The headers of one frame.
enum Length {
    Missing,
    Bad(String),
    Ok(usize),
}

impl Reader {
    /// The next frames: usually one, with an error before it for junk that
    /// came first. `None` at the end of the input.
    pub async fn next<R: AsyncBufRead + Unpin>(&mut self, r: &mut R) -> std::io::Result<Option<Vec<Frame>>> {
        let mut out = Vec::new();
        let Some((length, junk)) = self.headers(r).await? else { return Ok(None) };
        if junk && !self.resyncing {
            out.push(Frame::Error(error(jsonrpc::Id::Null, PARSE_ERROR, "Parse error: text that is not a frame")));
        }
        self.resyncing = false;
        match length {
            Length::Missing => {
                out.push(Frame::Error(error(jsonrpc::Id::Null, PARSE_ERROR, "Parse error: no Content-Length")));
                self.resyncing = true;
            }
            Length::Bad(why) => {
                out.push(Frame::Error(error(jsonrpc::Id::Null, PARSE_ERROR, &format!("Parse error: {why}"))));
                self.resyncing = true;
            }
            Length::Ok(n) if n > MAX_BODY => {
                tokio::io::copy(&mut (&mut *r).take(n as u64), &mut tokio::io::sink()).await?;
                let why = format!("Invalid Request: a message of {n} bytes; the largest taken is {MAX_BODY}");
                out.push(Frame::Error(error(jsonrpc::Id::Null, INVALID_REQUEST, &why)));
            }
            Length::Ok(n) => {
                let mut body = vec![0; n];
                if r.read_exact(&mut body).await.is_err() {
                    // The input ended inside the body.
                    return Ok(None);
                }
                out.push(match check(&body) {
                    Ok(()) => Frame::Message(body),
                    Err(e) => Frame::Error(e),
                });
            }
        }
        Ok(Some(out))
    }

    /// Frames as they are, for the server's own output.
    async fn next_unchecked<R: AsyncBufRead + Unpin>(&mut self, r: &mut R) -> std::io::Result<Option<Vec<Vec<u8>>>> {
        let Some((length, _)) = self.headers(r).await? else { return Ok(None) };
        let Length::Ok(n) = length else { return Ok(Some(Vec::new())) };
        let mut body = vec![0; n];
        r.read_exact(&mut body).await?;
        Ok(Some(vec![body]))
    }

    /// Reads header lines up to the blank line that ends them: the length,
    /// and whether text that is not a header came first. `None` at the end
    /// of the input.
    async fn headers<R: AsyncBufRead + Unpin>(&mut self, r: &mut R) -> std::io::Result<Option<(Length, bool)>> {
        let mut length = Length::Missing;
        let (mut lines, mut junk) = (0usize, false);
        loop {
            let mut line = Vec::new();
            let n = (&mut *r).take(MAX_HEADER_LINE).read_until(b'\n', &mut line).await?;
            if n == 0 {
                return Ok(None);
            }
            if !line.ends_with(b"\n") && n as u64 == MAX_HEADER_LINE {
                // An overlong line is junk; skip the rest of it.
                junk = true;
                skip_line(r).await?;
                continue;
            }
            let text = trim_line(&line);
            if text.is_empty() {
                if lines == 0 {
                    // Blank lines between frames, or after junk.
                    continue;
                }
                return Ok(Some((length, junk)));
            }
            // A body without a line end runs into the next frame's header.
            let text = match find(text, b"Content-Length") {
                Some(0) => text,
                Some(i) => {
                    junk = true;
                    lines = 0;
                    length = Length::Missing;
                    &text[i..]
                }
                None if lines == 0 && !text.contains(&b':') => {
                    junk = true;
                    continue;
                }
                None => text,
            };
            lines += 1;
            if lines > MAX_HEADER_LINES {
                junk = true;
                lines = 0;
                length = Length::Missing;
                continue;
            }
            let Some(colon) = text.iter().position(|&b| b == b':') else {
                length = Length::Bad("a header line without `:`".into());
                continue;
            };
            let (name, value) = (&text[..colon], trim(&text[colon + 1..]));
            if name.eq_ignore_ascii_case(b"content-length") {
                length = match std::str::from_utf8(value).ok().filter(|v| v.bytes().all(|b| b.is_ascii_digit())) {
                    Some(v) => match v.parse::<usize>() {
                        Ok(n) => Length::Ok(n),
                        Err(_) => Length::Bad(format!("Content-Length `{v}` is not a length")),
                    },
                    None => Length::Bad(format!("Content-Length `{}` is not a length", String::from_utf8_lossy(value))),
                };
            }
        }
    }
}

async fn skip_line<R: AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<()> {
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                r.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &b[start..end]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether tower-lsp-server decodes `body`; if not, the error to answer.
fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(error(jsonrpc::Id::Null, PARSE_ERROR, "Parse error: the message is not UTF-8"));
    };
    // The one parse a good message costs; why a bad one is bad is worked
    // out only for it.
    if serde_json::from_str::<Message>(text).is_ok() {
        return Ok(());
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(error(jsonrpc::Id::Null, PARSE_ERROR, &format!("Parse error: {e}"))),
    };
    // The request's id where it has one that can be answered.
    let id = value.get("id").and_then(|v| serde_json::from_value::<jsonrpc::Id>(v.clone()).ok());
    let why = match &value {
        Value::Array(_) => "a batch; the Language Server Protocol has none",
        Value::Object(m) if m.get("jsonrpc") != Some(&json!("2.0")) => "`jsonrpc` is not \"2.0\"",
        Value::Object(m) if m.contains_key("id") && id.is_none() => "`id` is not a number, a string or null",
        Value::Object(m) if m.get("method").is_some_and(|v| !v.is_string()) => "`method` is not a string",
        Value::Object(_) => "not a request, a notification or a response",
        _ => "not an object",
    };
    Err(error(id.unwrap_or(jsonrpc::Id::Null), INVALID_REQUEST, &format!("Invalid Request: {why}")))
}

fn error(id: jsonrpc::Id, code: i64, message: &str) -> Vec<u8> {
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<Frame> {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut r = BufReader::new(input);
            let mut reader = Reader::default();
            let mut out = Vec::new();
            while let Some(f) = reader.next(&mut r).await.unwrap() {
                out.extend(f);
            }
            out
        })
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn code(f: &Frame) -> (i64, Value) {
        let Frame::Error(b) = f else { panic!("{f:?} is an error") };
        let v: Value = serde_json::from_slice(b).unwrap();
        (v["error"]["code"].as_i64().unwrap(), v["id"].clone())
    }

    const GOOD: &str = r#"{"jsonrpc":"2.0","id":7,"method":"shutdown"}"#;

    #[test]
    fn good_frames_pass_as_they_came() {
        let input = format!("{}{}", frame(GOOD), frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#));
        let got = read_all(input.as_bytes());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], Frame::Message(GOOD.as_bytes().to_vec()));
    }

    #[test]
    fn each_bad_frame_gets_its_error_and_the_next_one_is_read() {
        let cases: &[(&str, i64, Value)] = &[
            ("not json", PARSE_ERROR, Value::Null),
            ("[1, 2]", INVALID_REQUEST, Value::Null),
            (r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#, INVALID_REQUEST, Value::Null),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#, INVALID_REQUEST, Value::Null),
            (r#"{"jsonrpc":"1.0","id":3,"method":"x"}"#, INVALID_REQUEST, json!(3)),
            (r#"{"jsonrpc":"2.0","id":4,"method":5}"#, INVALID_REQUEST, json!(4)),
            (r#"{"jsonrpc":"2.0","method":"x","method":"y"}"#, INVALID_REQUEST, Value::Null),
            ("\"just a string\"", INVALID_REQUEST, Value::Null),
        ];
        for (body, want, id) in cases {
            let input = format!("{}{}", frame(body), frame(GOOD));
            let got = read_all(input.as_bytes());
            assert_eq!(got.len(), 2, "{body}: {got:?}");
            assert_eq!(code(&got[0]), (*want, id.clone()), "{body}");
            assert_eq!(got[1], Frame::Message(GOOD.as_bytes().to_vec()), "{body}");
        }
    }

    #[test]
    fn a_bad_length_is_answered_once_and_reading_resumes_at_the_next_header() {
        for header in ["Content-Length: -5", "Content-Length: five", "Content-Length: 99999999999999999999999"] {
            let input = format!("{header}\r\n\r\n{{\"jsonrpc\":\"2.0\"}}{}", frame(GOOD));
            let got = read_all(input.as_bytes());
            assert_eq!(got.len(), 2, "{header}: {got:?}");
            assert_eq!(code(&got[0]).0, PARSE_ERROR, "{header}");
            assert_eq!(got[1], Frame::Message(GOOD.as_bytes().to_vec()), "{header}");
        }
    }

    #[test]
    fn junk_before_a_frame_and_a_missing_length_are_errors() {
        let input = format!("hello there\n{}", frame(GOOD));
        let got = read_all(input.as_bytes());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(code(&got[0]).0, PARSE_ERROR);
        let input = format!("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}", frame(GOOD));
        let got = read_all(input.as_bytes());
        assert_eq!(code(&got[0]).0, PARSE_ERROR);
        assert_eq!(got.last(), Some(&Frame::Message(GOOD.as_bytes().to_vec())));
    }

    #[test]
    fn an_overlong_body_is_skipped_without_being_held() {
        let n = MAX_BODY + 1;
        let mut input = format!("Content-Length: {n}\r\n\r\n").into_bytes();
        input.resize(input.len() + n, b' ');
        input.extend_from_slice(frame(GOOD).as_bytes());
        let got = read_all(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(code(&got[0]).0, INVALID_REQUEST);
        assert_eq!(got[1], Frame::Message(GOOD.as_bytes().to_vec()));
    }

    #[test]
    fn a_header_line_without_end_is_bounded() {
        let mut input = vec![b'x'; 100_000];
        input.extend_from_slice(b"\r\n");
        input.extend_from_slice(frame(GOOD).as_bytes());
        let got = read_all(&input);
        assert_eq!(code(&got[0]).0, PARSE_ERROR);
        assert_eq!(got.last(), Some(&Frame::Message(GOOD.as_bytes().to_vec())));
    }
}
