//! Reading a JWKS response's lifetime from `Cache-Control`.

use std::time::Duration;

use http::HeaderMap;
use http::header::CACHE_CONTROL;

/// Returns how long the response may be used according to `Cache-Control`
/// (RFC 9111 section 5.2.2): `max-age`, or zero for `no-store` / `no-cache`.
/// Returns `None` when the header gives no lifetime.
///
/// Directive names are case-insensitive, and several `Cache-Control`
/// fields combine as one comma-separated list. Following RFC 9111 section
/// 4.2.1, the first `max-age` wins and a malformed one counts as zero
/// (stale). A value too large for `u64` saturates, and the cache clamps
/// it to its maximum TTL anyway.
pub(crate) fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut lifetime = None;

    for field in headers.get_all(CACHE_CONTROL) {
        let Ok(field) = field.to_str() else {
            continue;
        };

        for directive in field.split(',') {
            let (name, argument) = match directive.split_once('=') {
                Some((name, argument)) => (name.trim(), Some(argument.trim())),
                None => (directive.trim(), None),
            };

            if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                return Some(Duration::ZERO);
            }

            if name.eq_ignore_ascii_case("max-age") && lifetime.is_none() {
                let seconds = argument.map_or(0, |value| delta_seconds(value.trim_matches('"')));
                lifetime = Some(Duration::from_secs(seconds));
            }
        }
    }

    lifetime
}

/// Parses RFC 9111 delta-seconds: digits only, saturating on overflow,
/// and zero for anything else.
fn delta_seconds(value: &str) -> u64 {
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return 0;
    }
    value.parse().unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(CACHE_CONTROL, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn max_age_reads_okta_header() {
        let lifetime = max_age(&headers(&["max-age=3832304, must-revalidate"]));
        assert_eq!(lifetime, Some(Duration::from_secs(3_832_304)));
    }

    #[test]
    fn max_age_spellings() {
        let cases: [(&[&'static str], Option<u64>); 11] = [
            (&["max-age=60, max-age=10"], Some(60)),
            (&["max-age=+60"], Some(0)),
            (&["max-age=99999999999999999999999"], Some(u64::MAX)),
            (&[], None),
            (&["public"], None),
            (&["MAX-AGE=60"], Some(60)),
            (&["public", "max-age=\"90\""], Some(90)),
            (&["max-age=abc"], Some(0)),
            (&["max-age=-5"], Some(0)),
            (&["max-age=60, no-cache"], Some(0)),
            (&["no-store"], Some(0)),
        ];

        for (values, expected) in cases {
            assert_eq!(
                max_age(&headers(values)),
                expected.map(Duration::from_secs),
                "{values:?}"
            );
        }
    }
}
