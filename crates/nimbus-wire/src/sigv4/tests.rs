//! SigV4 against `aws-sigv4` as the reference signer, botocore-signed vectors and AWS's
//! published test suite.

use super::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode,
};

#[test]
fn parses_header() {
    let mut h = HeaderMap::new();
    h.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd".parse().unwrap());
    h.insert("x-amz-date", "20260101T000000Z".parse().unwrap());
    let s = parse(&"/".parse().unwrap(), &h).unwrap().unwrap();
    assert_eq!(s.credential.access_key, "AKID");
    assert_eq!(s.credential.service, "sqs");
    assert_eq!(s.signed_headers, vec!["host", "x-amz-date"]);
    assert_eq!(s.location, Location::Header);
}

#[test]
fn parses_presigned() {
    let uri: Uri = "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=ff".parse().unwrap();
    let s = parse(&uri, &HeaderMap::new()).unwrap().unwrap();
    assert_eq!(s.credential.service, "s3");
    assert_eq!(s.location, Location::Query { expires_secs: 3600 });
}

#[test]
fn unsigned_and_malformed() {
    assert_eq!(
        parse(&"/".parse().unwrap(), &HeaderMap::new()).unwrap(),
        None
    );
    let mut h = HeaderMap::new();
    h.insert(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request"
            .parse()
            .unwrap(),
    );
    assert!(matches!(
        parse(&"/".parse().unwrap(), &h),
        Err(AuthError::Incomplete(_))
    ));
}

// ---- helpers ----------------------------------------------------------------------

/// A request as the server sees it.
#[derive(Clone, Debug)]
struct Req {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Req {
    /// From an absolute URL (as a client signs it) to the origin-form target the server
    /// receives, with the headers in order (repeated names appended).
    fn new(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Req {
        let full: Uri = url.parse().unwrap();
        let uri: Uri = full
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .parse()
            .unwrap();
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        Req {
            method: method.parse().unwrap(),
            uri,
            headers: map,
            body: body.to_vec(),
        }
    }

    /// The payload hash the gateway hands over: `x-amz-content-sha256`, else the body's.
    fn payload_hash(&self) -> String {
        header_str(&self.headers, "x-amz-content-sha256")
            .map(str::to_owned)
            .unwrap_or_else(|| sha256_hex(&self.body))
    }

    fn check(&self, secret: &str, now_millis: u64) -> Result<(), AuthError> {
        let sig = parse(&self.uri, &self.headers)?.expect("signed");
        verify(
            &sig,
            &self.method,
            &self.uri,
            &self.headers,
            &self.payload_hash(),
            secret,
            now_millis,
        )
    }

    fn with_uri(&self, uri: &str) -> Req {
        Req {
            uri: uri.parse().unwrap(),
            ..self.clone()
        }
    }

    fn with_header(&self, name: &'static str, value: &str) -> Req {
        let mut r = self.clone();
        r.headers.insert(name, value.parse().unwrap());
        r
    }
}

fn millis(amz: &str) -> u64 {
    nimbus_core::timefmt::parse_amz_date_millis(amz).unwrap()
}

fn is_mismatch(r: Result<(), AuthError>) -> bool {
    matches!(r, Err(AuthError::SignatureDoesNotMatch(m)) if m == SIGNATURE_MISMATCH_MESSAGE)
}

const AKID: &str = "AKIDNIMBUS";
const SECRET: &str = "nimbus/secret+KEY";

/// Signs a request with aws-sigv4 as aws-sdk-rust configures it for `service` (S3:
/// single encoding, no normalisation, `x-amz-content-sha256`; presigned S3:
/// `UNSIGNED-PAYLOAD`), at `time`, presigned when `expires` is given.
fn sdk_sign(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    service: &str,
    time: &str,
    expires: Option<u64>,
) -> Req {
    let identity = aws_credential_types::Credentials::new(AKID, SECRET, None, None, "test").into();
    let s3 = service == "s3";
    let mut settings = SigningSettings::default();
    if s3 {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        if expires.is_none() {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
    }
    if let Some(secs) = expires {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(secs));
    }
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(UNIX_EPOCH + Duration::from_millis(millis(time)))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable_body = if s3 && expires.is_some() {
        SignableBody::UnsignedPayload
    } else {
        SignableBody::Bytes(body)
    };
    let signable =
        SignableRequest::new(method, url, headers.iter().copied(), signable_body).unwrap();
    let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)
        .unwrap()
        .into_parts();
    let mut builder = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let mut signed = builder.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut signed);
    let (parts, ()) = signed.into_parts();
    let mut headers = parts.headers;
    if !headers.contains_key("host") {
        // What the HTTP client sends from the URL.
        let authority = parts.uri.authority().unwrap().as_str().to_owned();
        headers.insert("host", authority.parse().unwrap());
    }
    Req {
        method: parts.method,
        uri: parts
            .uri
            .path_and_query()
            .unwrap()
            .as_str()
            .parse()
            .unwrap(),
        headers,
        body: body.to_vec(),
    }
}

