//! A serde `Serializer` that writes an output shape as the members of an awsQuery
//! `<{Action}Result>` element, so that one `#[derive(Serialize)]` shape serves both awsJson
//! (serde_json) and awsQuery.
//!
//! Each member becomes `<Member>…</Member>`: text escaped, integers in decimal, booleans
//! `true`/`false`, structures as their members, `None` left out. Lists and maps take
//! awsQuery's default form, `<Member><member>…</member></Member>` and
//! `<Member><entry><key>…</key><value>…</value></entry></Member>`, unless the service's
//! [`Spelling`] table names another (botocore's `locationName` and `flattened`): SQS
//! flattens `Messages` to one `<Message>` per item and `Attributes` to
//! `<Attribute><Name>…</Name><Value>…</Value></Attribute>`. The table is keyed by the serde
//! name of the structure (its Rust name unless renamed) and the member's serde name.

use std::fmt;

use serde::ser::{self, Serialize};

use crate::xml::Writer;

/// How one member is spelled in awsQuery XML where that differs from the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    /// Another element name.
    Rename(&'static str),
    /// A flattened list: one element of this name per item, no wrapper.
    FlatList(&'static str),
    /// A flattened map: one `<entry><key>k</key><value>v</value></entry>` per entry, with
    /// these element names, no wrapper.
    FlatMap {
        /// The element of one entry (`Attribute`).
        entry: &'static str,
        /// The key's element (`Name`, `Key`).
        key: &'static str,
        /// The value's element (`Value`).
        value: &'static str,
    },
}

/// A timestamp member, in milliseconds since the epoch: epoch seconds (a JSON number) in
/// awsJson, ISO 8601 (`2026-01-01T00:00:00Z`) in awsQuery XML, CBOR tag 1 around epoch
/// seconds in Smithy RPC v2 CBOR (the one serializer that is not human-readable), as AWS's
/// protocols write timestamps. It reads back the same way ([`crate::timestamp`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp(pub u64);

/// The newtype name by which the XML serializer recognises a [`Timestamp`].
const TIMESTAMP: &str = "nimbus_wire::Timestamp";

impl Serialize for Timestamp {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let secs = self.0 as f64 / 1000.0;
        if !s.is_human_readable() {
            return ciborium::tag::Required::<f64, 1>(secs).serialize(s);
        }
        s.serialize_newtype_struct(TIMESTAMP, &secs)
    }
}

/// One row of a service's spelling table: (structure, member, spelling).
pub type Member = (&'static str, &'static str, Spelling);

/// Why a value could not be written (a type awsQuery has no form for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Writes the members of `value` (a structure) to `w`, spelled by `table`.
pub fn to_writer<T: Serialize + ?Sized>(
    value: &T,
    table: &'static [Member],
    w: &mut Writer,
) -> Result<(), Error> {
    value.serialize(Value {
        w,
        table,
        element: None,
        form: Form::Default,
    })
}

/// The form a list or map takes.
#[derive(Clone, Copy)]
enum Form {
    Default,
    FlatList(&'static str),
    FlatMap {
        entry: &'static str,
        key: &'static str,
        value: &'static str,
    },
}

/// One value, written as the element `element` (`None`: the result's members, unwrapped).
struct Value<'w> {
    w: &'w mut Writer,
    table: &'static [Member],
    element: Option<&'static str>,
    form: Form,
}

/// The seconds since the epoch of a [`Timestamp`], written as ISO 8601.
struct TimestampValue<'w>(Value<'w>);

impl<'w> Value<'w> {
    fn text(self, text: &str) -> Result<(), Error> {
        match self.element {
            Some(e) => {
                self.w.elem(e, text);
                Ok(())
            }
            None => Err(Error("an awsQuery result must be a structure".into())),
        }
    }

    fn display(self, value: impl fmt::Display) -> Result<(), Error> {
        match self.element {
            Some(e) => {
                self.w.elem_display(e, value);
                Ok(())
            }
            None => Err(Error("an awsQuery result must be a structure".into())),
        }
    }

    fn open(&mut self) -> Option<&'static str> {
        if let Some(e) = self.element {
            self.w.open(e);
        }
        self.element
    }
}

macro_rules! display_scalars {
    ($($method:ident: $t:ty,)*) => {$(
        fn $method(self, v: $t) -> Result<(), Error> {
            self.display(v)
        }
    )*};
}

