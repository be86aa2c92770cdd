//! A small XML writer for responses, and escaping.
//!
//! Responses are written element by element; text is escaped so that any stored string
//! (message bodies with `\r`, keys with `&`) survives a parser round trip.

/// Escapes text for element content and attribute values. `\r` is written as a character
/// reference because XML parsers turn a literal `\r\n` into `\n`.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\r'))
    {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Builds an XML document as a string.
#[derive(Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// A writer without an XML declaration (awsQuery responses).
    pub fn new() -> Writer {
        Writer {
            out: String::with_capacity(512),
        }
    }

    /// A writer that starts with `<?xml version="1.0" encoding="UTF-8"?>` (S3 responses).
    pub fn with_declaration() -> Writer {
        let mut w = Writer::new();
        w.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        w
    }

    /// `<name>`.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name xmlns="ns">`.
    pub fn open_ns(&mut self, name: &str, ns: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(&escape(ns));
        self.out.push_str("\">");
        self
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>` with `text` escaped.
    pub fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name)
    }

    /// `<name>value</name>` for a value whose text needs no escaping (a number).
    pub fn elem_display(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write as _;
        self.open(name);
        // Writing to a `String` cannot fail.
        let _ = write!(self.out, "{value}");
        self.close(name)
    }

    /// `<name>text</name>` only when `text` is `Some`.
    pub fn opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.elem(name, t);
        }
        self
    }

    /// `<name/>`.
    pub fn empty(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
        self
    }

    /// Appends already-written XML.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.out.push_str(xml);
        self
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_nests() {
        let mut w = Writer::new();
        w.open("A").elem("B", "x<&>\"'\r\n").empty("C").close("A");
        assert_eq!(w.finish(), "<A><B>x&lt;&amp;&gt;&quot;'&#xD;\n</B><C/></A>");
    }
}