const T0: &str = "20260315T101112Z";

// ---- AWS's published SigV4 test suite ---------------------------------------------

const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_TIME: &str = "20150830T123600Z";

#[test]
fn aws_test_suite_get_vanilla() {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    let r = Req::new(
        "GET",
        "http://example.amazonaws.com/",
        &[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", SUITE_TIME),
            ("Authorization", auth),
        ],
        b"",
    );
    let now = millis(SUITE_TIME);
    assert_eq!(r.check(SUITE_SECRET, now), Ok(()));
    assert!(is_mismatch(r.check("wrong", now)));
    // The intermediate values the suite publishes.
    let sig = parse(&r.uri, &r.headers).unwrap().unwrap();
    let creq = canonical_request(&sig, &r.method, &r.uri, &r.headers, EMPTY_SHA256);
    assert_eq!(
        String::from_utf8(creq.clone()).unwrap(),
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(&creq),
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    );
}

#[test]
fn aws_test_suite_get_vanilla_presigned() {
    let r = Req::new(
        "GET",
        "http://example.amazonaws.com/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d",
        &[("Host", "example.amazonaws.com")],
        b"",
    );
    assert_eq!(r.check(SUITE_SECRET, millis(SUITE_TIME)), Ok(()));
}

/// More cases of the suite: duplicate and untrimmed headers, query ordering and
/// encoding, a signed body, a session token, a path with empty segments.
#[test]
fn aws_test_suite_cases() {
    // (method, target, extra headers, signed headers, body, signature)
    type Case = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
        &'static str,
    );
    let cases: [Case; 7] = [
        (
            "GET",
            "/",
            &[
                ("My-Header1", "value2"),
                ("My-Header1", "value2"),
                ("My-Header1", "value1"),
            ],
            "host;my-header1;x-amz-date",
            "",
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
        ),
        (
            "GET",
            "/",
            &[("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            "host;my-header1;my-header2;x-amz-date",
            "",
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        ),
        (
            "GET",
            "/?Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
            &[],
            "host;x-amz-date",
            "",
            "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
        ),
        (
            "GET",
            "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            &[],
            "host;x-amz-date",
            "",
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
        ),
        (
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", "13"),
                (
                    "X-Amz-Content-Sha256",
                    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                ),
            ],
            "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
            "Param1=value1",
            "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
        ),
        (
            "GET",
            "/",
            &[(
                "X-Amz-Security-Token",
                "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
            )],
            "host;x-amz-date;x-amz-security-token",
            "",
            "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
        ),
        (
            "GET",
            "//example//",
            &[],
            "host;x-amz-date",
            "",
            "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
        ),
    ];
    for (method, target, extra, signed, body, signature) in cases {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed}, Signature={signature}"
        );
        let mut headers = vec![
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", SUITE_TIME),
            ("Authorization", auth.as_str()),
        ];
        headers.extend_from_slice(extra);
        let url = format!("http://example.amazonaws.com{target}");
        let r = Req::new(method, &url, &headers, body.as_bytes());
        assert_eq!(
            r.check(SUITE_SECRET, millis(SUITE_TIME)),
            Ok(()),
            "{target} {signed}"
        );
    }
}

// ---- requests signed by botocore 1.43 ---------------------------------------------

/// `(name, method, url, headers, body)`, signed by botocore's `SigV4Auth`,
/// `S3SigV4Auth`, `SigV4QueryAuth` and `S3SigV4QueryAuth` at 20260315T101112Z with
/// `AKIDNIMBUS` / `nimbus/secret+KEY`.
type Vector = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

