//! How values, sizes, numbers, durations and dates read on screen: each written
//! once, so the Runs list, the past run, the comparison and the artifact views agree.

use chrono::{DateTime, Local, Utc};
use pipewright_engine::Value;

/// A parameter value as the user typed it: text without quotes, anything else in
/// its RON form.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        v => v.to_string(),
    }
}

/// A size in bytes, in B, KiB or MiB.
pub fn format_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// A number in a short, readable form.
pub fn format_number(x: f64) -> String {
    if x == 0.0 || (x.abs() >= 1e-3 && x.abs() < 1e6) {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s.is_empty() || s == "-" {
            "0".to_owned()
        } else {
            s.to_owned()
        }
    } else {
        format!("{x:.3e}")
    }
}

/// Formats a duration for node footers, the log and the run lists.
pub fn format_duration(secs: f64) -> String {
    if secs < 0.001 {
        "<1 ms".to_owned()
    } else if secs < 1.0 {
        format!("{:.0} ms", secs * 1000.0)
    } else if secs < 60.0 {
        format!("{secs:.2} s")
    } else {
        format!("{}m {:02}s", (secs / 60.0) as u64, (secs % 60.0) as u64)
    }
}

/// The format of [`format_time`]: sortable, to the second.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A moment (stored in UTC) as the user's clock shows it.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&Local).format(TIME_FORMAT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_lose_their_quotes_and_others_keep_their_form() {
        assert_eq!(value_text(&Value::Text("a b".into())), "a b");
        assert_eq!(value_text(&Value::Int(3)), Value::Int(3).to_string());
        assert_eq!(
            value_text(&Value::Float(0.5)),
            Value::Float(0.5).to_string()
        );
        assert_eq!(
            value_text(&Value::Bool(true)),
            Value::Bool(true).to_string()
        );
    }

    #[test]
    fn bytes_switch_unit_at_each_kibibyte_step() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1024), "1.0 KiB");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(1024 * 1024), "1.0 MiB");
        assert_eq!(format_bytes(5 * 1024 * 1024 + 512 * 1024), "5.5 MiB");
    }

    #[test]
    fn numbers_are_short_and_switch_to_exponents_outside_a_readable_range() {
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(format_number(0.123456), "0.1235");
        assert_eq!(format_number(1.0e-7), "1.000e-7");
        assert_eq!(format_number(2.5e6), "2.500e6");
        assert_eq!(format_number(0.001), "0.001");
        assert_eq!(format_number(-0.00001), "-1.000e-5");
    }

    #[test]
    fn durations_pick_a_unit_by_size() {
        assert_eq!(format_duration(0.0), "<1 ms");
        assert_eq!(format_duration(0.0004), "<1 ms");
        assert_eq!(format_duration(0.25), "250 ms");
        assert_eq!(format_duration(1.5), "1.50 s");
        assert_eq!(format_duration(59.994), "59.99 s");
        assert_eq!(format_duration(61.0), "1m 01s");
        assert_eq!(format_duration(3600.0), "60m 00s");
    }

    #[test]
    fn times_show_in_local_time_to_the_second() {
        let t = DateTime::parse_from_rfc3339("2026-03-04T05:06:07.890Z")
            .unwrap()
            .with_timezone(&Utc);
        let shown = format_time(&t);
        assert_eq!(shown.len(), "2026-03-04 05:06:07".len());
        // Reading it back in local time gives the same second.
        let back = chrono::NaiveDateTime::parse_from_str(&shown, TIME_FORMAT)
            .unwrap()
            .and_local_timezone(Local)
            .earliest()
            .unwrap();
        assert_eq!(back.with_timezone(&Utc).timestamp(), t.timestamp());
    }
}
