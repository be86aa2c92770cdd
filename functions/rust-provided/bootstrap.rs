//! A `provided.al2023` bootstrap in plain Rust (standard library only) that speaks the Lambda
//! Runtime API itself: what a `lambda_runtime` binary does, without the dependency.
//!
//! Build: rustc -O -o bootstrap bootstrap.rs
//! Behaviour: answers {"echo": <event>, "handler": $_HANDLER}; an event containing "fail"
//! is reported through /error as a handler error.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

fn request(api: &str, method: &str, path: &str, body: &[u8], extra: &str) -> (Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(api).expect("runtime api");
    s.set_nodelay(true).ok();
    let head = format!(
        "{method} /2018-06-01/runtime/{path} HTTP/1.1\r\nHost: {api}\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n{extra}\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut r = BufReader::new(s);
    let mut status = String::new();
    r.read_line(&mut status).unwrap();
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
            if k == "content-length" {
                len = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (headers, body)
}

fn main() {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").expect("AWS_LAMBDA_RUNTIME_API");
    let handler = std::env::var("_HANDLER").unwrap_or_default();
    eprintln!("rust bootstrap starting for handler {handler}");
    loop {
        let (headers, event) = request(&api, "GET", "invocation/next", b"", "");
        let id = headers
            .iter()
            .find(|(k, _)| k == "lambda-runtime-aws-request-id")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let event = String::from_utf8_lossy(&event).into_owned();
        println!("rust handler got {} bytes", event.len());
        if event.contains("fail") {
            let doc = r#"{"errorMessage":"failing as asked","errorType":"RustError"}"#;
            request(&api, "POST", &format!("invocation/{id}/error"), doc.as_bytes(), "Lambda-Runtime-Function-Error-Type: RustError\r\n");
            continue;
        }
        let out = format!(r#"{{"echo":{event},"handler":"{handler}"}}"#);
        request(&api, "POST", &format!("invocation/{id}/response"), out.as_bytes(), "");
    }
}