const BOTOCORE: [Vector; 10] = [
    (
        "sqs_post_form",
        "POST",
        "http://localhost:4566/",
        &[
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("Host", "localhost:4566"),
            ("X-Amz-Date", "20260315T101112Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDNIMBUS/20260315/us-east-1/sqs/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=224420bc2959b003cbf09bab75512abe0c449b3736d4e9ca5cd76c72c65c2801",
            ),
        ],
        "Action=ListQueues&Version=2012-11-05",
    ),
    (
        "lambda_path_and_query",
        "GET",
        "http://localhost:4566/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A000000000000%3Afunction%3Amy%20fn%E2%9C%93/configuration?Qualifier=%24LATEST&Marker=a%2Fb%20c&empty=",
        &[
            ("Host", "localhost:4566"),
            ("X-Custom", "  spaced    out   value "),
            ("X-Amz-Security-Token", "tok/en+=="),
            ("X-Amz-Date", "20260315T101112Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDNIMBUS/20260315/eu-west-1/lambda/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token;x-custom, Signature=7fdaa3ac3dee72b81348cf9a175ada58bb47f4599a46516984ee9d3d088d144d",
            ),
        ],
        "",
    ),
    (
        "logs_params_plus",
        "GET",
        "http://localhost:4566/x/./y/../z//?b=two+words&a=%C3%BC~%2A&a2=",
        &[
            ("Host", "localhost:4566"),
            ("X-Amz-Date", "20260315T101112Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDNIMBUS/20260315/us-west-2/logs/aws4_request, SignedHeaders=host;x-amz-date, Signature=2e0122e4ebd13331b09a3782ec760828b528dac950a0955218c2a5eec3d58fa9",
            ),
        ],
        "",
    ),
    (
        "sts_date_header",
        "POST",
        "http://localhost:4566/",
        &[
            ("Host", "localhost:4566"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Date", "Sun, 15 Mar 2026 10:11:12 -0000"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDNIMBUS/20260315/us-east-1/sts/aws4_request, SignedHeaders=content-type;date;host, Signature=091e9472617bd56cded6b4710617e35c80d0921749e0756abef5fdf77cdea48c",
            ),
        ],
        "Action=GetCallerIdentity&Version=2011-06-15",
    ),
    (
        "s3_put_key_encoding",
        "PUT",
        "http://localhost:4566/bucket/dir%20one/%E2%9C%93%2Bplus~tilde%21bang.txt",
        &[
            ("Host", "localhost:4566"),
            ("Content-Type", "text/plain"),
            ("x-amz-meta-a", "one"),
            ("X-Amz-Date", "20260315T101112Z"),
            (
                "X-Amz-Content-SHA256",
                "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
            ),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDNIMBUS/20260315/us-east-1/s3/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-a, Signature=f9bf57d666612334506766a60cab642ee112a3b459f8290eac179fbba4dbead2",
            ),
        ],
        "hello world",
    ),
    (
        "s3_get_list_query",
        "GET",
        "http://localhost:4566/bucket?list-type=2&prefix=a%2Fb%20c&delimiter=%2F&encoding-type=url",
        &[
            ("Host", "localhost:4566"),
            ("X-Amz-Date", "20260315T101112Z"),
            (
                "X-Amz-Content-SHA256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDNIMBUS/20260315/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=9bfaa41df08a7235695876dbbf2a4dd0a06b8c9eebc679bdda16468cc4b44283",
            ),
        ],
        "",
    ),
    (
        "s3_uploads_noval",
        "POST",
        "http://localhost:4566/bucket/key?uploads",
        &[
            ("Host", "localhost:4566"),
            ("X-Amz-Date", "20260315T101112Z"),
            (
                "X-Amz-Content-SHA256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDNIMBUS/20260315/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=59e7908cd1e06edfc2d61520c7648f524683694c9b20a35483caf0123c8e624b",
            ),
        ],
        "",
    ),
    (
        "s3_presigned_get",
        "GET",
        "http://localhost:4566/bucket/some%20key%E2%9C%93?response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&versionId=v1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDNIMBUS%2F20260315%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260315T101112Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=fd49ad82d814ba3d7f089068b4e1dbdc906ccd5a49ace18cfbce59b2c7133cc3",
        &[("Host", "localhost:4566")],
        "",
    ),
    (
        "s3_presigned_put_token",
        "PUT",
        "http://localhost:4566/bucket/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDNIMBUS%2F20260315%2Feu-central-1%2Fs3%2Faws4_request&X-Amz-Date=20260315T101112Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=sess%2Ftok%3D%3D&X-Amz-Signature=f216ae20168c931739497eb7d9a4c050c3bc66c42b5e6be26b1c0941a44664bb",
        &[("Host", "localhost:4566")],
        "any body at all",
    ),
    (
        "sts_presigned",
        "POST",
        "http://localhost:4566/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDNIMBUS%2F20260315%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20260315T101112Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=fd8995cad1824b5d3d356ec2abe281fc35d665b7ff7955a5479f6a105722e48a",
        &[("Host", "localhost:4566"), ("x-k8s-aws-id", "cluster")],
        "",
    ),
];

fn botocore(name: &str) -> Req {
    let (_, method, url, headers, body) = BOTOCORE
        .iter()
        .find(|v| v.0 == name)
        .expect("a vector of that name");
    Req::new(method, url, headers, body.as_bytes())
}

#[test]
fn accepts_botocore_signatures() {
    let now = millis(T0) + 60_000;
    for (name, ..) in BOTOCORE {
        let r = botocore(name);
        assert_eq!(r.check(SECRET, now), Ok(()), "{name}");
        assert!(is_mismatch(r.check("nimbus/secret+KEZ", now)), "{name}");
    }
}

