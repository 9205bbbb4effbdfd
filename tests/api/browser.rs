//! A real headless Chromium, driven over WebDriver by `chromedriver`, for the
//! tests that must see pages the way a person does (the admin page, the widget).
//!
//! Debian's `chromium` and `chromium-driver` packages provide both programs;
//! `REPLYDESK_CHROMEDRIVER` and `REPLYDESK_CHROMIUM` override where they live.
//! Without them a browser test is skipped in one line (see `extras`).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::extras;
use crate::helpers::eventually;

/// How to get what the browser tests need.
const INSTALL: &str = "apt install chromium chromium-driver, or set REPLYDESK_CHROMEDRIVER \
                       and REPLYDESK_CHROMIUM to where they are";

/// chromedriver and Chromium, if both are installed: the setting, or else
/// chromedriver on the `PATH` and `/usr/bin/chromium`. Otherwise, which is missing.
fn installed() -> Result<(PathBuf, PathBuf), String> {
    let driver = match std::env::var_os("REPLYDESK_CHROMEDRIVER") {
        Some(path) if Path::new(&path).is_file() => Ok(PathBuf::from(path)),
        Some(path) => Err(format!(
            "chromedriver (REPLYDESK_CHROMEDRIVER={})",
            Path::new(&path).display()
        )),
        None => std::env::var_os("PATH")
            .and_then(|path| {
                std::env::split_paths(&path)
                    .map(|dir| dir.join("chromedriver"))
                    .find(|p| p.is_file())
            })
            .ok_or_else(|| "chromedriver (not on the PATH)".to_owned()),
    }?;
    let chromium = std::env::var_os("REPLYDESK_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.is_file() {
        return Err(format!("Chromium ({})", chromium.display()));
    }
    Ok((driver, chromium))
}

pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless window; or,
    /// when chromedriver or Chromium is not installed, says the test is
    /// skipped and gives `None` (failing instead when extras are required).
    /// The only way to a `Browser`, so no browser test can forget the check:
    /// `let Some(browser) = Browser::start().await else { return };`
    pub async fn start() -> Option<Browser> {
        let (driver_path, chromium) = match installed() {
            Ok(found) => found,
            Err(what) => {
                extras::missing(&what, INSTALL);
                return None;
            }
        };
        Some(Browser::start_with(&driver_path, &chromium).await)
    }

    async fn start_with(driver_path: &Path, chromium: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that Drop can stop chromedriver and every Chromium it started.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_path.display()));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                ],
            }),
        );
        Browser {
            client: connect(port, capabilities).await,
            driver,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Waits (up to ten seconds) for an element to appear.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field.send_keys(text).await.expect("type into field");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// Waits (up to ten seconds) for an element's text to contain `expected`.
    /// After a form is sent the old page may still be showing, or be replaced
    /// between finding an element and reading it; both are read again.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> String {
        eventually(format!("{css} to say {expected:?}"), async || {
            let element = self
                .client
                .find(Locator::Css(css))
                .await
                .map_err(|e| e.to_string())?;
            let text = element.text().await.map_err(|e| e.to_string())?;
            if text.contains(expected) {
                Ok(text)
            } else {
                Err(format!("{text:?}"))
            }
        })
        .await
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("find elements")
            .len()
    }

    pub async fn current_path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Saves a PNG of the window, for the documentation.
    pub async fn screenshot(&self, path: &std::path::Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Presses one key on the page, as a person at the keyboard would.
    pub async fn press(&self, key: &str) {
        self.find("body")
            .await
            .send_keys(key)
            .await
            .expect("press a key");
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}

async fn connect(port: u16, capabilities: serde_json::Map<String, serde_json::Value>) -> Client {
    let url = format!("http://127.0.0.1:{port}");
    eventually(format!("chromedriver to answer on {url}"), async || {
        // chromedriver listens on loopback in plain HTTP: no TLS stack needed.
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities.clone());
        builder.connect(&url).await
    })
    .await
}
