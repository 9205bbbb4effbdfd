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

    /// The host, lower-cased.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether some page would be allowed by both, so that two sites listing
    /// them could not tell whose a comment is.
    pub fn overlaps(&self, other: &AllowedOrigin) -> bool {
        self.scheme == other.scheme
            && self.host == other.host
            && (self.port.is_none() || other.port.is_none() || self.port == other.port)
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

impl std::fmt::Display for OriginPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let listed: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&listed.join(", "))
    }
}

impl std::fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// One blog's origins: `REPLYDESK_ALLOWED_ORIGINS`, or a site's list.
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

    /// Reads a list such as `https://a.example, https://b.example`; the error
    /// names the first item that is not an origin.
    pub fn parse_list(text: &str) -> Result<Self, String> {
        text.split([',', '\n', ' '])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                AllowedOrigin::parse(item).ok_or_else(|| {
                    format!("{item:?} is not an http(s) origin such as https://blog.example.com")
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn origins(&self) -> &[AllowedOrigin] {
        &self.0
    }

    /// The first origin of `self` that overlaps one of `other`'s, with it.
    pub fn overlap<'a>(
        &'a self,
        other: &'a OriginPolicy,
    ) -> Option<(&'a AllowedOrigin, &'a AllowedOrigin)> {
        self.0.iter().find_map(|mine| {
            other
                .0
                .iter()
                .find(|theirs| mine.overlaps(theirs))
                .map(|theirs| (mine, theirs))
        })
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
    fn origins_overlap_when_one_page_could_be_either_sites() {
        let a = policy(&["https://blog.example.com"]);
        assert!(
            a.overlap(&policy(&["https://BLOG.example.com:8443"]))
                .is_some()
        );
        assert!(a.overlap(&policy(&["http://blog.example.com"])).is_none());
        assert!(a.overlap(&policy(&["https://other.example.com"])).is_none());
        let ported = policy(&["https://blog.example.com:1"]);
        assert!(
            ported
                .overlap(&policy(&["https://blog.example.com:2"]))
                .is_none()
        );
    }

    #[test]
    fn a_list_is_read_whole_or_refused_by_its_first_bad_item() {
        let list = OriginPolicy::parse_list("https://a.example, https://b.example:8443").unwrap();
        assert_eq!(
            list.to_string(),
            "https://a.example, https://b.example:8443"
        );
        let refused = OriginPolicy::parse_list("https://a.example, ftp://b").unwrap_err();
        assert!(refused.contains("\"ftp://b\""), "{refused}");
    }

    #[test]
    fn garbage_and_opaque_origins_are_not_allowed() {
        let p = policy(&["http://localhost"]);
        for bad in ["null", "", "javascript:alert(1)", "//localhost", "http://"] {
            assert!(!p.allows_header(bad), "{bad}");
        }
    }
}