#[test]
fn botocore_tampering_is_refused() {
    let now = millis(T0);
    // Path: one character, or its encoding.
    let r = botocore("s3_put_key_encoding");
    assert!(is_mismatch(
        r.with_uri("/bucket/dir%20one/%E2%9C%93%2Bplus~tilde%21bang.txT")
            .check(SECRET, now)
    ));
    assert!(is_mismatch(
        r.with_uri("/bucket/dir%20one/%E2%9C%93+plus~tilde%21bang.txt")
            .check(SECRET, now)
    ));
    // A signed header's value; an unsigned header is free to change.
    assert!(is_mismatch(
        r.with_header("x-amz-meta-a", "two").check(SECRET, now)
    ));
    assert_eq!(
        r.with_header("user-agent", "curl").check(SECRET, now),
        Ok(())
    );
    // The body hash.
    let other = "a".repeat(64);
    assert!(is_mismatch(
        r.with_header("x-amz-content-sha256", &other)
            .check(SECRET, now)
    ));
    let mut body = botocore("sqs_post_form");
    body.body = b"Action=DeleteQueue&Version=2012-11-05".to_vec();
    assert!(is_mismatch(body.check(SECRET, now)));
    // A query parameter, added or changed.
    let q = botocore("s3_get_list_query");
    assert!(is_mismatch(
        q.with_uri("/bucket?list-type=2&prefix=a%2Fb%20d&delimiter=%2F&encoding-type=url")
            .check(SECRET, now)
    ));
    assert!(is_mismatch(
        q.with_uri("/bucket?list-type=2&prefix=a%2Fb%20c&delimiter=%2F&encoding-type=url&x=1")
            .check(SECRET, now)
    ));
    // Presigned: the object, a query parameter, a signed header.
    let p = botocore("s3_presigned_get");
    let uri = p.uri.to_string();
    assert!(is_mismatch(
        p.with_uri(&uri.replace("some%20key", "some%20kez"))
            .check(SECRET, now)
    ));
    assert!(is_mismatch(
        p.with_uri(&uri.replace("versionId=v1", "versionId=v2"))
            .check(SECRET, now)
    ));
    let sts = botocore("sts_presigned");
    assert!(is_mismatch(
        sts.with_header("x-k8s-aws-id", "other").check(SECRET, now)
    ));
    assert!(is_mismatch(
        sts.with_header("host", "evil:4566").check(SECRET, now)
    ));
}

#[test]
fn parameter_order_and_equivalent_encodings_do_not_matter() {
    let now = millis(T0);
    let q = botocore("s3_get_list_query");
    // Reordered parameters, lower-case escapes and `+` for a space are the same request.
    assert_eq!(
        q.with_uri("/bucket?encoding-type=url&delimiter=%2f&prefix=a%2fb+c&list-type=2")
            .check(SECRET, now),
        Ok(())
    );
}

// ---- requests signed by aws-sigv4 (aws-sdk-rust) ---------------------------------

#[test]
fn accepts_sdk_signatures() {
    let now = millis(T0) + 30_000;
    let lambda = sdk_sign(
        "POST",
        "http://localhost:4566/2015-03-31/functions/my%20fn%E2%9C%93/invocations?Qualifier=a%20b&x=%2F%3D~",
        &[
            ("content-type", "application/json"),
            ("x-amz-invocation-type", "Event"),
            ("x-multi", "one"),
            ("x-multi", "two  words"),
        ],
        br#"{"k":1}"#,
        "lambda",
        T0,
        None,
    );
    assert_eq!(lambda.headers.get_all("x-multi").iter().count(), 2);
    assert_eq!(lambda.check(SECRET, now), Ok(()));

    let s3 = sdk_sign(
        "PUT",
        "http://localhost:4566/bucket/dir%20one/%E2%9C%93%2Bplus.txt?x-id=PutObject",
        &[("content-type", "text/plain"), ("x-amz-meta-color", "blue")],
        b"hello world",
        "s3",
        T0,
        None,
    );
    assert_eq!(s3.check(SECRET, now), Ok(()));

    let presigned_s3 = sdk_sign(
        "GET",
        "http://localhost:4566/bucket/some%20key%E2%9C%93?versionId=v%2B1&response-content-type=text%2Fplain",
        &[],
        b"",
        "s3",
        T0,
        Some(300),
    );
    assert_eq!(presigned_s3.check(SECRET, now), Ok(()));

    let presigned_sqs = sdk_sign(
        "GET",
        "http://localhost:4566/000000000000/q?Action=ReceiveMessage&MaxNumberOfMessages=2",
        &[],
        b"",
        "sqs",
        T0,
        Some(300),
    );
    assert_eq!(presigned_sqs.check(SECRET, now), Ok(()));

    for r in [&lambda, &s3, &presigned_s3, &presigned_sqs] {
        assert!(is_mismatch(r.check("other-secret", now)), "{r:?}");
    }
}

