//! One operation table per service: the [`operations!`] macro, and the wire bindings its
//! rows name.
//!
//! Each row is written once: the operation's name, how a request names it on the wire
//! ([`Binding`]) and its handler. From the table come the operation enum, `name()`, the
//! lookup by name or REST path that classification uses, the list of awsQuery actions the
//! gateway routes by (`QUERY_ACTIONS`), and the dispatch `match`. Every handler of every
//! service has one signature: `async fn(&Service, &mut Call) -> Result<Response, Error>`,
//! with the service's own `Call` and error types. Rows for operations a service models but
//! does not implement point at a handler that answers the AWS-style "not implemented"
//! error naming the operation (read from the call), never a silent success.

use std::borrow::Cow;

pub use http::Method;

/// How a request names an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// By its name: the awsQuery `Action`, or the awsJson `X-Amz-Target` after the dot.
    Named,
    /// A REST method and path pattern: literal segments, `{Name}` for one segment, and a
    /// last `{Name+}` for one or more. Empty segments (a trailing `/`) are ignored.
    Rest(&'static str, &'static str),
    /// A REST method on a bucket-like resource (`object: false`) or an object-like one
    /// under it (`object: true`) with a query-string subresource (`?acl`, `?lifecycle`).
    Subresource {
        /// The HTTP method.
        method: &'static str,
        /// Whether the resource is the object (a key is addressed) rather than its bucket.
        object: bool,
        /// The subresource's query parameter.
        name: &'static str,
    },
    /// By rules the service writes beside its table (S3's subresources and headers, see
    /// `nimbus_s3::ops::classify`).
    Rules,
}

impl Binding {
    /// Whether a REST binding matches `method` and the raw (still percent-encoded) `path`.
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        match self {
            Binding::Rest(m, pattern) => *m == method.as_str() && match_path(pattern, path),
            Binding::Named | Binding::Subresource { .. } | Binding::Rules => false,
        }
    }

    /// The percent-decoded segment(s) a REST binding's `index`th `{…}` captures from `path`
    /// (a `{Name+}` capture joined with `/`).
    pub fn path_param<'p>(&self, path: &'p str, index: usize) -> Option<Cow<'p, str>> {
        let Binding::Rest(_, pattern) = self else {
            return None;
        };
        let pats = segments(pattern);
        let mut segs = segments(path);
        let mut n = 0;
        for p in pats {
            if p.ends_with("+}") {
                let rest: Vec<Cow<'p, str>> = segs.map(decode).collect();
                return (n == index && !rest.is_empty()).then(|| Cow::Owned(rest.join("/")));
            }
            let seg = segs.next()?;
            if p.starts_with('{') {
                if n == index {
                    return Some(decode(seg));
                }
                n += 1;
            }
        }
        None
    }
}

fn segments(s: &str) -> impl Iterator<Item = &str> {
    s.split('/').filter(|s| !s.is_empty())
}

fn decode(seg: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(seg).decode_utf8_lossy()
}

/// Whether `path` (raw) matches `pattern` (see [`Binding::Rest`]); literal segments compare
/// percent-decoded, without allocating when a segment has no escapes.
pub fn match_path(pattern: &str, path: &str) -> bool {
    let mut pats = segments(pattern);
    let mut segs = segments(path);
    loop {
        match (pats.next(), segs.next()) {
            (None, None) => return true,
            (Some(p), Some(_)) if p.ends_with("+}") => return true,
            (Some(p), Some(s)) if p.starts_with('{') || decode(s) == p => {}
            _ => return false,
        }
    }
}

