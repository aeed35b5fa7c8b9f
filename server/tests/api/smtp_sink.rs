//! A local SMTP server for the tests: speaks enough real SMTP (EHLO, MAIL, RCPT, DATA, RSET,
//! NOOP, QUIT) for lettre, keeps every message it accepts, and decodes single-part bodies
//! (7bit, quoted-printable, base64) so tests can read them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// A received message.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers as received (unfolded lines).
    pub headers: Vec<(String, String)>,
    /// The decoded body text.
    pub body: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The reopen link's token in the body.
    pub fn reopen_token(&self) -> Option<String> {
        let at = self.body.find("reopen=")? + "reopen=".len();
        Some(self.body[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect())
    }
}

/// The sink: its port and what it received.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    arrived: Arc<Notify>,
}

impl SmtpSink {
    /// Listens on 127.0.0.1 (a free port, or `port`).
    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind the SMTP sink");
        let sink = SmtpSink { port: listener.local_addr().unwrap().port(), mails: Arc::default(), arrived: Arc::default() };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(socket).await;
                });
            }
        });
        sink
    }

    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Waits until `n` messages arrived (at most `limit`), and returns them all.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.arrived.notified();
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("{} of {n} emails arrived within {limit:?}: {mails:?}", self.mails().len());
            }
        }
    }

    async fn session(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                b"250 ok\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&cmd[10..]);
                to.clear();
                b"250 ok\r\n"
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&cmd[8..]));
                b"250 ok\r\n"
            } else if upper.starts_with("RSET") {
                from.clear();
                to.clear();
                b"250 ok\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    let l = line.trim_end_matches(['\r', '\n']);
                    if l == "." {
                        break;
                    }
                    data.push(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(l).to_string());
                }
                let mail = parse(&from, &to, &data);
                self.mails.lock().unwrap().push(mail);
                self.arrived.notify_waiters();
                b"250 queued\r\n"
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"502 not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}

fn address(s: &str) -> String {
    s.trim().trim_start_matches('<').split('>').next().unwrap_or_default().to_string()
}

fn parse(from: &str, to: &[String], data: &[String]) -> Mail {
    let split = data.iter().position(|l| l.is_empty()).unwrap_or(data.len());
    let mut headers: Vec<(String, String)> = Vec::new();
    for l in &data[..split] {
        if l.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push_str(l.trim_start());
            }
        } else if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let raw = data.get(split + 1..).unwrap_or_default();
    let encoding = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-transfer-encoding")).map(|(_, v)| v.to_ascii_lowercase());
    let body = match encoding.as_deref() {
        Some("quoted-printable") => quoted_printable(raw),
        Some("base64") => {
            let bytes = base64::engine::general_purpose::STANDARD.decode(raw.concat()).unwrap_or_default();
            String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
        }
        _ => raw.join("\n"),
    };
    Mail { from: from.into(), to: to.to_vec(), headers, body }
}

fn quoted_printable(lines: &[String]) -> String {
    let mut bytes = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let (text, soft) = match l.strip_suffix('=') {
            Some(t) => (t, true),
            None => (l.as_str(), false),
        };
        let b = text.as_bytes();
        let mut j = 0;
        while j < b.len() {
            if b[j] == b'=' && j + 3 <= b.len() {
                if let Ok(v) = u8::from_str_radix(&text[j + 1..j + 3], 16) {
                    bytes.push(v);
                    j += 3;
                    continue;
                }
            }
            bytes.push(b[j]);
            j += 1;
        }
        if !soft && i + 1 < lines.len() {
            bytes.push(b'\n');
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn quoted_printable_is_decoded() {
    let lines = vec!["Hej d=C3=A5 =3D link=".to_string(), "tail".to_string(), "next".to_string()];
    assert_eq!(quoted_printable(&lines), "Hej då = linktail\nnext");
}