#[test]
fn sdk_tampering_is_refused() {
    let now = millis(T0);
    let r = sdk_sign(
        "POST",
        "http://localhost:4566/2015-03-31/functions/my%20fn/invocations?Qualifier=a%20b",
        &[("content-type", "application/json"), ("x-multi", "one")],
        br#"{"k":1}"#,
        "lambda",
        T0,
        None,
    );
    assert_eq!(r.check(SECRET, now), Ok(()));
    assert!(is_mismatch(
        r.with_uri("/2015-03-31/functions/my%20fo/invocations?Qualifier=a%20b")
            .check(SECRET, now)
    ));
    assert!(is_mismatch(
        r.with_uri("/2015-03-31/functions/my%20fn/invocations?Qualifier=a%20c")
            .check(SECRET, now)
    ));
    assert!(is_mismatch(
        r.with_header("content-type", "text/plain")
            .check(SECRET, now)
    ));
    let mut two = r.clone();
    two.headers.append("x-multi", "two".parse().unwrap());
    assert!(is_mismatch(two.check(SECRET, now)));
    let mut body = r.clone();
    body.body = br#"{"k":2}"#.to_vec();
    assert!(is_mismatch(body.check(SECRET, now)));
}

#[test]
fn non_s3_paths_are_normalised_and_encoded_twice() {
    // aws-sigv4 normalises `/a/./b/../c` to `/a/c` for non-S3 services, so the request
    // sent with either path verifies; S3 signs the path as sent, so only that one does.
    let now = millis(T0);
    let r = sdk_sign(
        "GET",
        "http://localhost:4566/a/./b/../c%3D",
        &[],
        b"",
        "logs",
        T0,
        None,
    );
    assert_eq!(r.check(SECRET, now), Ok(()));
    assert_eq!(r.with_uri("/a/c%3D").check(SECRET, now), Ok(()));
    let s3 = sdk_sign(
        "GET",
        "http://localhost:4566/a/./b/../c%3D",
        &[],
        b"",
        "s3",
        T0,
        None,
    );
    assert_eq!(s3.check(SECRET, now), Ok(()));
    assert!(is_mismatch(s3.with_uri("/a/c%3D").check(SECRET, now)));
    assert_eq!(normalize_path("/foo/bar/."), "/foo/bar/");
    assert_eq!(normalize_path("/foo/.."), "/");
    assert_eq!(normalize_path("/../foo//bar"), "/foo/bar");
}

// ---- time ------------------------------------------------------------------------

#[test]
fn header_signatures_allow_fifteen_minutes_of_skew() {
    let r = botocore("sqs_post_form");
    let t = millis(T0);
    assert_eq!(r.check(SECRET, t + MAX_SKEW_MILLIS), Ok(()));
    assert_eq!(r.check(SECRET, t - MAX_SKEW_MILLIS), Ok(()));
    assert_eq!(
        r.check(SECRET, t + MAX_SKEW_MILLIS + 1000),
        Err(AuthError::TimeTooSkewed(
            "Signature expired: 20260315T101112Z is now earlier than 20260315T101113Z (20260315T102613Z - 15 min.)".into()
        ))
    );
    assert_eq!(
        r.check(SECRET, t - MAX_SKEW_MILLIS - 1000),
        Err(AuthError::TimeTooSkewed(
            "Signature not yet current: 20260315T101112Z is still later than 20260315T101111Z (20260315T095611Z + 15 min.)".into()
        ))
    );
    // Even with the wrong secret, the time is what is reported.
    assert!(matches!(
        r.check("wrong", t + 3_600_000),
        Err(AuthError::TimeTooSkewed(_))
    ));
    let e = AuthError::TimeTooSkewed(String::new()).to_service_error(Some(ServiceId::Sqs));
    assert_eq!(
        (e.status.as_u16(), &*e.code),
        (403, "SignatureDoesNotMatch")
    );
}

#[test]
fn s3_and_lambda_skew() {
    let t = millis(T0);
    let s3 = botocore("s3_get_list_query");
    assert_eq!(
        s3.check(SECRET, t + 16 * 60_000),
        Err(AuthError::TimeTooSkewed(
            "The difference between the request time and the current time is too large.".into()
        ))
    );
    let e = AuthError::TimeTooSkewed(String::new()).to_service_error(Some(ServiceId::S3));
    assert_eq!((e.status.as_u16(), &*e.code), (403, "RequestTimeTooSkewed"));
    // Lambda allows five minutes.
    let lambda = botocore("lambda_path_and_query");
    assert_eq!(lambda.check(SECRET, t + 5 * 60_000), Ok(()));
    assert_eq!(
        lambda.check(SECRET, t + 6 * 60_000),
        Err(AuthError::TimeTooSkewed(
            "Signature expired: 20260315T101112Z is now earlier than 20260315T101212Z (20260315T101712Z - 5 min.)".into()
        ))
    );
    let e =
        AuthError::SignatureDoesNotMatch(String::new()).to_service_error(Some(ServiceId::Lambda));
    assert_eq!(
        (e.status.as_u16(), &*e.code),
        (403, "InvalidSignatureException")
    );
}

