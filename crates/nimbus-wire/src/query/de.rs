//! A serde `Deserializer` over awsQuery fields, so that one `#[derive(Deserialize)]` input
//! shape serves both awsJson (serde_json) and awsQuery.
//!
//! The flat form fields are read as a tree split at `.`:
//! - a **structure** is the set of fields under it, each member named by the next segment
//!   (`QueueUrl`, `SendMessageBatchRequestEntry.1.Id`): members whose awsQuery name differs
//!   from the awsJson one take `#[serde(alias = "QueryName")]` (`Entries` ←
//!   `SendMessageBatchRequestEntry`, `AttributeNames` ← `AttributeName`);
//! - a **list** is `Name.N…` or `Name.member.N…`, in numeric order of `N` (`N` that is not a
//!   number is left out), each element read from the fields below `N`; `Name=` alone is an
//!   empty list;
//! - a **map** is `Name.N.Name/Value`, `Name.N.Key/Value` or `Name.entry.N.key/value`, in
//!   index order; an entry without a key is left out and one without a value reads as empty
//!   text;
//! - a **scalar** is a field's text: strings as sent, integers after trimming spaces,
//!   booleans `true`/`false` in any case. Text that is not of the type answers
//!   [`Error::Invalid`], naming the member and the value, which each service turns into the
//!   error AWS answers (SQS's `InvalidParameterValue`, IAM's `ValidationError`).
//!
//! Members of the shape that the request does not carry stay `None` (or their serde
//! default); fields that name no member are ignored, as `Action` and `Version` are.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::QueryParams;

/// What a scalar member's text should have been.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// An integer.
    Integer,
    /// A floating-point number.
    Float,
    /// `true` or `false`.
    Boolean,
}

/// Why a request's fields do not fit an input shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Member `name`'s text `value` is not of the member's type.
    Invalid {
        /// The member's awsQuery name (the last segment: `DelaySeconds`).
        name: String,
        /// The text sent.
        value: String,
        /// The member's type.
        expected: Expected,
    },
    /// Any other mismatch (a structure where text was expected, a missing required member
    /// of a shape without defaults).
    Message(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid {
                name,
                value,
                expected,
            } => write!(f, "value {value:?} for {name} is not {expected:?}"),
            Error::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Message(msg.to_string())
    }
}

/// Reads `T` from the fields of an awsQuery request.
pub fn from_params<'de, T: de::Deserialize<'de>>(params: &'de QueryParams) -> Result<T, Error> {
    let pairs: Vec<(&'de str, &'de str)> = params
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    T::deserialize(Node {
        name: "",
        view: View {
            pairs: &pairs,
            skip: 0,
        },
    })
}

/// A string-to-string map in the order it was sent, repeated keys kept (the awsQuery
/// `Attribute.N.Name/Value` of SQS, whose later repeats win).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pairs(pub Vec<(String, String)>);

impl<'de> de::Deserialize<'de> for Pairs {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Pairs, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(0));
                while let Some(entry) = m.next_entry::<String, String>()? {
                    out.push(entry);
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(PairsVisitor)
    }
}

/// The serde name [`OwnText`] asks for, so that a [`Node`] hands it its own field.
const OWN_TEXT: &str = "$nimbus::query::de::OwnText";

/// A member read as [`QueryParams::get`] reads it: the field's own text whatever fields lie
/// below it, and `None` for a structure or list without text of its own (`Name.1=x`). For
/// services whose inputs were read field by field (IAM, STS), so that a malformed form is
/// answered as before. Other deserializers (serde_json) read it as an `Option<String>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnText(pub Option<String>);

impl OwnText {
    /// The text, if the field was sent.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de> de::Deserialize<'de> for OwnText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<OwnText, D::Error> {
        struct OwnTextVisitor;
        impl<'de> Visitor<'de> for OwnTextVisitor {
            type Value = OwnText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_none<E: de::Error>(self) -> Result<OwnText, E> {
                Ok(OwnText(None))
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<OwnText, D::Error> {
                <String as de::Deserialize>::deserialize(d).map(|s| OwnText(Some(s)))
            }
            fn visit_newtype_struct<D: de::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<OwnText, D::Error> {
                <Option<String> as de::Deserialize>::deserialize(d).map(OwnText)
            }
        }
        d.deserialize_newtype_struct(OWN_TEXT, OwnTextVisitor)
    }
}

