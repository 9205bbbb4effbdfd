//! `GET /api/openapi.json`: a valid OpenAPI 3 document whose paths and methods
//! are exactly the routes the server answers.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::helpers::{reply, spawn_app};
use crate::on_both_backends;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// Route files that are no part of the API: the demo blog's pages exist only
/// under `serve --demo`.
const UNDOCUMENTED_FILES: [&str; 1] = ["demo.rs"];

/// Route folders that are no part of the API: the moderators' admin pages are
/// HTML behind a login, not a contract for clients.
const UNDOCUMENTED_DIRS: [&str; 1] = ["admin"];

/// Every (path, method) the route modules register, read from their source:
/// `web::resource("PATH")` followed by `.route(web::METHOD()…)`, and
/// `.route("PATH", web::METHOD()…)`. A route added without documentation makes
/// this set differ from the document's.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut files = Vec::new();
    collect_rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes"),
        &mut files,
    );
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if UNDOCUMENTED_FILES.contains(&name.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (start, _) in text.match_indices("web::resource(\"") {
            let rest = &text[start + "web::resource(\"".len()..];
            let path = &rest[..rest.find('"').unwrap()];
            // The resource's routes run until the next resource or the end of the statement.
            let end = [rest.find("web::resource("), rest.find(";\n")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(rest.len());
            let chain = &rest[..end];
            let chain = &chain[..chain.find("default_service").unwrap_or(chain.len())];
            for method in METHODS {
                if chain.contains(&format!("web::{method}()")) {
                    found.insert((path.to_owned(), method.to_owned()));
                }
            }
        }
        for (start, _) in text.match_indices(".route(\"") {
            let rest = &text[start + ".route(\"".len()..];
            let path = &rest[..rest.find('"').unwrap()];
            let call = &rest[..rest.find(')').unwrap_or(rest.len())];
            for method in METHODS {
                if call.contains(&format!("web::{method}(")) {
                    found.insert((path.to_owned(), method.to_owned()));
                }
            }
        }
    }
    found
}

fn collect_rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !UNDOCUMENTED_DIRS.contains(&name.as_str()) {
                collect_rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.as_str()) {
                found.insert((path.clone(), method.clone()));
            }
        }
    }
    found
}

/// Every `$ref` in the document names a schema in its components.
fn assert_refs_resolve(doc: &Value, node: &Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                let name = target.strip_prefix("#/components/schemas/").expect(target);
                assert!(
                    doc["components"]["schemas"].get(name).is_some(),
                    "{target} does not resolve"
                );
            }
            map.values().for_each(|v| assert_refs_resolve(doc, v));
        }
        Value::Array(items) => items.iter().for_each(|v| assert_refs_resolve(doc, v)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_with_answers_for_every_operation() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let spec = oas3::from_json(&text).expect("the document parses as OpenAPI 3.1");
    assert!(spec.openapi.starts_with("3."), "{}", spec.openapi);
    assert_eq!(spec.info.title, "Replydesk");

    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_refs_resolve(&doc, &doc);
    for (path, method) in documented(&doc) {
        let operation = &doc["paths"][&path][&method];
        let responses = operation["responses"].as_object().expect("responses");
        assert!(!responses.is_empty(), "{method} {path} documents no answer");
        for status in responses.keys() {
            assert!(
                status.len() == 3 && status.parse::<u16>().is_ok(),
                "{method} {path}: {status} is not a status code"
            );
        }
        assert!(
            operation["summary"].is_string(),
            "{method} {path} has no summary"
        );
    }
}

#[tokio::test]
async fn the_documented_routes_are_exactly_the_routes_in_the_code() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let in_code = routes_in_source();
    assert!(
        in_code.len() >= 14,
        "the route scanner found too little: {in_code:?}"
    );
    let in_doc = documented(&doc);
    let undocumented: Vec<_> = in_code.difference(&in_doc).collect();
    let unserved: Vec<_> = in_doc.difference(&in_code).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented routes the code does not register: {unserved:?}"
    );
}

on_both_backends! {
    async fn every_documented_operation_is_answered_by_its_route(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let id = app.comment("documented", None, "A comment with an avatar.").await;
        let thread = app.thread("documented").await;
        let avatar = thread["comments"][0]["avatar"].as_str().unwrap().to_owned();
        let key = avatar.rsplit('/').next().unwrap().trim_end_matches(".svg").to_owned();
        assert!(id > 0);

        let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
        for (path, method) in documented(&doc) {
            let concrete = path
                .replace("{post}", "documented")
                .replace("{key}", &key)
                .replace("{token}", "not-a-token")
                .replace("{id}", &id.to_string());
            let url = app.url(&format!("{concrete}?post=documented"));
            let request = match method.as_str() {
                "get" => app.client.get(&url),
                "post" if concrete.contains("comments") || concrete.ends_with(".php") => app
                    .client
                    .post(&url)
                    .json(&reply("documented", &format!("Probing {concrete}"))),
                "post" => app.client.post(&url),
                "put" => app.client.put(&url).json(&serde_json::json!({"comment": "Probing"})),
                "delete" => app.client.delete(&url),
                other => panic!("{other} {path} is documented but not probed"),
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            assert!(
                status != 405 && !body.contains("There is nothing at this address"),
                "{method} {path} is documented but the server does not route it ({status}: {body})"
            );
            assert!(status < 500, "{method} {path}: {status} {body}");
        }
    }

    async fn a_wrong_method_on_a_known_address_is_405_with_allow(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        for (path, allow) in [
            ("/healthz", "GET"),
            ("/api/counts", "GET"),
            ("/api/posts/x/comments", "GET"),
            ("/api/openapi.json", "GET"),
            ("/moderate/x", "GET, POST"),
            ("/comments", "POST"),
            ("/comments/1/edit", "GET, POST"),
        ] {
            let response = app.client.delete(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 405, "{path}");
            assert_eq!(response.headers()["allow"], allow, "{path}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("only accepts"), "{path}");
        }
        // The commenter's own address takes DELETE; asked with GET, it says what it takes.
        for (path, allow) in [("/api/comments/1", "PUT, DELETE")] {
            let response = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 405, "{path}");
            assert_eq!(response.headers()["allow"], allow, "{path}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("only accepts"), "{path}");
        }
    }
}
