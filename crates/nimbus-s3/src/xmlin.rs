//! Reading the XML documents clients send (tagging, CORS, delete lists, part lists,
//! notification configurations) into a small element tree.
//!
//! S3's request documents are small (at most [`crate::limits::MAX_CONFIG_BODY`]), so a tree
//! is simpler than streaming and lets each operation look up the elements it needs by their
//! local name (namespaces are ignored, as S3 does). Depth and element count are bounded.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::S3Error;

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 32;
/// Most elements in one document.
const MAX_ELEMENTS: usize = 100_000;

/// An element: its local name, text content and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The local name (namespace prefix removed).
    pub name: String,
    /// The concatenated text directly inside the element, entities resolved.
    pub text: String,
    /// The child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Parses `bytes` into its root element; anything not well-formed is `MalformedXML`.
pub fn parse(bytes: &[u8]) -> Result<Element, S3Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| S3Error::MalformedXml)?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    loop {
        match reader.read_event().map_err(|_| S3Error::MalformedXml)? {
            Event::Start(s) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(S3Error::MalformedXml);
                }
                stack.push(Element {
                    name: local(s.local_name().as_ref())?,
                    ..Default::default()
                });
            }
            Event::Empty(s) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(S3Error::MalformedXml);
                }
                let el = Element {
                    name: local(s.local_name().as_ref())?,
                    ..Default::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return finish(&mut reader, el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or(S3Error::MalformedXml)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return finish(&mut reader, el),
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|_| S3Error::MalformedXml)?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(S3Error::MalformedXml),
                }
            }
            Event::CData(c) => {
                let s = c.decode().map_err(|_| S3Error::MalformedXml)?;
                stack
                    .last_mut()
                    .ok_or(S3Error::MalformedXml)?
                    .text
                    .push_str(&s);
            }
            Event::GeneralRef(r) => {
                let el = stack.last_mut().ok_or(S3Error::MalformedXml)?;
                if let Some(c) = r.resolve_char_ref().map_err(|_| S3Error::MalformedXml)? {
                    el.text.push(c);
                } else {
                    let name = r.decode().map_err(|_| S3Error::MalformedXml)?;
                    let v = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or(S3Error::MalformedXml)?;
                    el.text.push_str(v);
                }
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => return Err(S3Error::MalformedXml),
        }
    }
}

fn finish(reader: &mut Reader<&[u8]>, root: Element) -> Result<Element, S3Error> {
    // Only whitespace, comments and processing instructions may follow the root.
    loop {
        match reader.read_event().map_err(|_| S3Error::MalformedXml)? {
            Event::Eof => return Ok(root),
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            Event::Comment(_) | Event::PI(_) => {}
            _ => return Err(S3Error::MalformedXml),
        }
    }
}

fn local(name: &[u8]) -> Result<String, S3Error> {
    String::from_utf8(name.to_vec()).map_err(|_| S3Error::MalformedXml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tree() {
        let doc = br#"<?xml version="1.0"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a&amp;b</Key><Value>&#x41;<![CDATA[<x>]]></Value></Tag><Tag><Key>k</Key><Value/></Tag></TagSet></Tagging>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Tagging");
        let tags: Vec<_> = root
            .child("TagSet")
            .unwrap()
            .children_named("Tag")
            .collect();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].child_text("Key"), Some("a&b"));
        assert_eq!(tags[0].child_text("Value"), Some("A<x>"));
        assert_eq!(tags[1].child_text("Value"), Some(""));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"",
            b"text",
            b"<a/><b/>",
            b"<a>&bogus;</a>",
        ] {
            assert_eq!(
                parse(bad),
                Err(S3Error::MalformedXml),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).is_err());
    }
}
