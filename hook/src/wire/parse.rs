//! JSON parsing that names the path of the offending field.

use serde::de::DeserializeOwned;

/// A request body that is not the expected JSON document.
#[derive(Debug, thiserror::Error)]
#[error("invalid request body at `{path}`: {message}")]
pub struct PayloadError {
    /// Dotted JSON path, such as `data.context.session.id`; `.` for the root.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

/// Parses `body` as `T`, reporting the path of a missing or invalid field.
///
/// serde reports a missing field at the path of the object that lacks it,
/// so the field name is appended to give the full path of what is missing.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, PayloadError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);

    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let parent = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();

        match missing_field_name(&message) {
            Some(field) => PayloadError {
                path: join_path(&parent, field),
                message: "missing required field".to_owned(),
            },
            None => PayloadError {
                path: parent,
                message,
            },
        }
    })
}

/// Extracts `X` from serde's "missing field `X`" message.
fn missing_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}

fn join_path(parent: &str, field: &str) -> String {
    if parent == "." || parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Outer {
        #[allow(dead_code)]
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    struct Inner {
        #[allow(dead_code)]
        id: String,
    }

    #[test]
    fn missing_nested_field_names_full_path() {
        let error = parse_json::<Outer>(br#"{"inner":{}}"#).unwrap_err();
        assert_eq!(error.path, "inner.id");
    }

    #[test]
    fn missing_top_field_names_field() {
        let error = parse_json::<Outer>(b"{}").unwrap_err();
        assert_eq!(error.path, "inner");
    }

    #[test]
    fn wrong_type_names_path() {
        let error = parse_json::<Outer>(br#"{"inner":{"id":5}}"#).unwrap_err();
        assert_eq!(error.path, "inner.id");
    }

    #[test]
    fn malformed_json_is_error() {
        assert!(parse_json::<Outer>(b"{not json").is_err());
    }
}