impl<'w> ser::Serializer for Value<'w> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'w>;
    type SerializeTuple = Seq<'w>;
    type SerializeTupleStruct = Seq<'w>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = Map<'w>;
    type SerializeStruct = Struct<'w>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.text(if v { "true" } else { "false" })
    }

    display_scalars! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64,
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(v)
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(Error(
            "bytes have no awsQuery form; encode them first".into(),
        ))
    }

    fn serialize_none(self) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }

    /// A unit struct is an empty element, `<Name/>` (IAM's `<RoleLastUsed/>`).
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        if let Some(e) = self.element {
            self.w.empty(e);
        }
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.text(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name == TIMESTAMP {
            return value.serialize(TimestampValue(self));
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(Error(
            "enum variants with data have no awsQuery form".into(),
        ))
    }

    fn serialize_seq(mut self, _len: Option<usize>) -> Result<Seq<'w>, Error> {
        let (item, close) = match self.form {
            Form::FlatList(item) => (Some(item), None),
            _ => (Some("member"), self.open()),
        };
        Ok(Seq {
            w: self.w,
            table: self.table,
            item,
            close,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq<'w>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'w>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error(
            "enum variants with data have no awsQuery form".into(),
        ))
    }

    fn serialize_map(mut self, _len: Option<usize>) -> Result<Map<'w>, Error> {
        let (entry, key, value, close) = match self.form {
            Form::FlatMap { entry, key, value } => (entry, key, value, None),
            _ => ("entry", "key", "value", self.open()),
        };
        Ok(Map {
            w: self.w,
            entry,
            key,
            value,
            close,
            table: self.table,
        })
    }

    fn serialize_struct(mut self, name: &'static str, _len: usize) -> Result<Struct<'w>, Error> {
        let close = self.open();
        Ok(Struct {
            w: self.w,
            table: self.table,
            shape: name,
            close,
        })
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(Error(
            "enum variants with data have no awsQuery form".into(),
        ))
    }
}

impl<'w> ser::Serializer for TimestampValue<'w> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        let millis = (v * 1000.0).round().max(0.0) as u64;
        self.0.text(&nimbus_core::timefmt::iso8601_secs(millis))
    }

    fn serialize_bool(self, _v: bool) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_i8(self, _v: i8) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_i16(self, _v: i16) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_i32(self, _v: i32) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_i64(self, _v: i64) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_u8(self, _v: u8) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_u16(self, _v: u16) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_u32(self, _v: u32) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_u64(self, _v: u64) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_char(self, _v: char) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_str(self, _v: &str) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
    ) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _v: &T,
    ) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Result<(), Error> {
        Err(not_a_timestamp())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_a_timestamp())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_a_timestamp())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_a_timestamp())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_a_timestamp())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_a_timestamp())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(not_a_timestamp())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_a_timestamp())
    }
}

fn not_a_timestamp() -> Error {
    Error("a Timestamp holds seconds since the epoch".into())
}

/// A structure's members.
struct Struct<'w> {
    w: &'w mut Writer,
    table: &'static [Member],
    shape: &'static str,
    close: Option<&'static str>,
}

impl ser::SerializeStruct for Struct<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let spelling = self
            .table
            .iter()
            .find(|(s, m, _)| *s == self.shape && *m == key)
            .map(|(_, _, sp)| *sp);
        let (element, form) = match spelling {
            None => (key, Form::Default),
            Some(Spelling::Rename(e)) => (e, Form::Default),
            Some(Spelling::FlatList(e)) => (e, Form::FlatList(e)),
            Some(Spelling::FlatMap { entry, key, value }) => {
                (entry, Form::FlatMap { entry, key, value })
            }
        };
        value.serialize(Value {
            w: self.w,
            table: self.table,
            element: Some(element),
            form,
        })
    }

    fn end(self) -> Result<(), Error> {
        if let Some(e) = self.close {
            self.w.close(e);
        }
        Ok(())
    }
}

/// A list's items.
struct Seq<'w> {
    w: &'w mut Writer,
    table: &'static [Member],
    item: Option<&'static str>,
    close: Option<&'static str>,
}

impl Seq<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Value {
            w: self.w,
            table: self.table,
            element: self.item,
            form: Form::Default,
        })
    }

    fn finish(self) -> Result<(), Error> {
        if let Some(e) = self.close {
            self.w.close(e);
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// A map's entries.
struct Map<'w> {
    w: &'w mut Writer,
    table: &'static [Member],
    entry: &'static str,
    key: &'static str,
    value: &'static str,
    close: Option<&'static str>,
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.w.open(self.entry);
        key.serialize(Value {
            w: self.w,
            table: self.table,
            element: Some(self.key),
            form: Form::Default,
        })
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Value {
            w: self.w,
            table: self.table,
            element: Some(self.value),
            form: Form::Default,
        })?;
        self.w.close(self.entry);
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        if let Some(e) = self.close {
            self.w.close(e);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "ser_tests.rs"]
mod tests;
