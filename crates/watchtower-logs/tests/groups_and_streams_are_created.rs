//! Groups and streams are created on first use with tags, retention and class; a stream or
//! group deleted meanwhile is created again and nothing is lost; creation can be disabled.

mod support;

use std::collections::HashMap;

use support::{core_config, Started as _, FLUSH};
use watchtower_logs::{DropReason, Record};
use watchtower_testkit::{shared_moto, Proxy};

#[test]
fn group_is_created_with_tags_and_retention() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "created-group");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .retention_days(14)
        .log_group_tags([("team", "platform"), ("env", "test")])
        .started();
    logs.log(Record::new("first"));
    logs.flush(FLUSH).unwrap();
    assert_eq!(moto.events("created-group", "s")[0].message, "first");
    assert_eq!(moto.retention_days("created-group"), Some(14));
    let expected: HashMap<String, String> = [("team", "platform"), ("env", "test")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(moto.tags("created-group"), expected);
    assert_eq!(
        proxy.count("DescribeLogGroups") + proxy.count("DescribeLogStreams"),
        0
    );
    // Creation happens on first use only (PutLogEvents → missing stream → CreateLogStream →
    // missing group → CreateLogGroup → CreateLogStream), never again per batch.
    assert_eq!(proxy.count("CreateLogGroup"), 1);
    let control_calls = |p: &Proxy| {
        ["CreateLogGroup", "CreateLogStream", "PutRetentionPolicy"].map(|op| p.count(op))
    };
    let after_first = control_calls(&proxy);
    for i in 0..5 {
        logs.log(Record::new(format!("more {i}")));
        logs.flush(FLUSH).unwrap();
    }
    assert_eq!(control_calls(&proxy), after_first);
    assert_eq!(
        proxy.count("PutLogEvents"),
        7,
        "one failed put, then one per flush"
    );
}

#[test]
fn retention_is_applied_to_an_existing_group() {
    let moto = shared_moto();
    moto.create_group("existing-group");
    let (builder, _) = core_config(&moto.endpoint(), "existing-group");
    let (logs, _guard) = builder.log_stream_name("s").retention_days(30).started();
    logs.log(Record::new("x"));
    logs.flush(FLUSH).unwrap();
    assert_eq!(moto.retention_days("existing-group"), Some(30));
}

#[test]
fn a_stream_deleted_meanwhile_is_recreated_and_nothing_is_lost() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "recreate");
    let (logs, _guard) = builder.log_stream_name("s").started();
    logs.log(Record::new("before"));
    logs.flush(FLUSH).unwrap();
    moto.delete_stream("recreate", "s");
    logs.log(Record::new("after stream delete"));
    logs.flush(FLUSH).unwrap();
    let msgs: Vec<String> = moto
        .events("recreate", "s")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(msgs, vec!["after stream delete"]);

    moto.delete_group("recreate");
    logs.log(Record::new("after group delete"));
    logs.flush(FLUSH).unwrap();
    let msgs: Vec<String> = moto
        .events("recreate", "s")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(msgs, vec!["after group delete"]);
    assert_eq!(logs.stats().delivered, 3);
    assert_eq!(logs.stats().dropped.total(), 0);
}

#[test]
fn events_logged_while_a_stream_is_created_are_kept() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "no-loss-on-create");
    let (logs, _guard) = builder
        .log_stream_name("{logger_name}")
        .max_batch_count(100)
        .started();
    for i in 0..5000 {
        logs.log(Record::new(format!("e{i}")).logger_name(if i % 2 == 0 { "even" } else { "odd" }));
    }
    logs.flush(FLUSH).unwrap();
    assert_eq!(moto.events("no-loss-on-create", "even").len(), 2500);
    assert_eq!(moto.events("no-loss-on-create", "odd").len(), 2500);
}

#[test]
fn creation_can_be_disabled() {
    let moto = shared_moto();
    moto.create_group("no-create");
    let (builder, warnings) = core_config(&moto.endpoint(), "no-create");
    let (logs, _guard) = builder
        .log_stream_name("missing")
        .create_log_stream(false)
        .started();
    logs.log(Record::new("lost, but counted"));
    logs.flush(FLUSH).unwrap();
    assert!(moto.streams("no-create").is_empty());
    assert_eq!(logs.stats().dropped.get(DropReason::ResourceNotFound), 1);
    assert!(warnings
        .messages()
        .iter()
        .any(|m| m.contains("creating it is disabled")));

    moto.create_stream("no-create", "present");
    let (builder, _) = core_config(&moto.endpoint(), "no-create");
    let (logs, _guard) = builder
        .log_stream_name("present")
        .create_log_stream(false)
        .create_log_group(false)
        .started();
    logs.log(Record::new("delivered"));
    logs.flush(FLUSH).unwrap();
    assert_eq!(moto.events("no-create", "present").len(), 1);
}

#[test]
fn setup_log_group_creates_it_now() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "eager");
    let (logs, _guard) = builder.retention_days(7).build().unwrap().start().unwrap();
    logs.setup_log_group(FLUSH).unwrap();
    assert!(moto.groups().contains(&"eager".to_string()));
    assert_eq!(moto.retention_days("eager"), Some(7));
}

#[test]
fn group_is_created_with_class_and_kms_key() {
    let moto = shared_moto();
    let kms = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "classy");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .log_group_class(watchtower_logs::LogGroupClass::InfrequentAccess)
        .kms_key_id(kms)
        .started();
    logs.log(Record::new("x"));
    logs.flush(FLUSH).unwrap();
    let client = moto.client();
    let described = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(
            client
                .describe_log_groups()
                .log_group_name_prefix("classy")
                .send(),
        )
        .unwrap();
    let group = &described.log_groups()[0];
    assert_eq!(group.kms_key_id(), Some(kms));
    // moto does not keep the class: check the request itself.
    let create = proxy
        .requests()
        .into_iter()
        .find(|r| r.op == "CreateLogGroup")
        .unwrap();
    assert_eq!(
        create.json().unwrap()["logGroupClass"],
        serde_json::json!("INFREQUENT_ACCESS")
    );
}
