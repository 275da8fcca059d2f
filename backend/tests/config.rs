//! Loading the configuration: layers, the real-Okta profile, and the
//! messages for bad or missing settings. Every test runs in a figment
//! `Jail`, which serializes access to the process environment.

// `Jail` closures must return `figment::Error`, which is large; the
// signature is figment's, not ours.
#![allow(clippy::result_large_err)]

use std::path::Path;

use demo_backend::{Config, ConfigError};
use figment::Jail;
use session_guard::OktaAuthConfig;

const EXAMPLE_PROFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/okta.example.toml");
const REAL_TOKEN: &str = "00realOrgToken-test-only-0000000000000000";
const REAL_HOOK_SECRET: &str = "real-org-event-hook-secret";

fn load_error(file: Option<&str>) -> String {
    match Config::load(file.map(Path::new)) {
        Ok(_) => panic!("configuration unexpectedly valid"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn emulator_defaults_without_file() {
    Jail::expect_with(|_| {
        let config = Config::load(None).expect("embedded defaults load");
        let token = config.guard.token.expect("token section is always set");
        assert_eq!(token.issuer, "http://127.0.0.1:9400/oauth2/default");
        assert_eq!(config.guard.okta.org_url.as_str(), "http://127.0.0.1:9400/");
        assert_eq!(config.listen.to_string(), "127.0.0.1:9402");
        Ok(())
    });
}

#[test]
fn example_profile_loads_with_env_secrets() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_OKTA__AUTH__TOKEN", REAL_TOKEN);
        jail.set_env("DEMO_BACKEND_EVENT_HOOKS__SECRET", REAL_HOOK_SECRET);

        let config = Config::load(Some(Path::new(EXAMPLE_PROFILE))).expect("profile loads");

        assert_eq!(
            config.guard.okta.org_url.as_str(),
            "https://example.okta.com/"
        );
        let OktaAuthConfig::ApiToken { token } = &config.guard.okta.auth else {
            panic!("the profile uses an API token");
        };
        assert!(token.matches(REAL_TOKEN.as_bytes()));
        let hooks = config
            .guard
            .event_hooks
            .as_ref()
            .expect("event hooks configured");
        assert!(hooks.secret.matches(REAL_HOOK_SECRET.as_bytes()));
        Ok(())
    });
}

#[test]
fn example_profile_names_missing_token_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_EVENT_HOOKS__SECRET", REAL_HOOK_SECRET);

        let message = load_error(Some(EXAMPLE_PROFILE));

        assert!(message.contains("okta.auth.token is missing"), "{message}");
        assert!(
            message.contains("export DEMO_BACKEND_OKTA__AUTH__TOKEN"),
            "{message}"
        );
        Ok(())
    });
}

#[test]
fn example_profile_names_missing_hook_secret_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_OKTA__AUTH__TOKEN", REAL_TOKEN);

        let message = load_error(Some(EXAMPLE_PROFILE));

        assert!(
            message.contains("export DEMO_BACKEND_EVENT_HOOKS__SECRET"),
            "{message}"
        );
        Ok(())
    });
}

#[test]
fn example_profile_refuses_emulator_token() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "DEMO_BACKEND_OKTA__AUTH__TOKEN",
            "00mockOktaDemoApiToken0000000000000000000",
        );
        jail.set_env("DEMO_BACKEND_EVENT_HOOKS__SECRET", REAL_HOOK_SECRET);

        let message = load_error(Some(EXAMPLE_PROFILE));

        assert!(message.contains("okta.auth.token"), "{message}");
        assert!(message.contains("emulator"), "{message}");
        assert!(!message.contains("00mockOkta"), "{message}");
        Ok(())
    });
}

#[test]
fn service_app_key_from_environment() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "okta.toml",
            r#"
            [token]
            issuer = "https://example.okta.com/oauth2/default"
            audiences = ["api://default"]
            [okta]
            org_url = "https://example.okta.com"
            [okta.auth]
            method = "service_app"
            client_id = "0oaservice0000000001"
            "#,
        )?;
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
        jail.set_env("DEMO_BACKEND_OKTA__AUTH__PRIVATE_KEY_PEM", pem);

        let config = Config::load(Some(Path::new("okta.toml"))).expect("profile loads");

        let OktaAuthConfig::ServiceApp {
            client_id,
            private_key_pem,
            ..
        } = &config.guard.okta.auth
        else {
            panic!("the profile uses a service app");
        };
        assert_eq!(client_id, "0oaservice0000000001");
        // figment trims environment values; PEM parsers ignore the newline.
        assert_eq!(private_key_pem.expose(), pem.trim_end());
        Ok(())
    });
}

