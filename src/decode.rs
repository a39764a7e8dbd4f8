//! Decode: raw page bytes -> UTF-8 text, and which signal decided the encoding.
//!
//! County sites are a museum of encodings: UTF-8 pages, GBK pages labelled `gb2312`, pages
//! that say `charset=utf-8` in the HTTP header but are GBK, Word-pasted bodies carrying a
//! second `charset=` far below the head. The order here is the browser's, plus one step:
//!
//! 1. a byte-order mark;
//! 2. bytes that are valid UTF-8 beyond ASCII are UTF-8, whatever anything claims — GB18030
//!    accepts almost any byte sequence, so trying a GB decoder first turns UTF-8 into silent
//!    mojibake. So are bytes that are UTF-8 but for a few malformed sequences (at most one
//!    in ten non-ASCII sequences; legacy encodings read as UTF-8 are mostly malformed), with
//!    the malformed ones replaced and counted;
//! 3. the HTTP `Content-Type` charset;
//! 4. a `<meta>` declaration found by the HTML standard's prescan of the document head (never
//!    one inside the body);
//! 5. chardetng, Firefox's detector.
//!
//! When a declared encoding yields malformed sequences, the bytes are decoded again with the
//! detector's guess and the result says so (`EncodingSource::Fallback` plus a note).
//! `gb2312` and `GBK` labels decode as GBK, as browsers do (encoding_rs maps the labels).
//!
//! Decoding never fails: malformed bytes become U+FFFD and are counted.

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};
use serde::Serialize;
use std::borrow::Cow;

/// The signal that decided a page's encoding (written to pages.json as `encoding_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodingSource {
    /// A byte-order mark at the start of the bytes.
    Bom,
    /// The charset parameter of the HTTP Content-Type header.
    Header,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the document head.
    Meta,
    /// Detected from the bytes (valid UTF-8, or chardetng's guess).
    Sniff,
    /// The declared encoding produced malformed sequences; detection decided instead.
    Fallback,
    /// Nothing to go on (pure ASCII, no declaration): UTF-8.
    Default,
}

impl EncodingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EncodingSource::Bom => "bom",
            EncodingSource::Header => "header",
            EncodingSource::Meta => "meta",
            EncodingSource::Sniff => "sniff",
            EncodingSource::Fallback => "fallback",
            EncodingSource::Default => "default",
        }
    }
}

/// Decoded page text.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    pub source: EncodingSource,
    /// How many malformed byte sequences were replaced by U+FFFD.
    pub replacement_chars: usize,
    /// Why a declaration was overridden, when it was.
    pub note: Option<String>,
}

/// A declared encoding and where it was declared.
#[derive(Debug, Clone, Copy)]
struct Declared {
    encoding: &'static Encoding,
    source: EncodingSource,
    label: &'static str,
}

