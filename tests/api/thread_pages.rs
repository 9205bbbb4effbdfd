//! Pages of a post's threads read on their own must show what threading the
//! whole post showed, page by page: replies under their parents, oldest
//! first, and a reply whose parent is not public at the top as a thread.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::on_both_backends;

/// The post as its comments were written and moderated, in the order written:
/// what threading the whole post gave readers, computed from it.
#[derive(Default)]
struct Written(Vec<Node>);

struct Node {
    id: i64,
    parent: Option<i64>,
    approved: bool,
}

impl Written {
    async fn comment(&mut self, app: &TestApp, parent: Option<i64>) -> i64 {
        let id = app
            .comment(POST, parent, &format!("Comment {}.", self.0.len()))
            .await;
        self.0.push(Node {
            id,
            parent,
            approved: true,
        });
        id
    }

    fn moderate(&mut self, app: &TestApp, verb: &str, id: i64) {
        app.cli_ok(&["comment", verb, &id.to_string()]);
        let node = self.0.iter_mut().find(|n| n.id == id).unwrap();
        node.approved = verb == "approve";
    }

    /// Deleting a comment moves its replies up to its parent.
    fn delete(&mut self, app: &TestApp, id: i64) {
        app.cli_ok(&["comment", "delete", &id.to_string()]);
        let at = self.0.iter().position(|n| n.id == id).unwrap();
        let gone = self.0.remove(at);
        for node in self.0.iter_mut().filter(|n| n.parent == Some(id)) {
            node.parent = gone.parent;
        }
    }

    /// Every thread of the post as `{id, parent, replies}`, the way the
    /// server threaded all of a post's approved comments before.
    fn threads(&self) -> Vec<Value> {
        let shown: Vec<&Node> = self.0.iter().filter(|n| n.approved).collect();
        fn tree(node: &Node, shown: &[&Node]) -> Value {
            let replies: Vec<Value> = shown
                .iter()
                .filter(|n| n.parent == Some(node.id))
                .map(|n| tree(n, shown))
                .collect();
            json!({ "id": node.id, "parent": node.parent, "replies": replies })
        }
        let starts_a_thread = |node: &&&Node| !shown.iter().any(|n| Some(n.id) == node.parent);
        shown
            .iter()
            .filter(starts_a_thread)
            .map(|n| tree(n, &shown))
            .collect()
    }

    async fn reads_the_same_on_every_page(&self, app: &TestApp) {
        let threads = self.threads();
        let total = self.0.iter().filter(|n| n.approved).count();
        for per_page in [1, 2, 3, 50] {
            let pages = threads.len().div_ceil(per_page);
            for page in 1..=pages.max(1) {
                let got: Value = app
                    .get(&format!(
                        "/api/posts/{POST}/comments?page={page}&per_page={per_page}"
                    ))
                    .await
                    .json()
                    .await
                    .unwrap();
                let want: Vec<&Value> = threads
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .collect();
                assert_eq!(
                    shape(&got["comments"]),
                    json!(want),
                    "page {page} of {per_page}"
                );
                assert_eq!(got["total"], total, "page {page} of {per_page}");
                assert_eq!(got["threads"], threads.len(), "page {page} of {per_page}");
                assert_eq!(got["pages"], pages, "page {page} of {per_page}");
            }
        }
    }
}

const POST: &str = "tricky";

/// A page's comments with only what places them.
fn shape(comments: &Value) -> Value {
    comments
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({ "id": c["id"], "parent": c["parent"], "replies": shape(&c["replies"]) }))
        .collect()
}

on_both_backends! {
    async fn pages_thread_orphans_deep_replies_and_moves_as_the_whole_post_did(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        app.cli_ok(&["settings", "set", "max_depth", "12"]);
        let mut post = Written::default();

        let deep_root = post.comment(&app, None).await;
        let mut deep = vec![deep_root];
        for _ in 0..9 {
            deep.push(post.comment(&app, deep.last().copied()).await);
        }
        let held_parent = post.comment(&app, None).await;
        let orphan = post.comment(&app, Some(held_parent)).await;
        post.comment(&app, Some(orphan)).await;
        let second_orphan = post.comment(&app, Some(held_parent)).await;
        let moved_from = post.comment(&app, None).await;
        let middle = post.comment(&app, Some(moved_from)).await;
        post.comment(&app, Some(middle)).await;
        let trashed = post.comment(&app, None).await;
        post.comment(&app, Some(trashed)).await;
        for _ in 0..4 {
            let top = post.comment(&app, None).await;
            post.comment(&app, Some(top)).await;
        }
        post.comment(&app, Some(second_orphan)).await;
        post.comment(&app, Some(deep[4])).await;
        post.reads_the_same_on_every_page(&app).await;

        post.moderate(&app, "unapprove", held_parent);
        post.moderate(&app, "spam", deep[3]);
        post.moderate(&app, "trash", trashed);
        post.delete(&app, middle);
        post.reads_the_same_on_every_page(&app).await;

        post.moderate(&app, "approve", held_parent);
        post.moderate(&app, "unapprove", deep_root);
        // Deleting a comment that readers never saw moves its public reply up
        // under the comment above it.
        post.moderate(&app, "trash", deep[6]);
        post.reads_the_same_on_every_page(&app).await;
        post.delete(&app, deep[6]);
        post.reads_the_same_on_every_page(&app).await;
    }
}
