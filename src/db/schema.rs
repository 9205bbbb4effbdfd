//! The tables, written once for both backends: only portable column types.

diesel::table! {
    posts (id) {
        id -> BigInt,
        site_id -> BigInt,
        post_key -> Text,
        title -> Text,
        url -> Text,
        comments_open -> Bool,
        closes_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        approved_count -> BigInt,
        thread_count -> BigInt,
    }
}

diesel::table! {
    moderators (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        owner -> Bool,
        moderation_mail -> Text,
        moderation_mailed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sites (id) {
        id -> BigInt,
        name -> Text,
        title -> Text,
        origins -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    site_settings (site_id, name) {
        site_id -> BigInt,
        name -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    moderator_sites (moderator_id, site_id) {
        moderator_id -> BigInt,
        site_id -> BigInt,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        post_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        author -> Text,
        email -> Text,
        url -> Text,
        body -> Text,
        status -> Text,
        previous_status -> Nullable<Text>,
        reasons -> Text,
        ip -> Nullable<Text>,
        user_agent -> Text,
        subscribed -> Bool,
        moderator_id -> Nullable<BigInt>,
        source_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        kind -> Text,
        body_hash -> BigInt,
        spam_score -> Nullable<Double>,
        spam_reasons -> Text,
        spam_clues -> Text,
        spam_trained -> Nullable<Text>,
        akismet_verdict -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        moderator_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        recipient -> Text,
        headers -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        dead -> Bool,
        created_at -> Timestamp,
        kind -> Text,
        comment_id -> Nullable<BigInt>,
        claimed_by -> Nullable<Text>,
    }
}

diesel::table! {
    akismet_queue (id) {
        id -> BigInt,
        comment_id -> BigInt,
        kind -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        dead -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        comment_id -> Nullable<BigInt>,
        actor -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    spam_tokens (site_id, token) {
        site_id -> BigInt,
        token -> Text,
        spam -> BigInt,
        ham -> BigInt,
        generation -> BigInt,
    }
}

diesel::table! {
    spam_filters (site_id) {
        site_id -> BigInt,
        spam -> BigInt,
        ham -> BigInt,
        generation -> BigInt,
        epoch -> BigInt,
    }
}

diesel::table! {
    spent_challenges (challenge) {
        challenge -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    comment_versions (id) {
        id -> BigInt,
        comment_id -> BigInt,
        body -> Text,
        replaced_at -> Timestamp,
    }
}

diesel::table! {
    address_confirmations (address_key) {
        address_key -> Text,
        mailed_at -> Timestamp,
        ip -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(akismet_queue -> comments (comment_id));
diesel::joinable!(sessions -> moderators (moderator_id));
diesel::joinable!(posts -> sites (site_id));
diesel::joinable!(site_settings -> sites (site_id));
diesel::joinable!(moderator_sites -> sites (site_id));
diesel::joinable!(moderator_sites -> moderators (moderator_id));

diesel::allow_tables_to_appear_in_same_query!(
    posts,
    moderators,
    comments,
    sessions,
    mail_outbox,
    akismet_queue,
    audit_log,
    settings,
    login_throttle,
    spent_challenges,
    sites,
    site_settings,
    moderator_sites,
    spam_tokens,
    spam_filters,
    comment_versions,
    address_confirmations,
);

diesel::allow_columns_to_appear_in_same_group_by_clause!(posts::site_id, comments::status);