/// Decodes `bytes`; `content_type` is the HTTP Content-Type header when the bytes came over HTTP.
///
/// ```
/// let d = minsheng::pipeline::decode("<p>民生实事</p>".as_bytes(), None);
/// assert_eq!(d.encoding.name(), "UTF-8");
/// assert_eq!(d.text, "<p>民生实事</p>");
/// ```
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, replaced) = decode_with(encoding, &bytes[bom_len..]);
        return Decoded {
            text,
            encoding,
            source: EncodingSource::Bom,
            replacement_chars: replaced,
            note: None,
        };
    }

    let declared = content_type
        .and_then(charset_from_content_type)
        .map(|encoding| Declared {
            encoding,
            source: EncodingSource::Header,
            label: "the Content-Type header",
        })
        .or_else(|| {
            prescan_meta_charset(bytes).map(|encoding| Declared {
                encoding,
                source: EncodingSource::Meta,
                label: "the <meta> declaration",
            })
        });

    // encoding_rs's validator (SIMD, through simdutf8) gives the same answer as
    // `std::str::from_utf8`, which walks Chinese text a byte at a time: on the fixtures it
    // took decoding from 3% of the pipeline's time to 1.3%.
    let valid_utf8 = match UTF_8.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(Cow::Borrowed(valid)) => Some(valid),
        _ => None,
    };
    let is_ascii = bytes.is_ascii();

    if let (Some(valid), false) = (valid_utf8, is_ascii) {
        let text = valid.to_owned();
        return match declared {
            Some(d) if d.encoding == UTF_8 => utf8(text, d.source, 0, None),
            Some(d) => utf8(
                text,
                EncodingSource::Fallback,
                0,
                Some(format!(
                    "{} declares {}, but the bytes are valid UTF-8",
                    d.label,
                    d.encoding.name()
                )),
            ),
            None => utf8(text, EncodingSource::Sniff, 0, None),
        };
    }

    // Valid UTF-8 but for a few damaged sequences (a cut or flipped byte) is still UTF-8: a
    // legacy decoder would turn all of it into mojibake, and windows-1252 would even do it
    // without a single replacement.
    // Counted first without decoding: a GBK page read as UTF-8 is mostly malformed, and
    // decoding all of it only to throw the text away cost a fifth of the decode step.
    if !is_ascii && utf8_damage(bytes).is_some_and(is_mostly_valid) {
        let (text, replaced) = decode_with(UTF_8, bytes);
        if is_mostly_valid_utf8(&text, replaced) {
            return match declared {
                Some(d) if d.encoding == UTF_8 => utf8(text, d.source, replaced, None),
                Some(d) => utf8(
                    text,
                    EncodingSource::Fallback,
                    replaced,
                    Some(format!(
                        "{} declares {}, but the bytes are UTF-8 (with {} malformed sequences)",
                        d.label,
                        d.encoding.name(),
                        replaced
                    )),
                ),
                None => utf8(text, EncodingSource::Sniff, replaced, None),
            };
        }
    }

    if let Some(d) = declared {
        let (text, replaced) = decode_with(d.encoding, bytes);
        if replaced == 0 || is_occasional_damage(&text, replaced) {
            return Decoded {
                text,
                encoding: d.encoding,
                source: d.source,
                replacement_chars: replaced,
                note: None,
            };
        }
        let guess = sniff(bytes);
        let (guessed_text, guessed_replaced) = decode_with(guess, bytes);
        if guess != d.encoding && guessed_replaced < replaced {
            return Decoded {
                text: guessed_text,
                encoding: guess,
                source: EncodingSource::Fallback,
                replacement_chars: guessed_replaced,
                note: Some(format!(
                    "{} declares {}, which left {} malformed sequences; decoded as {} instead",
                    d.label,
                    d.encoding.name(),
                    replaced,
                    guess.name()
                )),
            };
        }
        return Decoded {
            text,
            encoding: d.encoding,
            source: d.source,
            replacement_chars: replaced,
            note: None,
        };
    }

    if is_ascii {
        let text = String::from_utf8_lossy(bytes).into_owned();
        return utf8(text, EncodingSource::Default, 0, None);
    }

    let guess = sniff(bytes);
    let (text, replaced) = decode_with(guess, bytes);
    Decoded {
        text,
        encoding: guess,
        source: EncodingSource::Sniff,
        replacement_chars: replaced,
        note: None,
    }
}

/// A few malformed sequences among many good characters are damage (a truncated or corrupted
/// byte), not a wrong declaration: at most one in fifty non-ASCII characters.
fn is_occasional_damage(text: &str, replaced: usize) -> bool {
    let non_ascii = text.chars().filter(|c| !c.is_ascii()).count();
    replaced.saturating_mul(50) <= non_ascii
}

/// Most share of malformed sequences among the non-ASCII sequences of bytes read as UTF-8
/// that still makes them UTF-8, as one in ten. Legacy encodings read as UTF-8 are mostly
/// malformed: 70% to 92% of the non-ASCII sequences of the GBK and GB18030 fixtures (their
/// two-byte characters often pass as two-byte UTF-8 by chance, hence not 100%).
const MALFORMED_SHARE: usize = 10;

