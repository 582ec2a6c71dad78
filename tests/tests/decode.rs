//! Typed records decoded straight from a read's bytes: the same records as the decoding of an
//! already-parsed record, for every entity type of the demo schema; the official client's
//! record rules; and errors that name the entity, the id and the field whatever the key order.

use serde_json::{json, Value};
use sg_runtime::__private::decode_read_direct;
use sg_runtime::typed::{decode_read, Entity, EntityField, EntityType, Find};
use sg_runtime::{Error, Query};
use sg_tests::demo::*;
use sg_tests::demo_server;
use sg_tests::SiteClient;

fn answer(records: Value) -> Vec<u8> {
    json!({"results": {"entities": records, "paging_info": {"has_next_page": false}}})
        .to_string()
        .into_bytes()
}

/// A typed read (straight from the bytes) equals the untyped read's records decoded one by one.
fn same_records<E: Entity + PartialEq + std::fmt::Debug>(client: &sg_runtime::Client) -> usize {
    let name = <E::Type as EntityType>::NAME;
    let typed: Vec<E> = Find::<E>::new().all(client).unwrap();
    let fields: Vec<&str> = <E::Field as EntityField>::ALL
        .iter()
        .map(|f| f.wire_name())
        .collect();
    let untyped = client
        .find_all(&Query::new(name).fields(fields.iter().copied()))
        .unwrap();
    let parsed: Vec<E> = untyped
        .iter()
        .map(|r| E::from_record(r.as_object().unwrap()).unwrap())
        .collect();
    assert_eq!(typed, parsed, "{name}");
    // And the answer as the site sent it decodes directly (no fallback).
    let bytes = answer(Value::Array(untyped));
    assert_eq!(
        decode_read_direct::<E>(&bytes).expect(name),
        parsed,
        "{name}"
    );
    typed.len()
}

#[test]
fn every_demo_entity_decodes_the_same_from_bytes_and_from_a_map() {
    let server = demo_server();
    let client = server.client().unwrap();
    let mut n = 0;
    n += same_records::<Shot>(&client);
    n += same_records::<Asset>(&client);
    n += same_records::<Sequence>(&client);
    n += same_records::<Task>(&client);
    n += same_records::<Version>(&client);
    n += same_records::<HumanUser>(&client);
    n += same_records::<Project>(&client);
    n += same_records::<Note>(&client);
    n += same_records::<PublishedFile>(&client);
    n += same_records::<EventLogEntry>(&client);
    assert!(n >= 10, "the demo seed has records to compare ({n})");
}

#[test]
fn record_rules_apply_to_top_level_values_only() {
    let bytes = answer(json!([{
        "type": "Shot", "id": 3,
        "description": "a &lt;b&gt;",
        "sg_sequence": {"type": "Sequence", "id": 1, "name": "x &lt; y", "extra": [1, {"a": 2}]},
        "image": "https://sg.example.com/images/status/transient/thumbnail_pending.png",
        "tags": ["&lt;t"],
    }]));
    let shots: Vec<Shot> = decode_read_direct(&bytes).expect("decodes directly");
    let s = &shots[0];
    assert_eq!(s.description.as_deref(), Some("a <b&gt;"));
    assert_eq!(s.sg_sequence.as_ref().unwrap().name(), Some("x &lt; y"));
    assert!(matches!(s.image, Some(sg_runtime::Image::Pending(_))));
    assert_eq!(s.tags.as_deref(), Some(&["&lt;t".to_string()][..]));

    // Local file links: this platform's path becomes `local_path` and a `file://` url, when
    // its key is there (a `null` path gives `file://`, as the official client); decoded the
    // same from the bytes and from a parsed record.
    let field = sg_runtime::records::LOCAL_PATH_FIELD.expect("linux, macOS or windows");
    for (plate, local_path, url) in [
        (
            json!({"link_type": "local", "name": "p", field: "/mnt/p.mov", "url": "x"}),
            Some("/mnt/p.mov"),
            Some("file:///mnt/p.mov"),
        ),
        (
            json!({"link_type": "local", field: null, "url": "x"}),
            None,
            Some("file://"),
        ),
        (json!({"link_type": "local", "url": "x"}), None, Some("x")),
        (
            json!({"link_type": "web", field: "/mnt/p.mov", "url": "x"}),
            None,
            Some("x"),
        ),
    ] {
        let record = json!({"type": "Shot", "id": 4, "sg_plate": plate});
        let bytes = answer(json!([record.clone()]));
        let direct: Vec<Shot> = decode_read_direct(&bytes).expect("decodes directly");
        let mut m = record.as_object().unwrap().clone();
        sg_runtime::records::parse_record(&mut m);
        let parsed = Shot::from_map(m).unwrap();
        for s in [&direct[0], &parsed] {
            let p = s.sg_plate.as_ref().unwrap();
            assert_eq!(
                (p.local_path.as_deref(), p.url.as_deref()),
                (local_path, url),
                "{plate}"
            );
        }
    }
}

