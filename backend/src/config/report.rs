//! Turns figment's extraction errors into one line per bad key, each with
//! where the value came from and what to change.

use figment::Source;
use figment::error::{Actual, Kind};

use super::{ConfigError, ENV_PREFIX};

/// Last key segments whose values are secrets: never echoed back.
const SECRET_KEYS: &[&str] = &["token", "secret", "admin_secret", "private_key_pem"];

/// One missing, unknown or mistyped key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// Dotted key, as in the TOML file (`okta.auth.token`).
    pub key: String,
    /// Source of the offending value (a file, an environment variable or
    /// the embedded defaults), when known.
    pub origin: Option<String>,
    /// The problem with the key.
    pub problem: String,
    /// The change that fixes it.
    pub fix: String,
}

/// Returns the environment variable that sets `key`.
pub fn env_var(key: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        key.replace('.', "__").to_ascii_uppercase()
    )
}

pub(super) fn from_figment(error: &figment::Error) -> ConfigError {
    ConfigError::Fields(
        error
            .clone()
            .into_iter()
            .map(|error| describe(&error))
            .collect(),
    )
}

pub(super) fn render(problems: &[FieldProblem]) -> String {
    let lines: Vec<String> = problems
        .iter()
        .map(|problem| {
            let origin = problem
                .origin
                .as_deref()
                .map(|origin| format!(" (from {origin})"))
                .unwrap_or_default();
            format!(
                "setting {}{origin} {}; fix: {}",
                problem.key, problem.problem, problem.fix
            )
        })
        .collect();
    format!("invalid configuration: {}", lines.join("; "))
}

fn describe(error: &figment::Error) -> FieldProblem {
    let mut path = error.path.clone();
    match &error.kind {
        Kind::MissingField(name) => {
            path.push(name.to_string());
            let key = path.join(".");
            let variable = env_var(&key);
            let fix = if is_secret(&key) {
                format!("export {variable} (secrets come from the environment, not from files)")
            } else {
                format!("set {key} in the configuration file, or export {variable}")
            };
            // The origin of a missing key is the section around it, which
            // would only mislead.
            FieldProblem {
                key,
                origin: None,
                problem: "is missing".to_owned(),
                fix,
            }
        }
        Kind::UnknownField(name, expected) => {
            // figment's path already ends with the unknown key.
            if path.last() != Some(name) {
                path.push(name.clone());
            }
            FieldProblem {
                origin: origin(error, &path),
                key: path.join("."),
                problem: "is not a known setting".to_owned(),
                fix: format!("remove it, or use one of: {}", expected.join(", ")),
            }
        }
        Kind::UnknownVariant(value, expected) => {
            let key = path.join(".");
            FieldProblem {
                origin: origin(error, &path),
                problem: format!("has the unknown value {}", shown(&key, value)),
                fix: format!("use one of: {}", expected.join(", ")),
                key,
            }
        }
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            let key = path.join(".");
            FieldProblem {
                origin: origin(error, &path),
                problem: format!("has the invalid value {}", shown_actual(&key, actual)),
                fix: format!("write {}", readable_type(expected)),
                key,
            }
        }
        other => {
            let key = path.join(".");
            FieldProblem {
                origin: origin(error, &path),
                problem: format!("is invalid: {other}"),
                fix: hint(&key).to_owned(),
                key,
            }
        }
    }
}

/// Names the provider of the value at `path`: the environment variable,
/// the file, or the embedded defaults.
fn origin(error: &figment::Error, path: &[String]) -> Option<String> {
    let metadata = error.metadata.as_ref()?;
    match &metadata.source {
        Some(Source::File(file)) => Some(format!("file {}", file.display())),
        Some(Source::Custom(source)) => Some(source.clone()),
        Some(Source::Code(_)) => Some("the embedded defaults".to_owned()),
        // figment's own interpolation drops the prefix and the `__`
        // separators, so the variable name is rebuilt from the key.
        None if metadata.name.contains(ENV_PREFIX) => {
            Some(format!("environment variable {}", env_var(&path.join("."))))
        }
        _ => Some(metadata.name.to_string()),
    }
}

fn is_secret(key: &str) -> bool {
    key.rsplit('.')
        .next()
        .is_some_and(|last| SECRET_KEYS.contains(&last))
}

fn shown(key: &str, value: &str) -> String {
    if is_secret(key) {
        "[redacted]".to_owned()
    } else {
        format!("{value:?}")
    }
}

fn shown_actual(key: &str, actual: &Actual) -> String {
    if is_secret(key) {
        "[redacted]".to_owned()
    } else {
        actual.to_string()
    }
}

/// Spells serde's primitive type names the way the TOML file writes them.
fn readable_type(expected: &str) -> &str {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "bool" | "a boolean" => "true or false",
        other => other,
    }
}

/// Returns a fix, by key, for parse messages that carry none.
fn hint(key: &str) -> &'static str {
    match key {
        "okta.org_url" => "use the org base URL, for example https://example.okta.com",
        "okta.auth" => {
            "set method = \"api_token\" with token, or method = \"service_app\" with client_id and private_key_pem"
        }
        _ => "see the configuration table in backend/README.md",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_joins_with_double_underscore() {
        assert_eq!(env_var("okta.auth.token"), "DEMO_BACKEND_OKTA__AUTH__TOKEN");
    }

    #[test]
    fn secret_keys_are_redacted() {
        assert_eq!(shown("event_hooks.secret", "hunter2"), "[redacted]");
        assert_eq!(shown("outage.mode", "sometimes"), "\"sometimes\"");
    }
}