/// `text` (bytes decoded as UTF-8, with `replaced` malformed sequences) is UTF-8 with a few
/// damaged sequences: at least some valid multi-byte characters, and malformed sequences
/// are at most one in [`MALFORMED_SHARE`] of the non-ASCII ones.
fn is_mostly_valid_utf8(text: &str, replaced: usize) -> bool {
    let non_ascii = text.chars().filter(|c| !c.is_ascii()).count();
    is_mostly_valid((replaced, non_ascii))
}

/// [`is_mostly_valid_utf8`] on the counts: (malformed sequences, non-ASCII characters with
/// each malformed sequence counted as the U+FFFD it becomes).
fn is_mostly_valid((replaced, non_ascii): (usize, usize)) -> bool {
    let valid = non_ascii.saturating_sub(replaced);
    valid > 0 && replaced.saturating_mul(MALFORMED_SHARE) <= non_ascii
}

/// The counts [`is_mostly_valid`] takes, of `bytes` read as UTF-8, without decoding them.
/// They are those of [`decode_with`]`(UTF_8, …)`: std's `utf8_chunks` and encoding_rs both
/// replace each maximal subpart of an ill-formed sequence by one U+FFFD (the Unicode and
/// WHATWG practice). None as soon as the bytes cannot be mostly valid whatever follows:
/// the malformed sequences so far already outnumber a [`MALFORMED_SHARE`] of every non-ASCII
/// character there could be (each byte left one at most) — a GBK page is known by about a
/// third of the way in, instead of being walked to its end one malformed pair at a time.
fn utf8_damage(bytes: &[u8]) -> Option<(usize, usize)> {
    let (mut replaced, mut non_ascii, mut read) = (0usize, 0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        non_ascii += valid.chars().filter(|c| !c.is_ascii()).count();
        read += valid.len() + chunk.invalid().len();
        if !chunk.invalid().is_empty() {
            replaced += 1;
            non_ascii += 1;
            let at_most = non_ascii.saturating_add(bytes.len() - read);
            if replaced.saturating_mul(MALFORMED_SHARE) > at_most {
                return None;
            }
        }
    }
    Some((replaced, non_ascii))
}

fn utf8(text: String, source: EncodingSource, replaced: usize, note: Option<String>) -> Decoded {
    Decoded {
        text,
        encoding: UTF_8,
        source,
        replacement_chars: replaced,
        note,
    }
}

/// Decodes without BOM sniffing and counts the malformed sequences that became U+FFFD.
fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(capacity);
    let mut replaced = 0;
    let mut input = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut text, true);
        input = &input[read..];
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::OutputFull => {
                text.reserve(input.len().saturating_mul(3).max(16));
            }
            encoding_rs::DecoderResult::Malformed(_, _) => {
                replaced += 1;
                text.push('\u{FFFD}');
            }
        }
    }
    (text, replaced)
}

/// chardetng's guess. GB2312/GBK guesses are widened to GB18030's superset only when GBK
/// itself cannot decode the bytes (a page with characters outside GBK).
fn sniff(bytes: &[u8]) -> &'static Encoding {
    // ISO-2022-JP is never a county page's encoding; UTF-8 may be (an undeclared page).
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Allow);
    if guess == GBK {
        let (_, replaced) = decode_with(GBK, bytes);
        if replaced > 0 {
            let (_, replaced_18030) = decode_with(GB18030, bytes);
            if replaced_18030 < replaced {
                return GB18030;
            }
        }
    }
    guess
}

/// The charset parameter of a Content-Type header value, as an encoding.
pub fn charset_from_content_type(value: &str) -> Option<&'static Encoding> {
    value.split(';').skip(1).find_map(|param| {
        let (name, val) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let val = val.trim().trim_matches(|c| c == '"' || c == '\'');
        html_label(val.as_bytes())
    })
}

