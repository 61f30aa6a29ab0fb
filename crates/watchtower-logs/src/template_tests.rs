//! Unit tests of `template.rs`.
use super::*;

fn values() -> TemplateValues {
    TemplateValues {
        machine_name: "ip-10-0-0-1".into(),
        program_name: "/srv/app:main.py".into(),
        process_id: 4242,
    }
}

fn render(template: &str, logger: &str, ts: i64) -> String {
    StreamNameTemplate::parse(template, values())
        .unwrap()
        .render(&RenderContext {
            logger_name: logger,
            thread_name: Some("MainThread"),
            timestamp_ms: ts,
        })
}

#[test]
fn default_template_matches_3_4() {
    assert_eq!(
        render(crate::config::DEFAULT_LOG_STREAM_NAME, "app.db", 0),
        "ip-10-0-0-1//srv/appmain.py/app.db/4242"
    );
}

#[test]
fn every_placeholder_renders() {
    assert_eq!(
        render(
            "{thread_name}|{logger_name}|{strftime:%Y-%m-%d %H}",
            "x",
            1_700_000_000_000
        ),
        "MainThread|x|2023-11-14 22"
    );
    assert_eq!(render("{{literal}}-{logger_name}", "a", 0), "{literal}-a");
}

#[test]
fn strftime_uses_the_event_time_and_replaces_colons() {
    assert_eq!(render("{strftime:%H:%M}", "x", 1_700_000_000_000), "22-13");
    assert_eq!(
        render("{strftime}", "x", 1_700_000_000_123),
        "2023-11-14 22-13-20.123000+00-00"
    );
    // Cached per second, but still right when the second changes.
    assert_eq!(render("{strftime:%S}", "x", 1_700_000_001_000), "21");
    assert_eq!(render("{strftime:%S}", "x", 1_700_000_002_000), "22");
}

#[test]
fn values_are_sanitised() {
    assert_eq!(render("{logger_name}", "a:b*c", 0), "a-b-c");
    assert_eq!(render("{logger_name}", "", 0), "-");
    let long = "é".repeat(600);
    let out = render("{logger_name}", &long, 0);
    assert_eq!(out.chars().count(), 512);
}

#[test]
fn bad_templates_are_config_errors() {
    for bad in [
        "{unknown}",
        "{logger_name",
        "a}b",
        "lit:eral",
        "star*",
        "{process_id:05d}",
        "{strftime:%Q}",
    ] {
        let err = StreamNameTemplate::parse(bad, values()).unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidStreamTemplate { .. }),
            "{bad}: {err:?}"
        );
    }
    let msg = StreamNameTemplate::parse("{nope}", values())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("unknown placeholder {nope}"), "{msg}");
}

#[test]
fn constant_templates_are_detected() {
    let t = StreamNameTemplate::parse("{machine_name}/fixed", values()).unwrap();
    assert!(t.is_constant());
    let t = StreamNameTemplate::parse("{logger_name}", values()).unwrap();
    assert!(!t.is_constant());
}