/// The fields below one node of the tree: `pairs` (sorted by key) with the node's path,
/// `skip` bytes, removed from each key. A remaining key is `""` for the node's own text and
/// `.rest` (or, at the root, `rest`) for the fields below it.
#[derive(Clone, Copy)]
struct View<'v, 'de> {
    pairs: &'v [(&'de str, &'de str)],
    skip: usize,
}

impl<'v, 'de> View<'v, 'de> {
    /// The key of pair `i` below this node, without a leading `.`.
    fn path(&self, i: usize) -> &'de str {
        let k = &self.pairs[i].0[self.skip..];
        k.strip_prefix('.').unwrap_or(k)
    }

    /// The node's own text.
    fn text(&self) -> Option<&'de str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.len() == self.skip)
            .map(|(_, v)| *v)
    }

    /// The children: (first segment, the view below it), one per distinct segment in key
    /// order.
    fn children(self) -> Children<'v, 'de> {
        Children { view: self, at: 0 }
    }

    /// The child named `name`.
    fn child(self, name: &str) -> Option<View<'v, 'de>> {
        self.children().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The numbered children (`N.…`), in numeric order.
    fn indexed(self) -> Vec<View<'v, 'de>> {
        let mut out: Vec<(u32, View<'v, 'de>)> = self
            .children()
            .filter_map(|(n, v)| n.parse::<u32>().ok().map(|i| (i, v)))
            .collect();
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, v)| v).collect()
    }

    /// The elements of a list: `N.…`, else `member.N.…`.
    fn list(self) -> Vec<View<'v, 'de>> {
        let direct = self.indexed();
        if !direct.is_empty() {
            return direct;
        }
        self.child("member").map(View::indexed).unwrap_or_default()
    }
}

/// Iterates over a view's children, grouping the runs of keys that share a first segment.
struct Children<'v, 'de> {
    view: View<'v, 'de>,
    at: usize,
}

impl<'v, 'de> Iterator for Children<'v, 'de> {
    type Item = (&'de str, View<'v, 'de>);

    fn next(&mut self) -> Option<Self::Item> {
        let v = self.view;
        while self.at < v.pairs.len() && v.pairs[self.at].0.len() == v.skip {
            self.at += 1; // the node's own text
        }
        if self.at >= v.pairs.len() {
            return None;
        }
        let path = v.path(self.at);
        let head = path.split_once('.').map_or(path, |(h, _)| h);
        let start = self.at;
        let dot = v.pairs[start].0.len() - v.skip - path.len();
        let skip = v.skip + dot + head.len();
        while self.at < v.pairs.len() {
            let p = v.path(self.at);
            let same = p
                .strip_prefix(head)
                .is_some_and(|r| r.is_empty() || r.starts_with('.'))
                && v.pairs[self.at].0.len() > v.skip;
            if !same {
                break;
            }
            self.at += 1;
        }
        Some((
            head,
            View {
                pairs: &v.pairs[start..self.at],
                skip,
            },
        ))
    }
}

/// A node of the tree, read as whatever the shape expects there.
struct Node<'v, 'de> {
    /// The member name the node was reached by (for errors).
    name: &'de str,
    view: View<'v, 'de>,
}

impl<'v, 'de> Node<'v, 'de> {
    /// The node's text; a node with no fields at all (a map entry without a value) reads as
    /// `""`.
    fn text(&self) -> Result<&'de str, Error> {
        match self.view.text() {
            Some(t) => Ok(t),
            None if self.view.pairs.is_empty() => Ok(""),
            None => Err(Error::Message(format!(
                "expected a value for {}, found a structure",
                self.name
            ))),
        }
    }

    fn scalar(&self) -> Result<Text<'de>, Error> {
        Ok(Text {
            name: self.name,
            value: self.text()?,
        })
    }
}

macro_rules! forward_to_text {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.scalar()?.$method(visitor)
        }
    )*};
}

