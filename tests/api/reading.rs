//! `GET /api/posts/{post}/comments`, `GET /api/counts` and avatars, as blog pages read them.

use serde_json::{Value, json};

use crate::helpers::{ids, reply, spawn_app};
use crate::on_both_backends;

on_both_backends! {
    async fn approved_comments_come_back_as_a_tree_oldest_first(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let a = app.comment("tree", None, "A").await;
        let b = app.comment("tree", None, "B").await;
        let a1 = app.comment("tree", Some(a), "A1").await;
        let a2 = app.comment("tree", Some(a), "A2").await;
        let a1x = app.comment("tree", Some(a1), "A1x").await;
        let held = reply("tree", "Held with https://x.example and https://y.example");
        assert_eq!(app.post_json(&held).await.status(), 201);

        let thread = app.thread("tree").await;
        assert_eq!(thread["total"], 5);
        assert_eq!(thread["threads"], 2);
        let top = &thread["comments"];
        assert_eq!(ids(top), [a, b]);
        assert_eq!(ids(&top[0]["replies"]), [a1, a2]);
        assert_eq!(ids(&top[0]["replies"][0]["replies"]), [a1x]);
        assert_eq!(top[0]["replies"][0]["parent"], a);
        assert_eq!(top[1]["parent"], Value::Null);

        let mut keys: Vec<&str> = top[0].as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["author", "avatar", "created_at", "html", "id", "parent", "replies", "url"]);
        let created = top[0]["created_at"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok(), "{created}");
    }

    async fn threads_are_paged_by_top_level_comment(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let first = app.comment("paged", None, "one").await;
        app.comment("paged", Some(first), "reply to one").await;
        let second = app.comment("paged", None, "two").await;
        let third = app.comment("paged", None, "three").await;

        let page: Value = app.get("/api/posts/paged/comments?per_page=2").await.json().await.unwrap();
        assert_eq!(ids(&page["comments"]), [first, second]);
        assert_eq!(page["comments"][0]["replies"].as_array().unwrap().len(), 1);
        assert_eq!(page["pages"], 2);
        let page: Value = app.get("/api/posts/paged/comments?per_page=2&page=2").await.json().await.unwrap();
        assert_eq!(ids(&page["comments"]), [third]);
        // A page no thread could reach is refused before any comment is read.
        let beyond = app.get("/api/posts/paged/comments?per_page=2&page=9").await;
        assert_eq!(beyond.status(), 404);
        let beyond: Value = beyond.json().await.unwrap();
        assert!(beyond["error"].as_str().unwrap().contains("There is no page 9"), "{beyond}");

        for bad in ["page=0", "per_page=0", "per_page=100000", "page=-1", "page=abc", "page=1000001", "page=9223372036854775808"] {
            let response = app.get(&format!("/api/posts/paged/comments?{bad}")).await;
            assert_eq!(response.status(), 400, "{bad}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].is_string());
        }
    }

    async fn an_unchanged_thread_revalidates_with_304(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        app.comment("etag", None, "first").await;
        let response = app.get("/api/posts/etag/comments").await;
        let tag = response.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(app.url("/api/posts/etag/comments"))
            .header("If-None-Match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);

        // A held comment changes nothing readers see; an approved one does.
        assert_eq!(app.post_json(&reply("etag", "held https://a.example https://b.example")).await.status(), 201);
        let still = app.client.get(app.url("/api/posts/etag/comments")).header("If-None-Match", &tag).send().await.unwrap();
        assert_eq!(still.status(), 304);
        app.comment("etag", None, "second").await;
        let changed = app.client.get(app.url("/api/posts/etag/comments")).header("If-None-Match", &tag).send().await.unwrap();
        assert_eq!(changed.status(), 200);
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);
    }

    async fn a_post_without_comments_reads_as_empty(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let thread = app.thread("never-commented").await;
        assert_eq!(thread["total"], 0);
        assert_eq!(thread["comments"], json!([]));
    }

    async fn keys_with_slashes_and_unicode_work_when_encoded(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        for key in ["/2024/01/hello-world/", "grüße & 日本?"] {
            let id = app.comment(key, None, "hi").await;
            let encoded = url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>().replace('+', "%20");
            let thread = app.thread(&encoded).await;
            assert_eq!(ids(&thread["comments"]), [id], "{key}");
            assert_eq!(thread["post"], key);
        }
    }

    async fn counts_cover_many_posts_in_one_request(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        app.comment("a", None, "one").await;
        app.comment("a", None, "two").await;
        app.comment("b", None, "three").await;
        assert_eq!(app.post_json(&reply("b", "held https://a.example https://b.example")).await.status(), 201);
        let counts: Value = app.get("/api/counts?post=a&post=b&post=nothing").await.json().await.unwrap();
        assert_eq!(counts, json!({ "counts": { "a": 2, "b": 1, "nothing": 0 } }));
        let none = app.get("/api/counts").await;
        assert_eq!(none.status(), 422);
    }

    async fn readers_asking_at_once_each_get_their_own_posts(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let posts = ["p0", "p1", "p2", "p3", "p4", "p5"];
        for (n, post) in posts.iter().enumerate() {
            for i in 0..=n {
                app.comment(post, None, &format!("Comment {i} on {post}.")).await;
            }
        }
        let asks = (0..48).map(|i| {
            let (post, next) = (posts[i % 6], posts[(i + 1) % 6]);
            let app = &app;
            async move {
                let thread: Value = app.get(&format!("/api/posts/{post}/comments")).await.json().await.unwrap();
                let counts: Value = app.get(&format!("/api/counts?post={post}&post={next}&post=none")).await.json().await.unwrap();
                (i, thread, counts)
            }
        });
        for (i, thread, counts) in futures_util::future::join_all(asks).await {
            let (post, next) = (posts[i % 6], posts[(i + 1) % 6]);
            assert_eq!(thread["post"], post);
            assert_eq!(thread["total"], i % 6 + 1, "{post}");
            assert_eq!(counts["counts"], json!({ post: i % 6 + 1, next: (i + 1) % 6 + 1, "none": 0 }));
        }
    }

    async fn a_comment_published_through_another_instance_is_read_at_once(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let other = app.another_instance(&[]).await;
        app.comment("shared", None, "first").await;
        let before = other.get("/api/posts/shared/comments").await;
        let tag = before.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(other.get("/api/counts?post=shared").await.json::<Value>().await.unwrap()["counts"]["shared"], 1);

        let second = app.comment("shared", None, "second").await;
        let after = other.client.get(other.url("/api/posts/shared/comments")).header("If-None-Match", &tag).send().await.unwrap();
        assert_eq!(after.status(), 200);
        let thread: Value = after.json().await.unwrap();
        assert_eq!(ids(&thread["comments"])[1], second);
        assert_eq!(other.get("/api/counts?post=shared").await.json::<Value>().await.unwrap()["counts"]["shared"], 2);
    }

    async fn avatars_are_stable_per_address_and_served_here(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        app.comment("avatars", None, "first").await;
        let mut shouted = reply("avatars", "second");
        shouted["email"] = json!("ADA@EXAMPLE.COM");
        assert_eq!(app.post_json(&shouted).await.status(), 201);
        let mut other = reply("avatars", "third");
        other["email"] = json!("grace@example.com");
        assert_eq!(app.post_json(&other).await.status(), 201);
        let thread = app.thread("avatars").await;
        let avatar = |i: usize| thread["comments"][i]["avatar"].as_str().unwrap().to_owned();
        assert_eq!(avatar(0), avatar(1));
        assert_ne!(avatar(0), avatar(2));
        let path = avatar(0).replace(&app.address, "");
        assert!(path.starts_with("/avatar/") && path.ends_with(".svg"), "{path}");
        let svg = app.get(&path).await;
        assert_eq!(svg.status(), 200);
        assert_eq!(svg.headers()["content-type"], "image/svg+xml");
        assert!(svg.text().await.unwrap().starts_with("<svg"));
        assert_eq!(app.get("/avatar/not-a-key.svg").await.status(), 404);
    }
}