#[test]
fn presigned_s3_urls_expire() {
    let t = millis(T0);
    let r = botocore("s3_presigned_get"); // X-Amz-Expires=900
    assert_eq!(r.check(SECRET, t + 900_000), Ok(()));
    assert_eq!(
        r.check(SECRET, t + 901_000),
        Err(AuthError::Expired("Request has expired".into()))
    );
    // A URL dated in the future is not valid yet.
    assert_eq!(r.check(SECRET, t - 60_000), Ok(()));
    assert_eq!(
        r.check(SECRET, t - 16 * 60_000),
        Err(AuthError::Expired("Request is not yet valid".into()))
    );
    let e = AuthError::Expired(String::new()).to_service_error(Some(ServiceId::S3));
    assert_eq!((e.status.as_u16(), &*e.code), (403, "AccessDenied"));
    // A week-long URL is valid for the week.
    let week = sdk_sign(
        "GET",
        "http://localhost:4566/b/k",
        &[],
        b"",
        "s3",
        T0,
        Some(604_800),
    );
    assert_eq!(week.check(SECRET, t + 604_800_000), Ok(()));
    assert!(matches!(
        week.check(SECRET, t + 604_801_000),
        Err(AuthError::Expired(_))
    ));
}

#[test]
fn presigned_urls_of_other_services_live_fifteen_minutes() {
    let t = millis(T0);
    let r = botocore("sts_presigned"); // X-Amz-Expires=60, which STS ignores
    assert_eq!(r.check(SECRET, t + 14 * 60_000), Ok(()));
    assert!(matches!(
        r.check(SECRET, t + 16 * 60_000),
        Err(AuthError::TimeTooSkewed(m)) if m.starts_with("Signature expired: 20260315T101112Z")
    ));
}

#[test]
fn the_request_time_comes_from_x_amz_date_or_date() {
    let now = millis(T0);
    // botocore's Date header form, and the same instant as GMT, parse alike.
    assert_eq!(
        parse_http_date("Sun, 15 Mar 2026 10:11:12 -0000"),
        Some(now)
    );
    assert_eq!(parse_http_date("Sun, 15 Mar 2026 10:11:12 GMT"), Some(now));
    assert_eq!(
        parse_http_date("Sun, 15 Mar 2026 11:11:12 +0100"),
        Some(now)
    );
    assert_eq!(parse_http_date("Sun, 15 Foo 2026 10:11:12 GMT"), None);
    assert_eq!(parse_http_date("yesterday"), None);
    // Without either header the request is incomplete.
    let mut r = botocore("sts_date_header");
    r.headers.remove("date");
    let e = r.check(SECRET, now).unwrap_err();
    assert!(
        matches!(&e, AuthError::Incomplete(m) if m.starts_with("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")),
        "{e:?}"
    );
    let e = e.to_service_error(Some(ServiceId::Sts));
    assert_eq!((e.status.as_u16(), &*e.code), (400, "IncompleteSignature"));
    let mut s3 = botocore("s3_get_list_query");
    s3.headers.remove("x-amz-date");
    assert_eq!(
        s3.check(SECRET, now),
        Err(AuthError::Incomplete(
            "AWS authentication requires a valid Date or x-amz-date header".into()
        ))
    );
    // A malformed X-Amz-Date.
    let bad = botocore("sqs_post_form").with_header("x-amz-date", "2026-03-15T10:11:12Z");
    assert!(matches!(
        bad.check(SECRET, now),
        Err(AuthError::Incomplete(_))
    ));
}

#[test]
fn the_scope_date_must_be_the_request_date() {
    let now = millis(T0);
    let r = botocore("sqs_post_form").with_header("x-amz-date", "20260316T101112Z");
    assert_eq!(
        r.check(SECRET, now + 86_400_000),
        Err(AuthError::SignatureDoesNotMatch(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260315' != '20260316', from '20260316T101112Z'.".into()
        ))
    );
    let s3 = botocore("s3_get_list_query").with_header("x-amz-date", "20260316T000100Z");
    assert!(matches!(
        s3.check(SECRET, now),
        Err(AuthError::Incomplete(_))
    ));
}

