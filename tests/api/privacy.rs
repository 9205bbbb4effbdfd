//! No public answer may carry a commenter's email address, IP or user agent, in
//! any encoding, nor an unsalted hash of the address.

use base64::Engine;
use md5::{Digest, Md5};
use serde_json::json;

use crate::helpers::{BLOG, TestApp, spawn_app};
use crate::on_both_backends;

const CLIENT_IP: &str = "203.0.113.77";
const USER_AGENT: &str = "PrivacyProbe/9.1 (ua-marker-7f3a)";

const ADDRESSES: &[&str] = &[
    "Mixed.Case@Example.COM",
    "first.last+tag@sub.example.org",
    "o'brien@example.ie",
    "zoe@bücher.example",
];

/// Every spelling of a secret a response could leak it in.
fn disguises(secret: &str) -> Vec<String> {
    let mut forms = Vec::new();
    for s in [secret.to_owned(), secret.to_lowercase()] {
        forms.push(s.clone());
        forms.push(url::form_urlencoded::byte_serialize(s.as_bytes()).collect());
        forms.push(s.replace('@', "&#64;"));
        forms.push(s.replace('@', "&#x40;"));
        forms.push(s.replace('@', "\\u0040"));
        forms.push(base64::engine::general_purpose::STANDARD.encode(&s));
        forms.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&s));
        forms.push(hex::encode(Md5::digest(s.trim().as_bytes())));
        forms.push(hex::encode(sha1::Sha1::digest(s.trim().as_bytes())));
        forms.push(hex::encode(sha2::Sha256::digest(s.trim().as_bytes())));
    }
    forms
}

/// A response reduced to everything a client can see of it.
async fn visible(response: reqwest::Response) -> String {
    let mut seen = format!("{}\n", response.status());
    for (name, value) in response.headers() {
        seen.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    seen.push_str(&response.text().await.unwrap());
    seen
}

async fn post_json(app: &TestApp, body: serde_json::Value) -> String {
    let response = app
        .client
        .post(app.url("/api/comments"))
        .header("Origin", BLOG)
        .header("X-Forwarded-For", CLIENT_IP)
        .header("User-Agent", USER_AGENT)
        .json(&body)
        .send()
        .await
        .unwrap();
    visible(response).await
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> String {
    let response = app
        .client
        .post(app.url(path))
        .header("Origin", BLOG)
        .header("X-Forwarded-For", CLIENT_IP)
        .header("User-Agent", USER_AGENT)
        .form(fields)
        .send()
        .await
        .unwrap();
    visible(response).await
}

on_both_backends! {
    async fn no_public_response_reveals_an_address_an_ip_or_a_user_agent(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false"), ("TRUSTED_PROXIES", "127.0.0.1")]).await;
        let mut seen = Vec::new();
        for (i, email) in ADDRESSES.iter().enumerate() {
            let comment = format!("Comment {i} from a private person.");
            let body = json!({
                "post": "privacy", "post_url": format!("{BLOG}/privacy/"), "author": format!("Zoë {i}"),
                "email": email, "comment": comment, "subscribe": true,
            });
            seen.push(post_json(&app, body.clone()).await);
            // The same again: a duplicate refusal must not echo it either.
            seen.push(post_json(&app, body.clone()).await);
            // A refusal for another field, with this address valid.
            let mut bad = body.clone();
            bad["url"] = json!("not a url");
            seen.push(post_json(&app, bad).await);
            let form_text = format!("Form comment {i}.");
            let fields = [
                ("post", "privacy"), ("post_url", "http://localhost:4000/privacy/"), ("author", "Form user"),
                ("email", email), ("comment", form_text.as_str()), ("subscribe", "1"),
            ];
            seen.push(post_form(&app, "/comments", &fields).await);
            let wp_text = format!("WordPress comment {i}.");
            let wp = [("comment_post_ID", "privacy"), ("author", "WP user"), ("email", email), ("comment", wp_text.as_str())];
            seen.push(post_form(&app, "/wp-comments-post.php", &wp).await);
            let broken = [("post", "privacy"), ("author", ""), ("email", email), ("comment", "x")];
            seen.push(post_form(&app, "/comments", &broken).await);
        }
        for path in ["/api/posts/privacy/comments", "/api/counts?post=privacy", "/metrics"] {
            seen.push(visible(app.get(path).await).await);
        }
        let thread = app.thread("privacy").await;
        assert_eq!(thread["total"], 12, "every accepted comment is listed");
        for comment in thread["comments"].as_array().unwrap() {
            let avatar = comment["avatar"].as_str().unwrap().replace(&app.address, "");
            seen.push(visible(app.get(&avatar).await).await);
        }

        let everything = seen.join("\n---\n");
        for email in ADDRESSES {
            for form in disguises(email) {
                assert!(!everything.contains(&form), "{email} leaked as {form}");
            }
        }
        for secret in [CLIENT_IP, USER_AGENT, "ua-marker-7f3a"] {
            assert!(!everything.contains(secret), "{secret} leaked");
        }
    }
}