#[test]
fn a_wrong_value_names_the_entity_the_id_and_the_field_in_any_key_order() {
    for record in [
        json!({"sg_cut_in": "x", "type": "Shot", "id": 5}),
        json!({"type": "Shot", "id": 5, "sg_cut_in": "x"}),
    ] {
        let bytes = answer(json!([{"type": "Shot", "id": 4}, record]));
        assert!(decode_read_direct::<Shot>(&bytes).is_none());
        match decode_read::<Shot>(&bytes) {
            Err(Error::Decode {
                entity_type,
                id,
                field,
                message,
            }) => {
                assert_eq!(
                    (entity_type.as_str(), id, field.as_str()),
                    ("Shot", 5, "sg_cut_in")
                );
                assert_eq!(message, "expected an integer, found \"x\"");
            }
            other => panic!("{other:?}"),
        }
    }
    // A link of another type, a list where a link goes, a number past i64, no id at all.
    for (record, field, message) in [
        (
            json!({"id": 6, "sg_sequence": {"type": "Asset", "id": 2}}),
            "sg_sequence",
            "expected a link to Sequence, found a link to Asset #2",
        ),
        (
            json!({"id": 6, "sg_sequence": [1]}),
            "sg_sequence",
            "expected an entity {type, id}, found [1]",
        ),
        (
            json!({"id": 6, "sg_cut_in": 18446744073709551615u64}),
            "sg_cut_in",
            "expected an integer, found 18446744073709551615",
        ),
        (
            json!({"id": 6, "sg_plate": "x"}),
            "sg_plate",
            "invalid type: string \"x\", expected a file/link object",
        ),
        (json!({"code": "x"}), "id", "the record has no id"),
    ] {
        let bytes = answer(json!([record]));
        assert!(decode_read_direct::<Shot>(&bytes).is_none(), "{field}");
        let e = decode_read::<Shot>(&bytes).unwrap_err();
        let Error::Decode {
            field: f,
            message: m,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!((f.as_str(), m.as_str()), (field, message));
    }
}

#[test]
fn projections_decode_from_bytes_too() {
    #[derive(sg_derive::Select, Debug, PartialEq)]
    #[sg(entity = Shot)]
    struct Row {
        id: sg_runtime::typed::Id<markers::Shot>,
        code: Option<String>,
        #[sg(path = "sg_sequence.Sequence.code")]
        sequence: Option<String>,
        assets: Vec<sg_runtime::typed::Link<markers::Asset>>,
    }
    let bytes = answer(json!([{
        "assets": [{"type": "Asset", "id": 2, "name": "robot"}], "type": "Shot",
        "sg_sequence.Sequence.code": "SQ1", "code": "sh010", "id": 8, "ignored": {"a": [1]}
    }]));
    let rows: Vec<Row> = decode_read_direct(&bytes).expect("decodes directly");
    assert_eq!(rows[0].id.get(), 8);
    assert_eq!(rows[0].code.as_deref(), Some("sh010"));
    assert_eq!(rows[0].sequence.as_deref(), Some("SQ1"));
    assert_eq!(rows[0].assets[0].name(), Some("robot"));
    // Against the local server: the typed iterator reads the same rows.
    let server = demo_server();
    let client = server.client().unwrap();
    let all: Vec<Row> = Find::<Row>::new().all(&client).unwrap();
    assert!(all.iter().any(|r| r.sequence.is_some()));
}

/// Hostile answers (seeded byte mutations of a real-shaped page): decoding never panics, and
/// whenever the bytes decode directly, the records equal those of the slower path through
/// `serde_json::Value` (the same answer parsed, record rules applied, decoded from maps).
#[test]
fn mutated_answers_never_panic_and_both_paths_agree() {
    let server = demo_server();
    let client = server.client().unwrap();
    let fields: Vec<&str> = ShotField::ALL.iter().map(|f| f.wire_name()).collect();
    let mut records = client
        .find_all(&sg_runtime::Query::new("Shot").fields(fields.iter().copied()))
        .unwrap();
    for r in &mut records {
        // As a site sends a `<` (the record rules turn it back).
        r["description"] = json!("a &lt;b");
    }
    let page = answer(Value::Array(records));
    let slow = |bytes: &[u8]| -> Option<Vec<Shot>> {
        let mut v: Value = serde_json::from_slice(bytes).ok()?;
        let Value::Array(records) = v.pointer_mut("/results/entities")?.take() else {
            return None;
        };
        records
            .into_iter()
            .map(|r| {
                let mut m = r.as_object()?.clone();
                sg_runtime::records::parse_record(&mut m);
                Shot::from_map(m).ok()
            })
            .collect()
    };
    assert_eq!(decode_read_direct::<Shot>(&page), slow(&page));
    let mut seed = 2026u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let replacements: [&[u8]; 8] = [
        b"null",
        b"1",
        b"-1.5e3",
        b"\"x\"",
        b"[]",
        b"{}",
        b"\"\\u00e9&lt;\"",
        b"true",
    ];
    let (mut direct, mut agreed) = (0, 0);
    for round in 0..600 {
        let mut bytes = page.clone();
        for _ in 0..1 + next(3) {
            let at = next(bytes.len());
            match next(4) {
                0 => bytes[at] = b" {}[]:,\"0a\\"[next(11)],
                1 => {
                    let end = (at + next(40)).min(bytes.len());
                    bytes.drain(at..end);
                }
                2 => {
                    let r = replacements[next(replacements.len())];
                    bytes.splice(at..at, r.iter().copied());
                }
                _ => {
                    // A value replaced: after a `":` find the value's first byte.
                    if let Some(p) = bytes[at..].windows(2).position(|w| w == b"\":") {
                        let start = at + p + 2;
                        let r = replacements[next(replacements.len())];
                        let end = (start + 1).min(bytes.len());
                        bytes.splice(start..end, r.iter().copied());
                    }
                }
            }
        }
        let fast = decode_read_direct::<Shot>(&bytes);
        let fallback = decode_read::<Shot>(&bytes);
        if let Some(records) = fast {
            direct += 1;
            assert_eq!(Some(records.clone()), slow(&bytes), "round {round}");
            assert_eq!(fallback.ok(), Some(records), "round {round}");
            agreed += 1;
        }
    }
    eprintln!(
        "{direct} of 600 mutated answers decoded directly, {agreed} equal to the slower path"
    );
    assert!(direct > 20, "some mutations still decode ({direct})");
    assert_eq!(direct, agreed);
}