#[test]
fn host_must_be_signed() {
    let now = millis(T0);
    // Re-sign the vanilla request without host: the signature is right, the request is
    // still refused, as AWS requires host.
    let r = Req::new(
        "GET",
        "http://localhost:4566/",
        &[("Host", "localhost:4566"), ("X-Amz-Date", T0)],
        b"",
    );
    let mut sig = Signature {
        credential: Credential {
            access_key: AKID.into(),
            date: "20260315".into(),
            region: "us-east-1".into(),
            service: "sqs".into(),
        },
        signed_headers: vec!["x-amz-date".into()],
        signature: String::new(),
        amz_date: T0.into(),
        location: Location::Header,
    };
    let creq = canonical_request(&sig, &r.method, &r.uri, &r.headers, EMPTY_SHA256);
    let sts = format!(
        "{ALGORITHM}\n{T0}\n20260315/us-east-1/sqs/aws4_request\n{}",
        sha256_hex(&creq)
    );
    sig.signature = hex::encode(hmac(
        &signing_key(SECRET, "20260315", "us-east-1", "sqs"),
        sts.as_bytes(),
    ));
    let err = verify(
        &sig,
        &r.method,
        &r.uri,
        &r.headers,
        EMPTY_SHA256,
        SECRET,
        now,
    );
    assert_eq!(
        err,
        Err(AuthError::Incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into()
        ))
    );
    // With host signed, the same construction verifies.
    sig.signed_headers = vec!["host".into(), "x-amz-date".into()];
    let creq = canonical_request(&sig, &r.method, &r.uri, &r.headers, EMPTY_SHA256);
    let sts = format!(
        "{ALGORITHM}\n{T0}\n20260315/us-east-1/sqs/aws4_request\n{}",
        sha256_hex(&creq)
    );
    sig.signature = hex::encode(hmac(
        &signing_key(SECRET, "20260315", "us-east-1", "sqs"),
        sts.as_bytes(),
    ));
    assert_eq!(
        verify(
            &sig,
            &r.method,
            &r.uri,
            &r.headers,
            EMPTY_SHA256,
            SECRET,
            now
        ),
        Ok(())
    );
    // HTTP/2 carries the host as `:authority`, which the server sees as the URI's.
    let mut h2 = r.clone();
    h2.headers.remove("host");
    h2.uri = "http://localhost:4566/".parse().unwrap();
    assert_eq!(
        verify(
            &sig,
            &h2.method,
            &h2.uri,
            &h2.headers,
            EMPTY_SHA256,
            SECRET,
            now
        ),
        Ok(())
    );
}

#[test]
fn malformed_signatures_never_panic() {
    let now = millis(T0);
    let r = botocore("sqs_post_form");
    let mut sig = parse(&r.uri, &r.headers).unwrap().unwrap();
    for bad in ["", "zz", &"A".repeat(64), &sig.signature.to_uppercase()] {
        sig.signature = bad.to_owned();
        assert!(is_mismatch(verify(
            &sig,
            &r.method,
            &r.uri,
            &r.headers,
            &r.payload_hash(),
            SECRET,
            now
        )));
    }
    // Odd signed-header names and an absent signed header.
    sig.signed_headers = vec![
        "host".into(),
        "".into(),
        "bad header".into(),
        "x-absent".into(),
    ];
    assert!(is_mismatch(verify(
        &sig,
        &r.method,
        &r.uri,
        &r.headers,
        &r.payload_hash(),
        SECRET,
        now
    )));
    // Odd queries: an empty one is no query; the others are parameters.
    assert_eq!(r.with_uri("/?").check(SECRET, now), Ok(()));
    assert_eq!(
        canonical_query("&&=&a==b&%zz=%&+", false),
        "=&%20=&%25zz=%25&a=%3Db"
    );
    for q in ["/?&&=&a==b&%zz=%&+", "/?X-Amz-Signature"] {
        let odd = r.with_uri(q);
        assert!(is_mismatch(odd.check(SECRET, now)), "{q}");
    }
}

// ---- streaming chunk signatures ---------------------------------------------------

/// The S3 documentation's "Example: PUT Object" of a chunked upload: 66560 bytes of
/// `a` in chunks of 65536 and 1024 bytes and the final empty one.
const DOCS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DOCS_SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

fn docs_chunked_request() -> Req {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature={DOCS_SEED}"
    );
    Req::new(
        "PUT",
        "http://s3.amazonaws.com/examplebucket/chunkObject.txt",
        &[
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("Authorization", &auth),
            ("x-amz-content-sha256", STREAMING_PAYLOAD),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
        ],
        b"",
    )
}

