//! `GET /api/v1/logs`: the System Log query.
//!
//! The parameters are Okta's:
//! - `since`: inclusive lower bound of `published`, by default 7 days
//!   before `until`.
//! - `until`: exclusive upper bound, by default now on the emulator clock.
//! - `filter`: see [`Filter`].
//! - `q`: case-insensitive keywords, all of which must appear.
//! - `limit`: 0 to 1000, default 100.
//! - `sortOrder`: `ASCENDING` (default) or `DESCENDING`.
//! - `after`: the opaque cursor of a `next` link.
//!
//! The `Link` header carries `rel="self"` and, when more events match,
//! `rel="next"`. A polling query (no `until`, ascending) always gets a
//! `next` link, as in Okta, so a client can keep following it.

use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;

use crate::api::log_filter::Filter;
use crate::error::OktaError;
use crate::state::SharedState;
use crate::syslog::LogEvent;

/// Events per page unless the request sets `limit`.
const DEFAULT_LIMIT: usize = 100;
/// Okta's maximum `limit`.
const MAX_LIMIT: usize = 1000;
/// How far back `since` defaults to from `until`.
const DEFAULT_SPAN: Duration = Duration::from_secs(7 * 24 * 3600);
/// Okta's bounds on `q`: at most 10 keywords of at most 40 characters.
const MAX_KEYWORDS: usize = 10;
const MAX_KEYWORD_CHARS: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortOrder {
    Ascending,
    Descending,
}

/// A parsed and checked query.
#[derive(Debug)]
struct LogQuery {
    since: Option<SystemTime>,
    until: Option<SystemTime>,
    filter: Option<Filter>,
    keywords: Vec<String>,
    limit: usize,
    order: SortOrder,
    after: Option<String>,
    /// The raw pairs, to rebuild links.
    pairs: Vec<(String, String)>,
}

pub async fn list_events(
    State(state): State<SharedState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let query = LogQuery::parse(raw.as_deref().unwrap_or_default())?;
    let until = query.until.unwrap_or_else(|| state.clock.now());
    let since = query.since.unwrap_or_else(|| {
        until
            .checked_sub(DEFAULT_SPAN)
            .unwrap_or(SystemTime::UNIX_EPOCH)
    });

    let mut events = sorted_events(state.system_log.events());
    if query.order == SortOrder::Descending {
        events.reverse();
    }
    if let Some(after) = &query.after {
        let position = events
            .iter()
            .position(|(_, event)| &event.uuid == after)
            .ok_or_else(|| {
                OktaError::validation(format!(
                    "after: cursor {after:?} is unknown or expired; start again without after"
                ))
            })?;
        events.drain(..=position);
    }

    let mut matching = events
        .into_iter()
        .filter(|(published, _)| *published >= since && *published < until)
        .map(|(_, event)| event)
        .filter(|event| query.accepts(event));
    let page: Vec<LogEvent> = matching.by_ref().take(query.limit).collect();
    let more = matching.next().is_some();

    let polling = query.until.is_none() && query.order == SortOrder::Ascending;
    let next_cursor = if more || polling {
        Some(
            page.last()
                .map(|event| event.uuid.clone())
                .or(query.after.clone()),
        )
    } else {
        None
    };
    let link = query.link_header(&state.org_url, next_cursor);

    let mut response = Json(page).into_response();
    if let Ok(value) = HeaderValue::from_str(&link) {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

/// Returns the events with their parsed `published` time, oldest first;
/// events recorded in the same millisecond keep their recording order.
fn sorted_events(events: Vec<LogEvent>) -> Vec<(SystemTime, LogEvent)> {
    let mut events: Vec<(SystemTime, LogEvent)> = events
        .into_iter()
        .map(|event| {
            let published = DateTime::parse_from_rfc3339(&event.published)
                .map(SystemTime::from)
                .unwrap_or(SystemTime::UNIX_EPOCH);
            (published, event)
        })
        .collect();
    events.sort_by_key(|(published, _)| *published);
    events
}

impl LogQuery {
    fn parse(raw: &str) -> Result<LogQuery, OktaError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
            .into_owned()
            .collect();
        let mut query = LogQuery {
            since: None,
            until: None,
            filter: None,
            keywords: Vec::new(),
            limit: DEFAULT_LIMIT,
            order: SortOrder::Ascending,
            after: None,
            pairs: Vec::new(),
        };

        for (name, value) in &pairs {
            match name.as_str() {
                "since" => query.since = Some(parse_time("since", value)?),
                "until" => query.until = Some(parse_time("until", value)?),
                "filter" => {
                    let filter = Filter::parse(value)
                        .map_err(|error| OktaError::validation(format!("filter: {error}")))?;
                    query.filter = Some(filter);
                }
                "q" => query.keywords = parse_keywords(value)?,
                "limit" => query.limit = parse_limit(value)?,
                "sortOrder" => {
                    query.order = match value.as_str() {
                        "ASCENDING" => SortOrder::Ascending,
                        "DESCENDING" => SortOrder::Descending,
                        other => {
                            return Err(OktaError::validation(format!(
                                "sortOrder: {other:?} is not valid; use ASCENDING or DESCENDING"
                            )));
                        }
                    };
                }
                "after" => query.after = Some(value.clone()),
                _ => {}
            }
        }
        query.pairs = pairs;
        Ok(query)
    }

    /// Returns whether `event` passes `filter` and `q`.
    fn accepts(&self, event: &LogEvent) -> bool {
        if self.filter.is_none() && self.keywords.is_empty() {
            return true;
        }
        let Ok(json) = serde_json::to_value(event) else {
            return false;
        };
        if let Some(filter) = &self.filter
            && !filter.matches(&json)
        {
            return false;
        }
        let text = json.to_string().to_lowercase();
        self.keywords.iter().all(|keyword| text.contains(keyword))
    }

    /// Builds the `Link` header: `self`, and `next` with `after` set to
    /// `next_cursor` (or without `after` when there is no cursor yet).
    fn link_header(&self, org_url: &str, next_cursor: Option<Option<String>>) -> String {
        let url_with = |after: Option<&str>| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in self.pairs.iter().filter(|(name, _)| name != "after") {
                query.append_pair(name, value);
            }
            if let Some(after) = after {
                query.append_pair("after", after);
            }
            let query = query.finish();
            if query.is_empty() {
                format!("{org_url}/api/v1/logs")
            } else {
                format!("{org_url}/api/v1/logs?{query}")
            }
        };

        let mut link = format!("<{}>; rel=\"self\"", url_with(self.after.as_deref()));
        if let Some(cursor) = next_cursor {
            link.push_str(&format!(
                ", <{}>; rel=\"next\"",
                url_with(cursor.as_deref())
            ));
        }
        link
    }
}

