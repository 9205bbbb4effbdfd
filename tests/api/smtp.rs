//! A small SMTP server over real TCP for the e-mail tests: it accepts whatever
//! it is sent and keeps each message for the test to read.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::eventually;

#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    /// The message as sent, with quoted-printable soft line breaks undone.
    pub data: String,
}

impl Received {
    /// The value of a header, if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .lines()
            .take_while(|line| !line.is_empty())
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_owned())
    }

    /// The first link in the message that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let start = self.data.find(prefix)?;
        let rest = &self.data[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
            .unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    }
}

pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
    /// When set, each message is kept but its "250 queued" answer waits for
    /// `release`, so a test can act while the sender has the message in hand.
    gate: Option<Arc<tokio::sync::Semaphore>>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        SmtpServer::start_on(0).await
    }

    pub async fn start_on(port: u16) -> SmtpServer {
        SmtpServer::listen(port, None).await
    }

    /// A server that holds every answer to DATA until `release` is called.
    pub async fn start_gated() -> SmtpServer {
        SmtpServer::listen(0, Some(Arc::new(tokio::sync::Semaphore::new(0)))).await
    }

    /// Lets one held message be acknowledged.
    pub fn release(&self) {
        if let Some(gate) = &self.gate {
            gate.add_permits(1);
        }
    }

    async fn listen(port: u16, gate: Option<Arc<tokio::sync::Semaphore>>) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind SMTP");
        let port = listener.local_addr().expect("address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&received);
        let held = gate.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = Arc::clone(&store);
                let held = held.clone();
                tokio::spawn(async move {
                    let _ = session(stream, store, held).await;
                });
            }
        });
        SmtpServer {
            port,
            received,
            task,
            gate,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits until at least `count` messages arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        eventually(format!("{count} e-mails"), async || {
            let messages = self.messages();
            if messages.len() >= count {
                Ok(messages)
            } else {
                Err(format!("{} e-mails", messages.len()))
            }
        })
        .await
    }

    /// Waits until a message to `address` arrived, and returns those to it,
    /// whatever else did or did not arrive.
    pub async fn wait_for_mail_to(&self, address: &str) -> Vec<Received> {
        eventually(format!("an e-mail to {address}"), async || {
            let messages = self.messages();
            let to: Vec<Received> = messages
                .iter()
                .filter(|m| m.to == [address])
                .cloned()
                .collect();
            if to.is_empty() {
                Err(format!(
                    "e-mails to {:?}",
                    messages.iter().map(|m| &m.to).collect::<Vec<_>>()
                ))
            } else {
                Ok(to)
            }
        })
        .await
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Received>>>,
    gate: Option<Arc<tokio::sync::Semaphore>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 test SMTP ready\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            write.write_all(b"250-test\r\n250 8BITMIME\r\n").await?;
        } else if upper.starts_with("MAIL FROM") {
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO") {
            let address = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
            to.push(address);
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                let line = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(line);
                data.push('\n');
            }
            let data = data.replace("=\n", "").replace("=3D", "=");
            store.lock().expect("lock").push(Received {
                to: to.clone(),
                data,
            });
            if let Some(gate) = &gate {
                gate.acquire().await.expect("gate open").forget();
            }
            write.write_all(b"250 queued\r\n").await?;
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"250 OK\r\n").await?;
        }
    }
    Ok(())
}
