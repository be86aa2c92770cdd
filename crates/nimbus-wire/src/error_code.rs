//! Error codes as data: each service lists its codes once, in one `const` table of (code,
//! awsQuery code, HTTP status, fault), with [`error_codes!`](crate::error_codes), and its
//! error is a code plus a message (the shape of s3s's `S3Error`/`S3ErrorCode`).

use std::borrow::Cow;

pub use http::StatusCode;

use crate::ServiceError;

/// Who is at fault: the `Type` of awsQuery errors and the `;Sender` of the
/// `x-amzn-query-error` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The client.
    Sender,
    /// The server.
    Receiver,
}

/// How one error code goes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorSpec {
    /// The code: the Smithy shape name for JSON protocols (`QueueDoesNotExist`), the code
    /// of awsQuery-only services (`NoSuchEntity`).
    pub code: &'static str,
    /// The legacy awsQuery code of a service that speaks both awsJson and awsQuery
    /// (`AWS.SimpleQueueService.NonExistentQueue`); `None` where the code serves both.
    pub query_code: Option<&'static str>,
    /// The HTTP status.
    pub status: StatusCode,
    /// Who is at fault.
    pub fault: Fault,
}

impl ErrorSpec {
    /// The wire error of this code with `message`.
    pub fn service_error(&self, message: String) -> ServiceError {
        let mut e = ServiceError::new(self.status, Cow::Borrowed(self.code), message);
        if let Some(q) = self.query_code {
            e = e.with_query_code(Cow::Borrowed(q));
        }
        e.sender_fault = self.fault == Fault::Sender;
        e
    }
}

/// Declares a service's error-code enum and its one table: each variant with
/// `=> (code, query_code, STATUS, Fault)`, where `STATUS` names an
/// [`http::StatusCode`] constant and `Fault` is `Sender` or `Receiver`. The enum gets
/// `TABLE` (every code with its [`ErrorSpec`]) and `spec()`.
///
/// ```
/// nimbus_wire::error_codes! {
///     /// The codes of a service.
///     pub enum Code {
///         /// The thing is not there.
///         NoSuchThing => ("NoSuchThing", None, NOT_FOUND, Sender),
///     }
/// }
/// assert_eq!(Code::NoSuchThing.spec().status.as_u16(), 404);
/// ```
#[macro_export]
macro_rules! error_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => ($code:expr, $query:expr, $status:ident, $fault:ident),
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every code and how it goes on the wire: the service's one error table.
            pub const TABLE: &'static [($name, $crate::error_code::ErrorSpec)] = &[
                $(
                    (
                        $name::$variant,
                        $crate::error_code::ErrorSpec {
                            code: $code,
                            query_code: $query,
                            status: $crate::error_code::StatusCode::$status,
                            fault: $crate::error_code::Fault::$fault,
                        },
                    ),
                )*
            ];

            /// How this code goes on the wire.
            pub const fn spec(self) -> &'static $crate::error_code::ErrorSpec {
                &Self::TABLE[self as usize].1
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::error_codes! {
        /// Test codes.
        enum Code {
            /// A.
            A => ("A", None, NOT_FOUND, Sender),
            /// B.
            B => ("B", Some("Legacy.B"), INTERNAL_SERVER_ERROR, Receiver),
        }
    }

    #[test]
    fn the_table_is_indexed_by_the_code() {
        for (code, spec) in Code::TABLE {
            assert_eq!(code.spec(), spec);
        }
        let e = Code::B.spec().service_error("m".into());
        assert_eq!(e.status.as_u16(), 500);
        assert_eq!(e.code, "B");
        assert_eq!(e.query_code.as_deref(), Some("Legacy.B"));
        assert!(!e.sender_fault);
        let e = Code::A.spec().service_error("m".into());
        assert_eq!(e.query_code, None);
        assert!(e.sender_fault);
    }
}