fn parse_time(name: &str, value: &str) -> Result<SystemTime, OktaError> {
    DateTime::parse_from_rfc3339(value)
        .map(SystemTime::from)
        .map_err(|error| {
            OktaError::validation(format!(
                "{name}: {value:?} is not an ISO 8601 timestamp ({error}); use for example 2024-08-13T15:58:20.353Z"
            ))
        })
}

fn parse_limit(value: &str) -> Result<usize, OktaError> {
    match value.parse::<usize>() {
        Ok(limit) if limit <= MAX_LIMIT => Ok(limit),
        _ => Err(OktaError::validation(format!(
            "limit: {value:?} is not an integer between 0 and {MAX_LIMIT}"
        ))),
    }
}

fn parse_keywords(value: &str) -> Result<Vec<String>, OktaError> {
    let keywords: Vec<String> = value.split_whitespace().map(str::to_lowercase).collect();
    if keywords.len() > MAX_KEYWORDS {
        return Err(OktaError::validation(format!(
            "q: {} keywords given; use at most {MAX_KEYWORDS}",
            keywords.len()
        )));
    }
    if let Some(long) = keywords
        .iter()
        .find(|k| k.chars().count() > MAX_KEYWORD_CHARS)
    {
        return Err(OktaError::validation(format!(
            "q: keyword {long:?} is longer than {MAX_KEYWORD_CHARS} characters"
        )));
    }
    Ok(keywords)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_each_bad_parameter() {
        let cases = [
            "limit=1001",
            "limit=-1",
            "sortOrder=up",
            "since=yesterday",
            "until=2024-13-01T00:00:00Z",
            "filter=eventType%20eq",
        ];
        for raw in cases {
            assert!(LogQuery::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn link_header_replaces_after() {
        let query = LogQuery::parse("limit=1&after=old").unwrap();
        let link = query.link_header("http://o", Some(Some("new".to_owned())));
        assert_eq!(
            link,
            "<http://o/api/v1/logs?limit=1&after=old>; rel=\"self\", <http://o/api/v1/logs?limit=1&after=new>; rel=\"next\""
        );
    }
}
