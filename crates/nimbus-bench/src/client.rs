//! A minimal keep-alive HTTP/1.1 client: one connection per task, no pooling surprises.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// One open connection to the server under test.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    authority: String,
}

impl Conn {
    /// Connects to `endpoint` (`http://host:port`).
    pub async fn open(endpoint: &str) -> Result<Conn, String> {
        let authority = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let stream = tokio::net::TcpStream::connect(&authority)
            .await
            .map_err(|e| format!("connect {authority}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { sender, authority })
    }

    /// Sends `method path` with `headers` (plus `Host`) and `body`; returns the response
    /// with its body still to read.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<http::Response<Incoming>, String> {
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.authority);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
        self.sender
            .send_request(req)
            .await
            .map_err(|e| e.to_string())
    }

    /// As [`Conn::request`], reading the whole body: the status, the headers and the body.
    pub async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(u16, http::HeaderMap, Bytes), String> {
        let resp = self.request(method, path, headers, body).await?;
        let status = resp.status().as_u16();
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, parts.headers, body))
    }

    /// POSTs `body` to `/` with `headers`; returns the status and the body.
    pub async fn post(
        &mut self,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(u16, Bytes), String> {
        let (status, _, body) = self.exchange("POST", "/", headers, body).await?;
        Ok((status, body))
    }
}