/// Writes a service's operation table. Each row is
/// `Name = binding => handler,` where `binding` is a [`Binding`] and `handler` a path to an
/// `async fn(&Svc, &mut Call) -> Result<Response, Error>`. An optional second block,
/// `not_implemented { Name = binding, … }`, lists the operations the service's API models
/// but nimbus does not implement: the service answers them with its AWS-style "not
/// implemented" error naming the operation (found by `not_implemented_name`,
/// `not_implemented_route` or a scan of `NOT_IMPLEMENTED`), never a silent success.
///
/// ```ignore
/// nimbus_wire::operations! {
///     /// An SQS operation.
///     pub enum Op for SqsService, Call, SqsError {
///         CreateQueue = Binding::Named => queues::create_queue,
///     }
/// }
/// ```
///
/// generates `enum Op` (one variant per row, in table order), `Op::ALL`, `Op::NAMES`,
/// `Op::QUERY_ACTIONS` (the names of the [`Binding::Named`] rows, implemented or not),
/// `Op::NOT_IMPLEMENTED`, `not_implemented_name()`, `not_implemented_route()`, `name()`, `binding()`,
/// `index()`, `from_index()`, `from_name()`, `route()` (the first [`Binding::Rest`] row
/// matching a method and path) and `call()` (the dispatch).
#[macro_export]
macro_rules! operations {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Op:ident for $Svc:ty, $Call:ty, $Err:ty {
            $( $(#[$vmeta:meta])* $name:ident = $binding:expr => $handler:path ),* $(,)?
        }
        $(
            not_implemented {
                $( $nname:ident = $nbinding:expr ),* $(,)?
            }
        )?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $Op {
            $(
                $(#[$vmeta])*
                #[doc = concat!("`", stringify!($name), "`.")]
                $name,
            )*
        }

        #[allow(dead_code)]
        impl $Op {
            /// Every operation, in table order.
            pub const ALL: &'static [$Op] = &[$($Op::$name),*];

            /// Every operation's name, in table order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            /// The names of the operations requests name by `Action` / `X-Amz-Target`.
            pub const QUERY_ACTIONS: &'static [&'static str] = {
                const ROWS: &[(&str, bool)] = &[
                    $(
                        (stringify!($name), matches!($binding, $crate::operations::Binding::Named)),
                    )*
                    $($(
                        (stringify!($nname), matches!($nbinding, $crate::operations::Binding::Named)),
                    )*)?
                ];
                const N: usize = {
                    let mut n = 0;
                    let mut i = 0;
                    while i < ROWS.len() {
                        if ROWS[i].1 {
                            n += 1;
                        }
                        i += 1;
                    }
                    n
                };
                const OUT: [&str; N] = {
                    let mut out = [""; N];
                    let mut n = 0;
                    let mut i = 0;
                    while i < ROWS.len() {
                        if ROWS[i].1 {
                            out[n] = ROWS[i].0;
                            n += 1;
                        }
                        i += 1;
                    }
                    out
                };
                &OUT
            };

            /// The operations the API models and nimbus does not implement, with their
            /// bindings.
            pub const NOT_IMPLEMENTED: &'static [(&'static str, $crate::operations::Binding)] = &[
                $($( (stringify!($nname), $nbinding), )*)?
            ];

            /// The not-implemented operation named `name` ([`Binding::Named`] rows).
            ///
            /// [`Binding::Named`]: $crate::operations::Binding::Named
            pub fn not_implemented_name(name: &str) -> ::core::option::Option<&'static str> {
                Self::NOT_IMPLEMENTED
                    .iter()
                    .find(|(n, b)| *n == name && *b == $crate::operations::Binding::Named)
                    .map(|(n, _)| *n)
            }

            /// The first not-implemented REST row matching `method` and the raw `path`.
            pub fn not_implemented_route(
                method: &$crate::operations::Method,
                path: &str,
            ) -> ::core::option::Option<&'static str> {
                Self::NOT_IMPLEMENTED
                    .iter()
                    .find(|(_, b)| b.matches(method, path))
                    .map(|(n, _)| *n)
            }

            /// The operation's name in its API.
            pub fn name(self) -> &'static str {
                match self {
                    $($Op::$name => stringify!($name),)*
                }
            }

            /// How a request names it.
            pub fn binding(self) -> $crate::operations::Binding {
                match self {
                    $($Op::$name => $binding,)*
                }
            }

            /// Its row in the table.
            pub fn index(self) -> u16 {
                self as u16
            }

            /// What the service's `classify` answers for it: its name and row, with who may
            /// send it and how its body is read.
            pub fn info(
                self,
                auth: $crate::service::Auth,
                body: $crate::service::BodyLimit,
            ) -> $crate::service::OpInfo {
                $crate::service::OpInfo {
                    name: self.name(),
                    auth,
                    body,
                    index: self.index(),
                }
            }

            /// The operation of row `index`.
            pub fn from_index(index: u16) -> ::core::option::Option<$Op> {
                Self::ALL.get(usize::from(index)).copied()
            }

            /// The operation named `name` (any binding).
            pub fn from_name(name: &str) -> ::core::option::Option<$Op> {
                match name {
                    $(stringify!($name) => ::core::option::Option::Some($Op::$name),)*
                    _ => ::core::option::Option::None,
                }
            }

            /// The first REST row matching `method` and the raw `path`.
            pub fn route(method: &$crate::operations::Method, path: &str) -> ::core::option::Option<$Op> {
                Self::ALL.iter().copied().find(|op| op.binding().matches(method, path))
            }

            /// Runs the operation's handler.
            pub async fn call(
                self,
                svc: &$Svc,
                call: &mut $Call,
            ) -> ::core::result::Result<$crate::Response, $Err> {
                match self {
                    $($Op::$name => $handler(svc, call).await,)*
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_patterns() {
        let b = Binding::Rest("GET", "/2015-03-31/functions/{FunctionName}/configuration");
        assert!(b.matches(&Method::GET, "/2015-03-31/functions/f/configuration"));
        assert!(b.matches(&Method::GET, "/2015-03-31/functions/f/configuration/"));
        assert!(!b.matches(&Method::PUT, "/2015-03-31/functions/f/configuration"));
        assert!(!b.matches(&Method::GET, "/2015-03-31/functions/f"));
        assert_eq!(
            b.path_param("/2015-03-31/functions/my%3Af/configuration", 0)
                .as_deref(),
            Some("my:f")
        );
        let list = Binding::Rest("GET", "/2015-03-31/functions");
        assert!(list.matches(&Method::GET, "/2015-03-31/functions/"));
        let tags = Binding::Rest("GET", "/2017-03-31/tags/{Resource+}");
        assert!(tags.matches(&Method::GET, "/2017-03-31/tags/arn%3Aa/b"));
        assert!(!tags.matches(&Method::GET, "/2017-03-31/tags/"));
        assert_eq!(
            tags.path_param("/2017-03-31/tags/arn%3Aa/b", 0).as_deref(),
            Some("arn:a/b")
        );
    }
}