#[test]
fn s3_docs_chunked_upload() {
    let r = docs_chunked_request();
    assert_eq!(r.check(DOCS_SECRET, millis("20130524T000000Z")), Ok(()));
    let sig = parse(&r.uri, &r.headers).unwrap().unwrap();
    let chunks: [(usize, &str); 3] = [
        (
            65536,
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        ),
        (
            1024,
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        ),
        (
            0,
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
        ),
    ];
    let mut v = ChunkVerifier::for_request(&sig, &r.headers, DOCS_SECRET).unwrap();
    for (len, signature) in chunks {
        assert_eq!(v.verify_chunk(&vec![b'a'; len], signature), Ok(()), "{len}");
    }
    // The same chain, hashing as the data streams in.
    let mut v = ChunkVerifier::for_request(&sig, &r.headers, DOCS_SECRET).unwrap();
    for (len, signature) in chunks {
        let digest: [u8; 32] = Sha256::digest(vec![b'a'; len]).into();
        assert_eq!(v.verify_chunk_sha256(&digest, signature), Ok(()));
    }
    // One changed byte breaks the chain, and it stays broken.
    let mut v = ChunkVerifier::for_request(&sig, &r.headers, DOCS_SECRET).unwrap();
    let mut first = vec![b'a'; 65536];
    first[100] = b'b';
    assert!(is_mismatch(v.verify_chunk(&first, chunks[0].1)));
    assert!(is_mismatch(v.verify_chunk(&[b'a'; 1024], chunks[1].1)));
    // Chunks out of order fail.
    let mut v = ChunkVerifier::for_request(&sig, &r.headers, DOCS_SECRET).unwrap();
    assert!(is_mismatch(v.verify_chunk(&[b'a'; 1024], chunks[1].1)));
}

#[test]
fn s3_docs_chunked_upload_with_trailer() {
    // "Signature calculations for trailing headers": the same body, a CRC32C trailer.
    let key = signing_key(DOCS_SECRET, "20130524", "us-east-1", "s3");
    let signer = ChunkSigner::new(
        key,
        "20130524T000000Z",
        "20130524/us-east-1/s3/aws4_request",
        "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
    );
    let mut v = ChunkVerifier::new(signer);
    assert_eq!(
        v.verify_chunk(
            &[b'a'; 65536],
            "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
        ),
        Ok(())
    );
    assert_eq!(
        v.verify_chunk(
            &[b'a'; 1024],
            "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
        ),
        Ok(())
    );
    assert_eq!(
        v.verify_chunk(
            b"",
            "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
        ),
        Ok(())
    );
    let trailer = [("x-amz-checksum-crc32c", "sOO8/Q==")];
    let mut tampered = v.clone();
    assert_eq!(
        v.verify_trailer(
            &trailer,
            "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
        ),
        Ok(())
    );
    assert!(is_mismatch(tampered.verify_trailer(
        &[("x-amz-checksum-crc32c", "AAAAAA==")],
        "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
    )));
}

#[test]
fn chunk_signatures_agree_with_aws_sigv4() {
    let identity = aws_credential_types::Credentials::new(AKID, SECRET, None, None, "test").into();
    let time: SystemTime = UNIX_EPOCH + Duration::from_millis(millis(T0));
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-1")
        .name("s3")
        .time(time)
        .settings(())
        .build()
        .unwrap();
    let seed = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut ours = ChunkSigner::new(
        signing_key(SECRET, "20260315", "eu-west-1", "s3"),
        T0,
        "20260315/eu-west-1/s3/aws4_request",
        seed,
    );
    let mut running = seed.to_owned();
    for data in [&b"first chunk"[..], &[7u8; 8192][..], b""] {
        let theirs = aws_sigv4::sign::v4::sign_chunk(
            &bytes::Bytes::copy_from_slice(data),
            &running,
            &params,
        )
        .unwrap()
        .into_parts()
        .1;
        assert_eq!(ours.sign_chunk(data), theirs);
        running = theirs;
    }
    let mut trailers = aws_smithy_runtime_api::http::Headers::new();
    trailers.insert(
        "x-amz-checksum-sha256",
        "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
    );
    trailers.insert("X-Amz-Meta-Z", " last ");
    let theirs = aws_sigv4::sign::v4::sign_trailer(&trailers, &running, &params)
        .unwrap()
        .into_parts()
        .1;
    let pairs = [
        ("X-Amz-Meta-Z", " last "),
        (
            "x-amz-checksum-sha256",
            "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
        ),
    ];
    assert_eq!(ours.sign_trailer(&canonical_trailers(&pairs)), theirs);
    assert_eq!(ours.previous_signature(), theirs);
}

#[test]
fn signing_key_matches_the_published_example() {
    // The SigV4 documentation's example key derivation (iam, 20150830).
    let key = signing_key(SUITE_SECRET, "20150830", "us-east-1", "iam");
    assert_eq!(
        hex::encode(key),
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    );
}
