//! Timestamps as the API writes them: RFC 3339 in UTC with microseconds.

use chrono::{DateTime, SecondsFormat, Utc};

/// The current time, formatted for storage and JSON.
pub fn now_rfc3339() -> String {
    format_rfc3339(Utc::now())
}

/// Formats a time for storage and JSON.
pub fn format_rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored timestamp; `None` when absent or malformed.
pub fn parse_rfc3339(value: Option<&str>) -> Option<DateTime<Utc>> {
    value
        .and_then(|value| DateTime::parse_from_rfc3339(value).ok())
        .map(|time| time.with_timezone(&Utc))
}

/// Seconds elapsed since a stored timestamp, or `None` when there is none.
pub fn seconds_since(value: Option<&str>) -> Option<i64> {
    parse_rfc3339(value).map(|time| (Utc::now() - time).num_seconds())
}