#[test]
fn environment_overrides_file() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_OKTA__AUTH__TOKEN", REAL_TOKEN);
        jail.set_env("DEMO_BACKEND_EVENT_HOOKS__SECRET", REAL_HOOK_SECRET);
        jail.set_env("DEMO_BACKEND_LISTEN", "127.0.0.1:19999");
        jail.set_env(
            "DEMO_BACKEND_CORS__ALLOWED_ORIGINS",
            r#"["https://spa.example.com"]"#,
        );

        let config = Config::load(Some(Path::new(EXAMPLE_PROFILE))).expect("profile loads");

        assert_eq!(config.listen.to_string(), "127.0.0.1:19999");
        assert_eq!(config.cors.allowed_origins, ["https://spa.example.com"]);
        Ok(())
    });
}

#[test]
fn orchestrator_port_variable_ignored() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_PORT", "19402");
        assert!(Config::load(None).is_ok());
        Ok(())
    });
}

#[test]
fn unknown_variable_named_with_choices() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "DEMO_BACKEND_CORS__ORIGINS",
            r#"["https://spa.example.com"]"#,
        );

        let message = load_error(None);

        assert!(message.contains("cors.origins"), "{message}");
        assert!(
            message.contains("environment variable DEMO_BACKEND_CORS__ORIGINS"),
            "{message}"
        );
        assert!(message.contains("allowed_origins"), "{message}");
        Ok(())
    });
}

#[test]
fn wrong_type_names_key_and_value() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_SESSION__VERDICT_TTL_SECS", "soon");

        let message = load_error(None);

        assert!(message.contains("session.verdict_ttl_secs"), "{message}");
        assert!(message.contains(r#""soon""#), "{message}");
        assert!(message.contains("whole number"), "{message}");
        Ok(())
    });
}

#[test]
fn unknown_variant_lists_choices() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_OUTAGE__MODE", "fail_open");

        let message = load_error(None);

        assert!(message.contains("outage.mode"), "{message}");
        assert!(message.contains("fail_closed, serve_stale"), "{message}");
        Ok(())
    });
}

#[test]
fn secret_of_wrong_type_not_echoed() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_EVENT_HOOKS__SECRET", "true");

        let message = load_error(None);

        assert!(message.contains("event_hooks.secret"), "{message}");
        assert!(message.contains("[redacted]"), "{message}");
        assert!(!message.contains("true"), "{message}");
        Ok(())
    });
}

#[test]
fn guard_rule_names_key_value_and_fix() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_SESSION_CLAIM", "sid");

        let message = load_error(None);

        assert!(message.contains("session_claim"), "{message}");
        assert!(message.contains(r#""sid""#), "{message}");
        assert!(
            message.contains("fix: use a custom claim name"),
            "{message}"
        );
        Ok(())
    });
}

#[test]
fn cors_origin_with_path_rejected() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "DEMO_BACKEND_CORS__ALLOWED_ORIGINS",
            r#"["http://localhost:9403/app"]"#,
        );

        let message = load_error(None);

        assert!(message.contains("cors.allowed_origins"), "{message}");
        assert!(message.contains("http://localhost:9403/app"), "{message}");
        assert!(message.contains("fix:"), "{message}");
        Ok(())
    });
}

#[test]
fn bad_listen_address_rejected() {
    Jail::expect_with(|jail| {
        jail.set_env("DEMO_BACKEND_LISTEN", "localhost");

        let message = load_error(None);

        assert!(message.contains(r#"listen = "localhost""#), "{message}");
        assert!(message.contains("127.0.0.1:9402"), "{message}");
        Ok(())
    });
}

#[test]
fn insecure_issuer_rejected() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "DEMO_BACKEND_TOKEN__ISSUER",
            "http://example.okta.com/oauth2/default",
        );

        let message = load_error(None);

        assert!(message.contains("token.issuer"), "{message}");
        assert!(message.contains("https"), "{message}");
        Ok(())
    });
}

#[test]
fn unreadable_file_named() {
    Jail::expect_with(|_| {
        let error =
            Config::load(Some(Path::new("does-not-exist.toml"))).expect_err("file is missing");

        assert!(
            matches!(error, ConfigError::FileUnreadable { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("does-not-exist.toml"), "{error}");
        Ok(())
    });
}
