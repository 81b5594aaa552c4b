//! One keep-alive HTTP/1.1 connection per virtual user (hyper's low-level
//! client), with the session cookie a browser would keep.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{client::conn::http1, header, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

pub struct Reply {
    pub status: StatusCode,
    /// Where a redirect (or a server function's redirect) points.
    pub location: Option<String>,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Result<serde_json::Value, Error> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct Client {
    addr: SocketAddr,
    sender: Option<http1::SendRequest<Full<Bytes>>>,
    pub cookie: Option<String>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client { addr, sender: None, cookie: None }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    async fn connect(&mut self) -> Result<&mut http1::SendRequest<Full<Bytes>>, Error> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("connected above"))
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
        accept: &str,
    ) -> Result<Reply, Error> {
        let (content_type, body) = match form {
            Some(pairs) => (
                Some("application/x-www-form-urlencoded"),
                form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish().into_bytes(),
            ),
            None => (None, Vec::new()),
        };
        self.request(method, path, content_type, body, accept).await
    }

    /// A request with any body (an upload, a file of JSON).
    pub async fn post(&mut self, path: &str, content_type: &str, body: Vec<u8>, accept: &str) -> Result<Reply, Error> {
        self.request(Method::POST, path, Some(content_type), body, accept).await
    }

    async fn request(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        accept: &str,
    ) -> Result<Reply, Error> {
        let host = self.addr.to_string();
        let mut request =
            Request::builder().method(method).uri(path).header(header::HOST, host).header(header::ACCEPT, accept);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request.body(Full::new(Bytes::from(body)))?;
        let sender = self.connect().await?;
        sender.ready().await?;
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(e.into());
            }
        };
        let (parts, body) = response.into_parts();
        for value in parts.headers.get_all(header::SET_COOKIE) {
            if let Some(pair) = value.to_str().ok().and_then(|v| v.split(';').next()) {
                if pair.starts_with("ecert_session=") {
                    self.cookie = Some(pair.to_string());
                }
            }
        }
        let location = parts.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok(Reply { status: parts.status, location, body: body.collect().await?.to_bytes() })
    }

    pub async fn get(&mut self, path: &str) -> Result<Reply, Error> {
        self.send(Method::GET, path, None, "text/html").await
    }

    /// A server function, called as the WASM client calls it.
    pub async fn call(&mut self, function: &str, form: &[(&str, &str)]) -> Result<Reply, Error> {
        self.send(Method::POST, &format!("/api/{function}"), Some(form), "application/json").await
    }

    /// `call`, demanding 200 and a JSON answer.
    pub async fn call_ok(&mut self, function: &str, form: &[(&str, &str)]) -> Result<serde_json::Value, Error> {
        let reply = self.call(function, form).await?;
        if reply.status != StatusCode::OK {
            return Err(format!("{function}: {} {}", reply.status, reply.text()).into());
        }
        reply.json()
    }

    /// Signs in as a synthetic holder (terms already accepted).
    pub async fn login(addr: SocketAddr, username: &str, password: &str) -> Result<Client, Error> {
        let mut client = Client::new(addr);
        client.call_ok("login", &[("username", username), ("password", password)]).await?;
        Ok(client)
    }
}
