/*! Replydesk comments widget: served by Replydesk as /embed.js, no build step.
 *
 * Markup (the fallback form inside the div keeps working without JavaScript):
 *   <div id="replydesk" data-post="hello-world" data-title="Hello world"
 *        data-url="https://blog.example.com/hello-world/"> …plain form… </div>
 *   <script src="https://comments.example.com/embed.js" async></script>
 * Comment counts on index pages, one request for all of them:
 *   <a href="/hello-world/#comments" data-replydesk-count="hello-world">Comments</a>
 *
 * It speaks only to the Replydesk server it was loaded from, and inserts the
 * server's sanitized comment HTML; everything else is set as text.
 */
(function () {
  "use strict";

  var script = document.currentScript ||
    document.querySelector('script[src$="/embed.js"]');
  if (!script) return;
  var base = new URL(script.src, location.href).origin;
  var HELD_FLAG = "replydesk";
  var PER_PAGE = 50;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function getJson(path) {
    return fetch(base + path, { credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  function addStylesheet() {
    var href = base + "/embed.css";
    if (document.querySelector('link[href="' + href + '"]')) return;
    document.head.appendChild(el("link", { rel: "stylesheet", href: href }));
  }

  /* ---------- counts ---------- */

  function plural(n) {
    return n === 0 ? "No comments" : n === 1 ? "1 comment" : n + " comments";
  }

  function fillCounts() {
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-replydesk-count]"));
    var keys = [];
    links.forEach(function (link) {
      var key = link.getAttribute("data-replydesk-count");
      if (key && keys.indexOf(key) < 0) keys.push(key);
    });
    // The server counts at most 200 posts per request; an index page rarely has more.
    for (var i = 0; i < keys.length; i += 200) {
      var query = keys.slice(i, i + 200).map(function (k) {
        return "post=" + encodeURIComponent(k);
      }).join("&");
      getJson("/api/counts?" + query).then(function (body) {
        links.forEach(function (link) {
          var n = body.counts[link.getAttribute("data-replydesk-count")];
          if (typeof n === "number") link.textContent = plural(n);
        });
      }).catch(function () { /* counts are decoration: leave the links as they were */ });
    }
  }

  /* ---------- proof of work (ALTCHA) ---------- */

  /* Finds the number n in 0..maxnumber whose SHA-256 of salt + n is the
   * challenge, in batches that WebCrypto hashes side by side; gives `done`
   * {number, took}, or null. Run in a Web Worker, so typing never stutters. */
  function solve(c, done) {
    var encoder = new TextEncoder(), started = Date.now();
    function hex(buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      }).join("");
    }
    function from(n) {
      if (n > c.maxnumber) return done(null);
      var end = Math.min(n + 500, c.maxnumber + 1), tries = [];
      for (var i = n; i < end; i++) {
        tries.push(crypto.subtle.digest("SHA-256", encoder.encode(c.salt + i)));
      }
      Promise.all(tries).then(function (hashes) {
        for (var j = 0; j < hashes.length; j++) {
          if (hex(hashes[j]) === c.challenge) {
            return done({ number: n + j, took: Date.now() - started });
          }
        }
        from(end);
      }, function () { done(null); });
    }
    from(0);
  }

  var solverUrl = null;

  /* A challenge from the server, solved: the `altcha` field as ALTCHA's own
   * widget sends it (base64 of its JSON payload) and when it expires; null
   * when proof of work is off or cannot be done here. */
  function solveChallenge() {
    return getJson("/api/altcha").then(function (c) {
      return new Promise(function (resolve) {
        // A page whose Content-Security-Policy refuses `worker-src blob:`
        // gets the same work on its own thread, between its other tasks.
        function here() { solve(c, resolve); }
        try {
          if (!solverUrl) {
            solverUrl = URL.createObjectURL(new Blob([solve +
              "\nself.onmessage = function (e) { solve(e.data, function (r) { postMessage(r); }); };"],
              { type: "text/javascript" }));
          }
          var worker = new Worker(solverUrl);
          worker.onmessage = function (event) { worker.terminate(); resolve(event.data); };
          worker.onerror = function (event) { event.preventDefault(); worker.terminate(); here(); };
          worker.postMessage(c);
        } catch (refused) {
          here();
        }
      }).then(function (found) {
        if (!found) return null;
        var expires = /[?&]expires=(\d+)&/.exec(c.salt);
        return {
          expires: expires ? Number(expires[1]) * 1000 : Infinity,
          altcha: btoa(JSON.stringify({
            algorithm: c.algorithm, challenge: c.challenge, number: found.number,
            salt: c.salt, signature: c.signature, took: found.took
          }))
        };
      });
    });
  }

  /* ---------- the reader's own comments ---------- */

  /* {id: {token, until}} for the comments this browser wrote and may still
   * edit or delete; expired ones are dropped whenever it is read. */
  var OWN = "replydesk-own";

  function ownComments() {
    var kept = {};
    try {
      var all = JSON.parse(localStorage.getItem(OWN) || "{}"), now = Date.now();
      Object.keys(all).forEach(function (id) {
        if (all[id] && all[id].token && Date.parse(all[id].until) > now) kept[id] = all[id];
      });
    } catch (unavailable) { /* no storage (private mode, blocked): no Edit buttons */ }
    return kept;
  }

  function saveOwn(all) {
    try { localStorage.setItem(OWN, JSON.stringify(all)); } catch (unavailable) { /* as above */ }
  }

  function remember(comment) {
    if (!comment.edit_token) return;
    var all = ownComments();
    all[comment.id] = { token: comment.edit_token, until: comment.editable_until };
    saveOwn(all);
  }

  function forgetOwn(id) {
    var all = ownComments();
    delete all[id];
    saveOwn(all);
  }

  /* PUT or DELETE on the reader's own comment; gives [status, answer]. */
  function change(method, id, token, body) {
    return fetch(base + "/api/comments/" + id, {
      method: method, credentials: "omit",
      headers: { "Content-Type": "application/json", Accept: "application/json",
        Authorization: "Bearer " + token },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        return [response.status, answer];
      });
    });
  }

  /* ---------- the thread ---------- */

  function pageUrl() {
    var url = new URL(location.href);
    url.hash = "";
    url.searchParams.delete(HELD_FLAG);
    return url.toString();
  }

  function Widget(root) {
    this.root = root;
    this.post = root.getAttribute("data-post") || location.pathname;
    this.title = root.getAttribute("data-title") || document.title;
    this.url = root.getAttribute("data-url") || pageUrl();
    this.token = null;
    this.proof = null;
    this.total = 0;
    this.build();
    this.load();
    this.fetchToken();
    if (new URL(location.href).searchParams.get(HELD_FLAG) === "awaiting-moderation") {
      this.notify("Your comment is awaiting moderation.", false);
    }
  }

  Widget.prototype.build = function () {
    var self = this;
    this.heading = el("h2", { id: "comments", class: "rd-title", text: "Comments" });
    this.status = el("p", { class: "rd-loading", role: "status", text: "Loading comments…" });
    this.list = el("ol", { class: "rd-thread" });
    this.notice = el("p", { class: "rd-notice", role: "status", tabindex: "-1", hidden: true });
    this.form = this.buildForm();
    this.respond = el("div", { id: "respond", class: "rd-respond" }, [
      el("h3", { id: "reply-title", class: "rd-reply-title" }, [
        this.replyTitle = el("span", { text: "Leave a Reply" }), " ",
        this.cancel = el("a", { href: "#respond", class: "rd-cancel", hidden: true, text: "Cancel reply" })
      ]),
      this.form
    ]);
    this.cancel.addEventListener("click", function (event) {
      event.preventDefault();
      self.replyTo(null);
    });
    // Escape gives up a reply, as the cancel link does.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && self.parent) self.replyTo(null);
    });
    this.root.textContent = "";
    this.root.classList.add("replydesk");
    [this.heading, this.status, this.list, this.notice, this.respond].forEach(function (node) {
      self.root.appendChild(node);
    });
  };

  Widget.prototype.buildForm = function () {
    var self = this;
    var fields = {};
    function field(name, label, control, required, hint) {
      var id = "rd-" + name;
      control.id = id;
      control.name = name;
      if (required) control.setAttribute("aria-required", "true");
      var error = el("span", { class: "rd-field-error", id: id + "-error", hidden: true });
      fields[name] = { control: control, error: error };
      return el("p", { class: "rd-field rd-field-" + name }, [
        el("label", { for: id }, [label, required ? el("span", { class: "rd-required", "aria-hidden": "true", text: " *" }) : null]),
        control, hint, error
      ]);
    }
    var form = el("form", { class: "rd-form", novalidate: true, action: base + "/comments", method: "post" }, [
      this.summary = el("div", { class: "rd-errors", role: "alert", tabindex: "-1", hidden: true }),
      el("p", { class: "rd-notes" }, [
        el("span", { text: "Your email address will not be published." }), " ",
        el("span", { text: "Required fields are marked *" })
      ]),
      field("comment", "Comment", el("textarea", { rows: "6", maxlength: "65525", required: true }), true,
        this.formatHelp = el("span", { class: "rd-format-help", id: "rd-comment-help", hidden: true })),
      field("author", "Name", el("input", { type: "text", maxlength: "245", autocomplete: "name", required: true }), true),
      field("email", "Email", el("input", { type: "email", maxlength: "100", autocomplete: "email", required: true }), true),
      field("url", "Website", el("input", { type: "url", maxlength: "200", autocomplete: "url" }), false),
      el("p", { class: "rd-field rd-subscribe" }, [
        el("input", { type: "checkbox", id: "rd-subscribe", name: "subscribe", value: "1" }), " ",
        el("label", { for: "rd-subscribe", text: "Notify me of replies by email" })
      ]),
      // The honeypot: hidden from people and from assistive technology; robots fill it in.
      el("p", { class: "rd-hp", "aria-hidden": "true" }, [
        el("label", { for: "rd-hp", text: "Leave this field empty" }),
        el("input", { type: "text", id: "rd-hp", name: "hp", tabindex: "-1", autocomplete: "off" })
      ]),
      el("p", { class: "rd-submit" }, [
        this.submit = el("button", { type: "submit", class: "rd-button", text: "Post Comment" }), " ",
        this.buildPreview()
      ]),
      this.previewBox
    ]);
    this.fields = fields;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.send();
    });
    // The proof of work is solved while the reader writes.
    form.addEventListener("focusin", function () { self.startProof(); });
    form.addEventListener("input", function () { self.startProof(); });
    return form;
  };

  /* Starts solving a challenge unless one is under way or solved; once the
   * server says proof of work is off, never again. */
  Widget.prototype.startProof = function () {
    var self = this;
    if (this.proof || this.powOff || !window.crypto || !crypto.subtle) {
      return this.proof;
    }
    this.proof = solveChallenge().catch(function (error) {
      if (String(error && error.message) === "HTTP 404") self.powOff = true;
      return null;
    });
    return this.proof;
  };

  /* The `altcha` field for a submission now, or null: waits for the solving
   * under way (at most 20 seconds), and solves a fresh challenge when the
   * one in hand expires within a minute. */
  Widget.prototype.proofField = function () {
    var self = this;
    var pending = this.startProof();
    if (!pending) return Promise.resolve(null);
    var waited = new Promise(function (resolve) { setTimeout(function () { resolve(null); }, 20000); });
    return Promise.race([pending, waited]).then(function (solved) {
      if (solved && solved.expires - Date.now() < 60000) {
        self.proof = null;
        return Promise.race([self.startProof() || null, waited]);
      }
      return solved;
    }).then(function (solved) { return solved ? solved.altcha : null; });
  };

  Widget.prototype.fetchToken = function () {
    var self = this;
    getJson("/api/form-token").then(function (body) { self.token = body.token; })
      .catch(function () { self.token = null; });
  };

  Widget.prototype.load = function () {
    var self = this;
    var all = [];
    var total = 0;
    function page(n) {
      return getJson("/api/posts/" + encodeURIComponent(self.post) +
        "/comments?per_page=" + PER_PAGE + "&page=" + n).then(function (body) {
        all = all.concat(body.comments);
        total = body.total;
        if (n === 1) self.showFormat(body.text_format);
        return n < body.pages ? page(n + 1) : null;
      });
    }
    page(1).then(function () {
      self.list.textContent = "";
      all.forEach(function (comment) { self.list.appendChild(self.renderComment(comment)); });
      self.setTotal(total);
      self.status.hidden = true;
      if (location.hash.indexOf("#comment-") === 0) {
        var target = document.getElementById(location.hash.slice(1));
        if (target) target.scrollIntoView();
      }
    }).catch(function () {
      self.status.textContent = "The comments could not be loaded. Please reload the page to try again.";
      self.status.classList.add("rd-failed");
    });
  };

  Widget.prototype.setTotal = function (n) {
    this.total = n;
    this.heading.textContent = n === 0 ? "No comments yet" : plural(n).replace("comment", "Comment");
  };

  Widget.prototype.renderComment = function (c) {
    var self = this;
    var name = el("span", { class: "rd-author", text: c.author });
    if (c.url && /^https?:\/\//i.test(c.url)) {
      name = el("a", { class: "rd-author", href: c.url, rel: "nofollow ugc noopener", text: c.author });
    }
    var when = new Date(c.created_at);
    var body = el("div", { class: "rd-body" });
    body.innerHTML = c.html; // sanitized by the server
    var reply = el("a", { href: "#respond", class: "rd-reply-link", "data-id": String(c.id),
      "aria-label": "Reply to " + c.author, text: "Reply" });
    reply.addEventListener("click", function (event) {
      event.preventDefault();
      self.replyTo(c.id, item, c.author);
    });
    var replies = el("ol", { class: "rd-replies" });
    var footer;
    var item = el("li", { id: "comment-" + c.id, class: "rd-comment" }, [
      el("article", { class: "rd-card", "aria-label": "Comment by " + c.author }, [
        el("header", { class: "rd-meta" }, [
          el("img", { class: "rd-avatar", src: c.avatar, alt: "", width: "40", height: "40", loading: "lazy" }),
          name, " ",
          el("a", { class: "rd-permalink", href: "#comment-" + c.id }, [
            el("time", { datetime: c.created_at, text: isNaN(when) ? c.created_at : when.toLocaleString() })
          ])
        ]),
        body,
        footer = el("footer", { class: "rd-actions" }, [reply])
      ]),
      replies
    ]);
    var own = ownComments()[c.id];
    if (own) this.ownActions(c.id, own, item, body, footer);
    (c.replies || []).forEach(function (r) { replies.appendChild(self.renderComment(r)); });
    return item;
  };

  /* Edit and Delete on one of the reader's own comments, until its window
   * closes; refusals are shown in words beside them. */
  Widget.prototype.ownActions = function (id, own, item, body, footer) {
    var self = this;
    var error = el("p", { class: "rd-own-error", role: "alert", hidden: true });
    var edit = el("button", { type: "button", class: "rd-edit", text: "Edit" });
    var remove = el("button", { type: "button", class: "rd-delete", text: "Delete" });
    var buttons = el("span", { class: "rd-own" }, [" ", edit, " ", remove]);
    footer.appendChild(buttons);
    footer.appendChild(error);
    var closes = setTimeout(function () { buttons.remove(); }, Math.max(0, Date.parse(own.until) - Date.now()));
    function refused(status, answer) {
      var fields = answer.fields || {};
      error.textContent = fields.comment || answer.error ||
        "Your comment could not be changed (error " + status + "). Please try again.";
      error.hidden = false;
    }
    function unreachable() {
      refused(0, { error: "The comment server could not be reached. Please check your connection and try again." });
    }
    edit.addEventListener("click", function () {
      var shown = body.innerHTML;
      var text = el("textarea", { class: "rd-edit-text", rows: "6", maxlength: "65525",
        "aria-label": "Edit your comment" });
      var save = el("button", { type: "button", class: "rd-save", text: "Save" });
      var cancel = el("button", { type: "button", class: "rd-cancel-edit", text: "Cancel" });
      var editor = el("div", { class: "rd-editor" }, [text, el("p", {}, [save, " ", cancel])]);
      text.value = body.innerText.trim();
      body.textContent = "";
      body.appendChild(editor);
      buttons.hidden = true;
      text.focus();
      function done(html) {
        body.innerHTML = html;
        buttons.hidden = false;
      }
      cancel.addEventListener("click", function () { error.hidden = true; done(shown); });
      save.addEventListener("click", function () {
        save.disabled = true;
        error.hidden = true;
        change("PUT", id, own.token, { comment: text.value }).then(function (r) {
          if (r[0] !== 200) return refused(r[0], r[1]);
          if (r[1].status === "approved") return done(r[1].html);
          item.remove();
          self.setTotal(self.total - 1);
          self.notify("Your edited comment is awaiting moderation.", true);
        }, unreachable).then(function () { save.disabled = false; });
      });
    });
    remove.addEventListener("click", function () {
      if (!window.confirm("Delete your comment? This cannot be undone here.")) return;
      error.hidden = true;
      change("DELETE", id, own.token).then(function (r) {
        if (r[0] !== 204) return refused(r[0], r[1]);
        clearTimeout(closes);
        forgetOwn(id);
        item.remove();
        self.setTotal(self.total - 1);
        self.notify("Your comment is deleted.", true);
      }, unreachable);
    });
  };

  /* Moves the form under a comment (or back to the end with `null`). */
  Widget.prototype.replyTo = function (id, item, author) {
    this.parent = id;
    if (id) {
      item.querySelector(".rd-card").insertAdjacentElement("afterend", this.respond);
      this.replyTitle.textContent = "Reply to " + author;
    } else {
      this.root.appendChild(this.respond);
      this.replyTitle.textContent = "Leave a Reply";
    }
    this.cancel.hidden = !id;
    this.fields.comment.control.focus();
  };

  Widget.prototype.clearErrors = function () {
    var fields = this.fields;
    Object.keys(fields).forEach(function (name) {
      fields[name].error.hidden = true;
      fields[name].error.textContent = "";
      fields[name].control.removeAttribute("aria-invalid");
      fields[name].control.removeAttribute("aria-describedby");
    });
    this.summary.hidden = true;
    this.summary.textContent = "";
  };

  Widget.prototype.showErrors = function (message, byField) {
    var self = this;
    var items = [];
    Object.keys(byField || {}).forEach(function (name) {
      var text = byField[name];
      var f = self.fields[name];
      if (f) {
        f.error.textContent = text;
        f.error.hidden = false;
        f.control.setAttribute("aria-invalid", "true");
        f.control.setAttribute("aria-describedby", f.error.id);
        var jump = el("a", { href: "#" + f.control.id, text: text });
        jump.addEventListener("click", function (event) {
          event.preventDefault();
          f.control.focus();
        });
        items.push(el("li", {}, [jump]));
      } else {
        items.push(el("li", { text: text }));
      }
    });
    this.summary.appendChild(el("p", { text: message }));
    if (items.length) this.summary.appendChild(el("ul", {}, items));
    this.summary.hidden = false;
    this.summary.focus();
  };

  Widget.prototype.notify = function (text, focus) {
    this.notice.textContent = text;
    this.notice.hidden = false;
    if (focus) this.notice.focus();
  };

  var FALLBACK = {
    403: "Comments are not accepted here.",
    409: "Duplicate comment detected; it looks as though you've already said that!",
    413: "Your comment is too long.",
    429: "You are posting too quickly. Please wait a moment and try again."
  };

  Widget.prototype.send = function () {
    var self = this;
    var f = this.fields;
    var body = {
      post: this.post, post_title: this.title, post_url: this.url,
      parent: this.parent ? String(this.parent) : "",
      comment: f.comment.control.value, author: f.author.control.value,
      email: f.email.control.value, url: f.url.control.value,
      subscribe: this.form.querySelector("#rd-subscribe").checked,
      hp: this.form.querySelector("#rd-hp").value
    };
    if (this.token) body.form_token = this.token;
    this.clearErrors();
    this.notice.hidden = true;
    this.submit.disabled = true;
    this.form.setAttribute("aria-busy", "true");
    this.proofField().then(function (altcha) {
      // A solution is good for one submission, whatever its answer.
      self.proof = null;
      if (altcha) body.altcha = altcha;
      return fetch(base + "/api/comments", {
        method: "POST", credentials: "omit",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body)
      });
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 201) return self.accepted(answer, body.subscribe);
        var message = answer.error || FALLBACK[response.status] ||
          "Your comment could not be posted (error " + response.status + "). Please try again.";
        self.showErrors(message, answer.fields);
      });
    }).catch(function () {
      self.showErrors("The comment server could not be reached. Please check your connection and try again.");
    }).then(function () {
      self.submit.disabled = false;
      self.form.removeAttribute("aria-busy");
    });
  };

  /* Said whether or not a mail went: the answer does not tell whether an
     address was confirmed before, so it cannot be asked who has. */
  var CONFIRM_HINT = " Replies are e-mailed once you confirm your address: look for our" +
    " e-mail if you have not confirmed it before.";

  Widget.prototype.accepted = function (comment, subscribed) {
    var parent = this.parent;
    var hint = subscribed ? CONFIRM_HINT : "";
    remember(comment);
    this.fields.comment.control.value = "";
    this.replyTo(null);
    if (comment.status === "approved") {
      var container = parent && document.querySelector("#comment-" + parent + " > .rd-replies");
      var item = this.renderComment(comment);
      (container || this.list).appendChild(item);
      this.setTotal(this.total + 1);
      this.notify("Your comment is published." + hint, false);
      var link = item.querySelector(".rd-permalink");
      link.focus();
    } else {
      this.notify("Your comment is awaiting moderation." + hint, true);
    }
  };

  /* ---------- preview, and the text format's help line ---------- */

  var FORMAT_HELP = {
    markdown: "You can use Markdown: **bold**, *italic*, [link](https://…), `code`.",
    wordpress: "You can use basic HTML: <a href>, <em>, <strong>, <code>, <blockquote>."
  };

  /* Says under the comment box how the text will be read, as the thread
   * told; an unknown format says nothing rather than something wrong. */
  Widget.prototype.showFormat = function (format) {
    var help = FORMAT_HELP[format];
    if (!help) return;
    this.formatHelp.textContent = help;
    this.formatHelp.hidden = false;
  };

  /* The Preview button (returned, for beside Submit) and the box it fills
   * (this.previewBox, for under them). A preview shows the text it was made
   * of: typing or posting hides it. */
  Widget.prototype.buildPreview = function () {
    var self = this;
    this.previewBody = el("div", { class: "rd-body" });
    this.previewBox = el("div", { class: "rd-preview", role: "region", "aria-label": "Preview of your comment",
      tabindex: "-1", hidden: true }, [el("p", { class: "rd-preview-title", text: "Preview" }), this.previewBody]);
    this.previewButton = el("button", { type: "button", class: "rd-preview-button", text: "Preview" });
    this.previewButton.addEventListener("click", function () { self.preview(); });
    this.root.addEventListener("input", function (event) {
      if (event.target === self.fields.comment.control) self.previewBox.hidden = true;
    });
    this.root.addEventListener("submit", function () { self.previewBox.hidden = true; });
    return this.previewButton;
  };

  /* Asks the server to render the comment as the thread will show it. */
  Widget.prototype.preview = function () {
    var self = this;
    this.clearErrors();
    this.notice.hidden = true;
    this.previewButton.disabled = true;
    fetch(base + "/api/preview", {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ comment: this.fields.comment.control.value })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 200 && typeof answer.html === "string") {
          self.previewBody.innerHTML = answer.html; // sanitized by the server
          self.previewBox.hidden = false;
          self.previewBox.focus();
          return;
        }
        self.previewBox.hidden = true;
        self.showErrors(answer.error || FALLBACK[response.status] ||
          "The preview could not be made (error " + response.status + "). Please try again.", answer.fields);
      });
    }).catch(function () {
      self.showErrors("The comment server could not be reached. Please check your connection and try again.");
    }).then(function () {
      self.previewButton.disabled = false;
    });
  };

  function start() {
    addStylesheet();
    var root = document.getElementById("replydesk");
    if (root && !root.getAttribute("data-replydesk-ready")) {
      root.setAttribute("data-replydesk-ready", "true");
      new Widget(root);
    }
    fillCounts();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