impl<'v, 'de> de::Deserializer<'de> for Node<'v, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.view.children().next().is_none() {
            return visitor.visit_borrowed_str(self.text()?);
        }
        self.deserialize_map(visitor)
    }

    forward_to_text! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
        deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_identifier
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == OWN_TEXT {
            return match self.view.text() {
                Some(t) => visitor.visit_some(de::value::BorrowedStrDeserializer::new(t)),
                None => visitor.visit_none(),
            };
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(Elements {
            name: self.name,
            items: self.view.list().into_iter(),
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut entries = self.view.indexed();
        if entries.is_empty()
            && let Some(e) = self.view.child("entry")
        {
            entries = e.indexed();
        }
        if entries.is_empty() {
            // Not a flattened map: read the node's members as the map (`deserialize_any`
            // on a structure, `#[serde(flatten)]`).
            return visitor.visit_map(Members {
                children: self.view.children(),
                value: None,
            });
        }
        visitor.visit_map(Entries {
            name: self.name,
            items: entries.into_iter(),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_map(Members {
            children: self.view.children(),
            value: None,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.text()?.into_deserializer())
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// A structure's members: each child by name.
struct Members<'v, 'de> {
    children: Children<'v, 'de>,
    value: Option<(&'de str, View<'v, 'de>)>,
}

impl<'v, 'de> de::MapAccess<'de> for Members<'v, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((name, view)) = self.children.next() else {
            return Ok(None);
        };
        self.value = Some((name, view));
        seed.deserialize(Text { name, value: name }).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let (name, view) = self
            .value
            .take()
            .ok_or_else(|| Error::Message("a value without a key".into()))?;
        seed.deserialize(Node { name, view })
    }
}

/// A flattened map's entries: `N.Name`/`N.Key`/`N.key` and `N.Value`/`N.value`.
struct Entries<'v, 'de> {
    name: &'de str,
    items: std::vec::IntoIter<View<'v, 'de>>,
    value: Option<View<'v, 'de>>,
}

impl<'v, 'de> de::MapAccess<'de> for Entries<'v, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        for entry in self.items.by_ref() {
            let mut key = None;
            let mut value = None;
            for (n, v) in entry.children() {
                match n {
                    "Name" | "Key" | "key" => key = v.text(),
                    "Value" | "value" => value = Some(v),
                    _ => {}
                }
            }
            let Some(key) = key else { continue };
            self.value = Some(value.unwrap_or(View {
                pairs: &[],
                skip: 0,
            }));
            return seed
                .deserialize(Text {
                    name: self.name,
                    value: key,
                })
                .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let view = self
            .value
            .take()
            .ok_or_else(|| Error::Message("a value without a key".into()))?;
        seed.deserialize(Node {
            name: self.name,
            view,
        })
    }
}

/// A list's elements.
struct Elements<'v, 'de> {
    name: &'de str,
    items: std::vec::IntoIter<View<'v, 'de>>,
}

impl<'v, 'de> de::SeqAccess<'de> for Elements<'v, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            None => Ok(None),
            Some(view) => seed
                .deserialize(Node {
                    name: self.name,
                    view,
                })
                .map(Some),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// One field's text, read as a scalar of the shape's type.
struct Text<'de> {
    name: &'de str,
    value: &'de str,
}

impl<'de> Text<'de> {
    fn invalid(&self, expected: Expected) -> Error {
        Error::Invalid {
            name: self.name.to_owned(),
            value: self.value.to_owned(),
            expected,
        }
    }

    fn int<T: std::str::FromStr>(&self) -> Result<T, Error> {
        self.value
            .trim()
            .parse()
            .map_err(|_| self.invalid(Expected::Integer))
    }

    fn float(&self) -> Result<f64, Error> {
        self.value
            .trim()
            .parse()
            .map_err(|_| self.invalid(Expected::Float))
    }
}

macro_rules! text_int {
    ($($method:ident => $visit:ident: $t:ty,)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.int::<$t>()?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Text<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.value)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.value.eq_ignore_ascii_case("true") {
            visitor.visit_bool(true)
        } else if self.value.eq_ignore_ascii_case("false") {
            visitor.visit_bool(false)
        } else {
            Err(self.invalid(Expected::Boolean))
        }
    }

    text_int! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(self.float()?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(self.float()?)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.value.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
#[path = "de_tests.rs"]
mod tests;
