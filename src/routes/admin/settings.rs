//! One site's rule settings, changed at run time for every instance.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

use super::{Answer, Chrome, CsrfForm, Form, Moderator, html, page, see_other};
use crate::error::AppError;
use crate::routes::state::AppState;

enum Kind {
    Flag,
    Number,
    Keys,
    Choice(&'static [&'static str]),
}

/// Each rule setting's label and help, in the order the form shows them.
const FIELDS: &[(&str, &str, &str, Kind)] = &[
    (
        "hold_all",
        "Hold every comment for moderation",
        "Comments wait for a moderator unless a rule below approves them.",
        Kind::Flag,
    ),
    (
        "trust_returning",
        "Trust returning commenters",
        "Publish at once when the same email has an approved comment.",
        Kind::Flag,
    ),
    (
        "require_name_email",
        "Require name and email",
        "Comment authors must fill out name and email.",
        Kind::Flag,
    ),
    (
        "notify_approved",
        "Tell commenters when their comment is published",
        "An e-mail to the author on approval.",
        Kind::Flag,
    ),
    (
        "flood_seconds",
        "Flood interval (seconds)",
        "The same IP or email may not comment again within this time; 0 turns it off.",
        Kind::Number,
    ),
    (
        "max_links",
        "Hold comments with this many links",
        "WordPress holds at 2; 0 turns it off.",
        Kind::Number,
    ),
    (
        "max_depth",
        "Reply levels",
        "How deep threads may nest; 1 allows no replies.",
        Kind::Number,
    ),
    (
        "min_submit_seconds",
        "Fastest believable reply (seconds)",
        "A form sent back sooner after the page showed it is spam. Judged only for forms that carry the widget's signed token; 0 turns it off.",
        Kind::Number,
    ),
    (
        "close_after_days",
        "Close comments on posts older than (days)",
        "0 keeps comments open for ever.",
        Kind::Number,
    ),
    (
        "purge_pending_days",
        "Delete pending comments older than (days)",
        "0 keeps them until a moderator acts.",
        Kind::Number,
    ),
    (
        "moderation_keys",
        "Moderation words",
        "One per line: a word, email, IP, CIDR range or domain. A match holds the comment.",
        Kind::Keys,
    ),
    (
        "disallowed_keys",
        "Disallowed words",
        "One per line, as above. A match marks the comment as spam (or trash, below).",
        Kind::Keys,
    ),
    (
        "disallowed_action",
        "Disallowed comments go to",
        "",
        Kind::Choice(&["spam", "trash"]),
    ),
];

struct Field {
    name: &'static str,
    label: &'static str,
    help: &'static str,
    kind: &'static str,
    value: String,
    choices: &'static [&'static str],
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    /// The site whose rules these are: name and label.
    site: (String, String),
    fields: Vec<Field>,
    saved: bool,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings", web::get().to(show))
        .route("/settings", web::post().to(save));
}

fn fields(values: impl Fn(&str) -> String, problems: &[(String, String)]) -> Vec<Field> {
    FIELDS
        .iter()
        .map(|(name, label, help, kind)| Field {
            name,
            label,
            help,
            kind: match kind {
                Kind::Flag => "flag",
                Kind::Number => "number",
                Kind::Keys => "keys",
                Kind::Choice(_) => "choice",
            },
            value: values(name),
            choices: match kind {
                Kind::Choice(choices) => choices,
                _ => &[],
            },
            problem: problems
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, p)| p.clone()),
        })
        .collect()
}

async fn show(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    moderator: Moderator,
) -> Answer {
    let site = moderator.settings_site()?;
    let sites = state.core.sites.clone();
    let id = site.id;
    let current = state
        .core
        .db
        .read(move |conn| Ok(sites.current(conn)?.rules_of(id)))
        .await?
        .unwrap_or_else(|| std::sync::Arc::clone(&site.rules));
    page(&SettingsPage {
        chrome: moderator.chrome(&state, "settings").await?,
        site: (site.name.clone(), site.label().to_owned()),
        fields: fields(|name| current.get(name).unwrap_or_default(), &[]),
        saved: req.query_string() == "saved",
    })
}

/// What the form says for one setting: an unticked box is not sent at all, so
/// a missing flag is off; any other missing field is left as it is.
fn posted(form: &Form, name: &str, kind: &Kind) -> Option<String> {
    match kind {
        Kind::Flag => Some(form.checked(name).to_string()),
        _ => form.get(name).map(str::to_owned),
    }
}

async fn save(state: web::Data<AppState>, CsrfForm { moderator, form }: CsrfForm) -> Answer {
    let wanted: Vec<(&'static str, String)> = FIELDS
        .iter()
        .filter_map(|(name, _, _, kind)| Some((*name, posted(&form, name, kind)?)))
        .collect();
    // The site the form was shown for, which must be one of the moderator's.
    // Left out, it is the one the page would show.
    let site = match form.get("site") {
        None => moderator.settings_site()?,
        Some(named) => moderator.site(named)?,
    };
    let sites = state.core.sites.clone();
    let changes = wanted.clone();
    let shown = std::sync::Arc::clone(&site);
    let (before, problems) = state
        .core
        .db
        .write(move |conn| {
            let current = sites.current(conn)?.rules_of(shown.id).ok_or_else(|| {
                AppError::Missing(format!("There is no site named {:?}.", shown.name))
            })?;
            let mut problems = Vec::new();
            for (name, value) in &changes {
                if current.get(name).as_deref() == Some(value.trim()) {
                    continue;
                }
                match sites.change_rule(conn, &shown, name, value) {
                    Ok(()) => {}
                    Err(AppError::Invalid(fields)) => problems.extend(fields),
                    Err(other) => return Err(other),
                }
            }
            Ok((current, problems))
        })
        .await?;
    if problems.is_empty() {
        return see_other("/admin/settings?saved");
    }
    let template = SettingsPage {
        chrome: moderator.chrome(&state, "settings").await?,
        site: (site.name.clone(), site.label().to_owned()),
        fields: fields(
            |name| {
                wanted
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
                    .or_else(|| before.get(name))
                    .unwrap_or_default()
            },
            &problems,
        ),
        saved: false,
    };
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, template.render()))
}

#[cfg(test)]
mod tests {
    use super::FIELDS;
    use crate::domain::rules::RuleSettings;

    #[test]
    fn the_page_offers_every_rule_setting() {
        let mut offered: Vec<&str> = FIELDS.iter().map(|(name, ..)| *name).collect();
        let mut rules = RuleSettings::NAMES.to_vec();
        offered.sort_unstable();
        rules.sort_unstable();
        assert_eq!(offered, rules);
    }
}