/// An encoding label as HTML treats it in a declaration: UTF-16 declarations mean UTF-8.
fn html_label(label: &[u8]) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label(label)?;
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        return Some(UTF_8);
    }
    if encoding == encoding_rs::X_USER_DEFINED {
        return Some(encoding_rs::WINDOWS_1252);
    }
    Some(encoding)
}

/// How far into the document the prescan looks. The HTML standard says 1024 bytes; county
/// CMS heads often carry kilobytes of comments and scripts before the meta, so the scan goes
/// on until `<body` (a Word-pasted `charset=` in the body must not win) or this many bytes.
const PRESCAN_LIMIT: usize = 16 * 1024;

/// The HTML standard's prescan for a `<meta>` charset declaration, over the document head.
pub fn prescan_meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN_LIMIT)];
    let mut i = 0;
    while i < head.len() {
        if head[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &head[i..];
        if rest.starts_with(b"<!--") {
            i += find(&rest[4..], b"-->").map_or(head.len(), |end| end + 4 + 3);
            continue;
        }
        if starts_with_tag(rest, b"body") {
            return None;
        }
        if starts_with_tag(rest, b"meta") {
            let (attrs, consumed) = parse_attributes(&rest[5..]);
            if let Some(encoding) = meta_encoding(&attrs) {
                return Some(encoding);
            }
            i += 5 + consumed;
            continue;
        }
        i += 1;
    }
    None
}

/// An attribute of a tag seen by the prescan: (name, value).
type Attribute = (Vec<u8>, Vec<u8>);

fn meta_encoding(attrs: &[Attribute]) -> Option<&'static Encoding> {
    let get = |name: &[u8]| {
        attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    };
    if let Some(charset) = get(b"charset") {
        return html_label(trim_ascii(charset));
    }
    let is_content_type = get(b"http-equiv")
        .map(|v| trim_ascii(v).eq_ignore_ascii_case(b"content-type"))
        .unwrap_or(false);
    if is_content_type {
        let content = String::from_utf8_lossy(get(b"content")?).into_owned();
        let lower = content.to_ascii_lowercase();
        let at = lower.find("charset")?;
        let after = lower[at + 7..].trim_start();
        let value = after.strip_prefix('=')?.trim_start();
        let value = value.trim_start_matches(['"', '\'']);
        let end = value
            .find(|c: char| c == ';' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(value.len());
        return html_label(&value.as_bytes()[..end]);
    }
    None
}

fn starts_with_tag(rest: &[u8], name: &[u8]) -> bool {
    rest.len() > name.len() + 1
        && rest[1..=name.len()].eq_ignore_ascii_case(name)
        && matches!(
            rest[name.len() + 1],
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'
        )
}

/// Parses `name=value` attributes up to the closing `>`; returns them and the bytes consumed.
fn parse_attributes(input: &[u8]) -> (Vec<Attribute>, usize) {
    let mut attrs = Vec::new();
    let mut i = 0;
    loop {
        while i < input.len() && (input[i].is_ascii_whitespace() || input[i] == b'/') {
            i += 1;
        }
        if i >= input.len() || input[i] == b'>' {
            return (attrs, (i + 1).min(input.len()));
        }
        let start = i;
        while i < input.len()
            && !input[i].is_ascii_whitespace()
            && !matches!(input[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = input[start..i].to_vec();
        while i < input.len() && input[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = Vec::new();
        if i < input.len() && input[i] == b'=' {
            i += 1;
            while i < input.len() && input[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < input.len() && (input[i] == b'"' || input[i] == b'\'') {
                let quote = input[i];
                i += 1;
                let start = i;
                while i < input.len() && input[i] != quote {
                    i += 1;
                }
                value = input[start..i].to_vec();
                i += 1;
            } else {
                let start = i;
                while i < input.len() && !input[i].is_ascii_whitespace() && input[i] != b'>' {
                    i += 1;
                }
                value = input[start..i].to_vec();
            }
        }
        if name.is_empty() {
            i += 1;
        } else {
            attrs.push((name, value));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests;
