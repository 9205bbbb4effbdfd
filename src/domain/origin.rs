//! Which web pages may post comments, create posts and be redirected to.

use url::Url;

/// One allowed origin. Written without a port, it allows every port of the host,
/// so `http://localhost` covers a static-site generator's dev server on :1313.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedOrigin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl AllowedOrigin {
    /// Reads an origin such as `https://blog.example.com`; `None` if it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let url = Url::parse(text).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        Some(Self {
            scheme: url.scheme().to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port(),
        })
    }

    fn allows(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url
                .host_str()
                .is_some_and(|h| h.eq_ignore_ascii_case(&self.host))
            && self
                .port
                .is_none_or(|port| url.port_or_known_default() == Some(port))
    }
}

/// The blog origins of `REPLYDESK_ALLOWED_ORIGINS`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OriginPolicy(Vec<AllowedOrigin>);

impl OriginPolicy {
    pub fn new(origins: Vec<AllowedOrigin>) -> Self {
        Self(origins)
    }

    /// The same policy allowing one more origin.
    pub fn with(mut self, origin: AllowedOrigin) -> Self {
        self.0.push(origin);
        self
    }

    /// Whether a page at this URL belongs to the blog.
    pub fn allows(&self, url: &Url) -> bool {
        self.0.iter().any(|origin| origin.allows(url))
    }

    /// The same for an `Origin` or `Referer` header's text.
    pub fn allows_header(&self, value: &str) -> bool {
        Url::parse(value).is_ok_and(|url| self.allows(&url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(list: &[&str]) -> OriginPolicy {
        OriginPolicy::new(
            list.iter()
                .filter_map(|o| AllowedOrigin::parse(o))
                .collect(),
        )
    }

    #[test]
    fn an_origin_without_a_port_allows_every_port_of_its_host() {
        let p = policy(&["http://localhost"]);
        assert!(p.allows_header("http://localhost:1313"));
        assert!(p.allows_header("http://LOCALHOST/"));
        assert!(!p.allows_header("https://localhost"));
        assert!(!p.allows_header("http://localhost.evil.example"));
    }

    #[test]
    fn an_origin_with_a_port_allows_only_that_port() {
        let p = policy(&["https://blog.example.com:8443"]);
        assert!(p.allows_header("https://blog.example.com:8443/post/1"));
        assert!(!p.allows_header("https://blog.example.com/post/1"));
    }

    #[test]
    fn garbage_and_opaque_origins_are_not_allowed() {
        let p = policy(&["http://localhost"]);
        for bad in ["null", "", "javascript:alert(1)", "//localhost", "http://"] {
            assert!(!p.allows_header(bad), "{bad}");
        }
    }
}
