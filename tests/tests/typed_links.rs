//! Typed ids and links end to end, and the values and reads of the typed API's second cut: what
//! must compile and work (its compile-fail counterparts are in `tests/ui`).

use serde_json::json;
use sg_runtime::typed::prelude::*;
use sg_runtime::typed::LinkTypeError;
use sg_runtime::{EntityRef, Error};
use sg_tests::demo::{
    markers, HumanUser, Note, Shot, ShotField, ShotSgStatusList, Task, TaskSgStatusList, Version,
};
use sg_tests::SiteClient;
use sg_tests::{demo_server, last_params};

fn shot(client: &sg_runtime::Client, code: &str) -> Shot {
    Shot::find()
        .filter(Shot::F.code.is(code))
        .first(client)
        .unwrap()
        .unwrap()
}

#[test]
fn links_read_from_one_field_set_and_filter_others() {
    let server = demo_server();
    let client = server.client().unwrap();
    let sh010 = shot(&client, "sh010");
    let task = Task::find()
        .filter(Task::F.content.is("Animation"))
        .first(&client)
        .unwrap()
        .unwrap();

    // A single-target link (`Shot.sg_sequence`: Sequence) carries its type and name, and goes
    // into any field whose valid types include Sequence: another Shot's, a Version's entity.
    let seq = sh010.sg_sequence.clone().unwrap();
    assert_eq!(seq.name(), Some("SEQ010"));
    let same_sequence = Shot::find()
        .filter(Shot::F.sg_sequence.is(&seq))
        .all(&client)
        .unwrap();
    assert_eq!(same_sequence.len(), 2);
    let v = Version::create()
        .set(Version::F.code, "seq010_edit_v001")
        .set(Version::F.entity, seq.clone())
        .set(Version::F.project, sh010.project.clone())
        .send(&client)
        .unwrap();
    assert_eq!(
        v.get(&Version::F.entity)
            .unwrap()
            .unwrap()
            .link::<markers::Sequence>(),
        Some(seq.clone())
    );

    // A multi-target link (`Task.entity`: Asset, Sequence, Shot, Project, Playlist) does not fit
    // `Version.entity` (Asset, Sequence, Shot) at compile time; checked at run time, it does.
    let entity = task.entity.clone().unwrap();
    assert_eq!(entity.entity_type(), "Shot");
    // The target field checks it: one call, typed for that field.
    let for_version = Version::F.entity.fit(&entity).unwrap();
    let as_shot: Link<markers::Shot> = entity.clone().try_into().unwrap();
    assert_eq!(as_shot.id(), sh010.id);
    let version = Version::create()
        .set(Version::F.code, "sh010_anim_v001")
        .set(Version::F.entity, for_version)
        .set(Version::F.sg_task, task.link())
        .send(&client)
        .unwrap();
    // The other way needs no check: every type `Version.entity` allows, `Task.entity` allows.
    let version = Version::find()
        .filter(Version::F.id.is(version.id()))
        .first(&client)
        .unwrap()
        .unwrap();
    let review = Task::create()
        .set(Task::F.content, "Review")
        .set(Task::F.entity, version.entity.clone())
        .send(&client)
        .unwrap();
    assert_eq!(
        review
            .get(&Task::F.entity)
            .unwrap()
            .unwrap()
            .link::<markers::Shot>()
            .map(|l| l.id()),
        Some(sh010.id)
    );
    assert_eq!(
        Task::find()
            .filter(Task::F.entity.is(version.entity.clone()))
            .all(&client)
            .unwrap()
            .len(),
        3,
        "Animation, Comp and Review are on sh010"
    );

    // A failed conversion names the type it was and the types allowed.
    let project_link = EntityRef::new("Project", 1);
    let e: LinkTypeError = TargetRef::<markers::VersionEntityTargets>::try_from(project_link)
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "Project #1 is not a link to one of Asset, Sequence, Shot"
    );
    // The field's own check names the link and the field, and converts into `Error` for `?`.
    let e = Version::F
        .entity
        .fit(EntityRef::new("Project", 1))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Project #1 cannot go into Version.entity, which links to one of Asset, Sequence, Shot"
    );
    let publish = || -> sg_runtime::Result<()> {
        Shot::F.sg_sequence.fit(&entity)?;
        Ok(())
    };
    assert_eq!(
        publish().unwrap_err().to_string(),
        "Shot #1 cannot go into Shot.sg_sequence, which links to Sequence"
    );
    let e = Link::<markers::Asset>::try_from(entity).err().unwrap();
    assert_eq!(e.to_string(), "Shot #1 is not a link to Asset");
    // An untyped reference becomes a typed link through `TryFrom`.
    let user: Link<markers::HumanUser> = EntityRef::new("HumanUser", 2).try_into().unwrap();
    assert_eq!(user.id(), Id::new(2));
}

#[test]
fn ids_are_typed_and_raw_ids_enter_through_id_new() {
    let server = demo_server();
    let client = server.client().unwrap();
    let sh010 = shot(&client, "sh010");
    // An id from outside (a command line): explicit about its entity type.
    let from_cli: Id<markers::Shot> = Id::new(1);
    assert_eq!(from_cli, sh010.id);
    assert_eq!(format!("{from_cli:?} / {from_cli}"), "Shot #1 / 1");
    // A link gives its bare id as a target does (issue 30): `raw_id` on both.
    let link: Link<markers::Shot> = Link::new(from_cli);
    assert_eq!(link.raw_id(), 1);
    assert_eq!(link.raw_id(), link.id().get());
    let updated = Shot::update(from_cli)
        .set(Shot::F.description, "hero shot")
        .send(&client)
        .unwrap();
    assert_eq!(updated.id(), sh010.id);
    assert_eq!(
        last_params(&server, "update"),
        json!({"type": "Shot", "id": 1, "fields": [{"field_name": "description", "value": "hero shot"}]})
    );
    // Ids filter `id` fields and link fields alike.
    let tasks = Task::find()
        .filter(Task::F.entity.is(sh010.id))
        .filter(Task::F.id.is_in([Id::new(1), Id::new(2), Id::new(3)]))
        .all(&client)
        .unwrap();
    assert_eq!(tasks.len(), 2);
    assert!(Shot::delete(&client, sh010.id).unwrap());
    assert!(Shot::revive(&client, sh010.id).unwrap());
}

#[test]
fn filters_go_through_multi_entity_links() {
    let server = demo_server();
    let client = server.client().unwrap();
    let tasks = Task::find()
        .filter(Task::F.task_assignees.via(HumanUser::F.login).is("ada"))
        .all(&client)
        .unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].content.as_deref(), Some("Animation"));
    assert_eq!(
        last_params(&server, "read")["filters"]["conditions"][0]["path"],
        "task_assignees.HumanUser.login"
    );
    // Then on through a single-entity link: assets in any shot of SEQ010.
    let assets = sg_tests::demo::Asset::find()
        .filter(
            sg_tests::demo::Asset::F
                .shots
                .via(Shot::F.sg_sequence)
                .is(Id::<markers::Sequence>::new(1)),
        )
        .all(&client)
        .unwrap();
    let codes: Vec<_> = assets.iter().filter_map(|a| a.code.clone()).collect();
    assert_eq!(codes, ["hero_robot"]);
}

#[test]
fn option_values_clear_and_match_empty_fields() {
    let server = demo_server();
    let client = server.client().unwrap();
    let sh010 = shot(&client, "sh010");
    let no_description: Option<&str> = None;
    let cut_in: Option<u32> = Some(1009);
    Shot::update(sh010.id)
        .set(Shot::F.description, no_description)
        .set(Shot::F.sg_cut_in, cut_in)
        .set(Shot::F.sg_status_list, None::<ShotSgStatusList>)
        .set(Shot::F.sg_sequence, None::<Link<markers::Sequence>>)
        .send(&client)
        .unwrap();
    let fields = &last_params(&server, "update")["fields"];
    assert_eq!(
        fields,
        &json!([
            {"field_name": "description", "value": null},
            {"field_name": "sg_cut_in", "value": 1009},
            {"field_name": "sg_status_list", "value": null},
            {"field_name": "sg_sequence", "value": null}
        ])
    );
    let again = shot(&client, "sh010");
    assert_eq!(
        (again.sg_cut_in, again.sg_status_list, again.sg_sequence),
        (Some(1009), None, None)
    );
    let empty = Shot::find()
        .filter(Shot::F.sg_sequence.is(None::<Id<markers::Sequence>>))
        .all(&client)
        .unwrap();
    let mut codes: Vec<_> = empty.iter().filter_map(|s| s.code.clone()).collect();
    codes.sort();
    assert_eq!(codes, ["old010", "sh010"]);
}

#[test]
fn dates_and_statuses_take_in_and_not_in() {
    let server = demo_server();
    let client = server.client().unwrap();
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    let on_days = Shot::find()
        .filter(Shot::F.sg_first_delivery.is_in([day(1), day(2)]))
        .all(&client)
        .unwrap();
    assert_eq!(on_days.len(), 1);
    assert_eq!(on_days[0].code.as_deref(), Some("sh010"));
    let statuses = [TaskSgStatusList::Ip, TaskSgStatusList::Wtg];
    let open = Task::find()
        .filter(Task::F.sg_status_list.is_in(statuses.clone()))
        .all(&client)
        .unwrap();
    assert_eq!(open.len(), 2);
    let closed = Task::find()
        .filter(Task::F.sg_status_list.not_in(statuses))
        .all(&client)
        .unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(
        last_params(&server, "read")["filters"]["conditions"][0],
        json!({"path": "sg_status_list", "relation": "not_in", "values": ["ip", "wtg"]})
    );
}

#[test]
fn fields_take_handles_and_partial_records_refuse_what_was_not_read() {
    let server = demo_server();
    let client = server.client().unwrap();
    let rows = Shot::find()
        .filter(Shot::F.code.is("sh010"))
        .fields((
            Shot::F.code,
            Shot::F.sg_status_list,
            Shot::F.sg_sequence.via(sg_tests::demo::Sequence::F.code),
        ))
        .fields([ShotField::SgCutIn])
        .all(&client)
        .unwrap();
    assert_eq!(
        last_params(&server, "read")["return_fields"],
        json!([
            "code",
            "sg_status_list",
            "sg_sequence.Sequence.code",
            "sg_cut_in"
        ])
    );
    let row = &rows[0];
    assert_eq!(row.get(&Shot::F.code).unwrap().as_deref(), Some("sh010"));
    assert_eq!(
        row.get(&Shot::F.sg_status_list).unwrap(),
        Some(ShotSgStatusList::Ip)
    );
    assert_eq!(
        row.get(&Shot::F.sg_sequence.via(sg_tests::demo::Sequence::F.code))
            .unwrap()
            .as_deref(),
        Some("SEQ010")
    );
    assert_eq!(row.get(&Shot::F.sg_cut_in).unwrap(), Some(1001));
    assert!(row.has(&Shot::F.code) && !row.has(&Shot::F.description));
    let e = row.get(&Shot::F.description).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Shot #1: field `description` was not read (ask for it in `fields(...)` or `returning(...)`)"
    );
    let e = row.clone().into_whole().err().unwrap();
    assert!(matches!(e, Error::NotRead { .. }), "{e}");
    // `require`: the value without the `Option`, an empty field an error naming it.
    assert_eq!(row.require(&Shot::F.sg_cut_in).unwrap(), 1001);
    let bare = Shot::find()
        .filter(Shot::F.code.is("sh030"))
        .fields(Shot::F.description)
        .first(&client)
        .unwrap()
        .unwrap();
    assert_eq!(
        bare.require(&Shot::F.description).unwrap_err().to_string(),
        format!("Shot #{}: field `description` is empty", bare.id)
    );
    // The id is `.id`, as on a generated struct; Debug shows the fields read, as JSON.
    assert_eq!(row.id, row.id());
    assert_eq!(
        format!("{row:?}"),
        r#"Shot #1 { code: "sh010", sg_cut_in: 1001, sg_sequence.Sequence.code: "SEQ010", sg_status_list: "ip" }"#
    );

    // A whole-entity read asks for every field: `None` there means empty on the site.
    let whole = shot(&client, "sh030");
    assert_eq!(whole.description, None);
    let asked = last_params(&server, "read")["return_fields"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(asked, ShotField::ALL.len());
}

#[test]
fn limit_zero_is_refused_before_anything_is_sent() {
    let server = demo_server();
    let client = server.client().unwrap();
    let before = server.requests().len();
    let e = Shot::find().limit(0).all(&client).unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e}");
    assert_eq!(server.requests().len(), before, "nothing sent");
    // `first()` sets its own limit.
    assert!(Shot::find().limit(0).first(&client).unwrap().is_some());
    assert_eq!(Shot::find().limit(2).all(&client).unwrap().len(), 2);
}

#[test]
fn multi_entity_fields_are_lists_empty_when_the_site_has_none() {
    let server = demo_server();
    let client = server.client().unwrap();
    let sh030 = shot(&client, "sh030");
    assert!(sh030.assets.is_empty());
    let hero = sg_tests::demo::Asset::find()
        .filter(sg_tests::demo::Asset::F.code.is("hero_robot"))
        .first(&client)
        .unwrap()
        .unwrap();
    let shots: Vec<Id<markers::Shot>> = hero.shots.iter().map(Link::id).collect();
    assert_eq!(shots, [Id::new(1), Id::new(2)]);
}

#[test]
fn a_helper_generic_over_entity_types() {
    let server = demo_server();
    let client = server.client().unwrap();
    let last_task: Option<Task> =
        generic::latest(&client, Task::F.content.is_not("nothing"), &Task::F.id).unwrap();
    assert_eq!(last_task.map(|t| t.id), Some(Id::new(3)));
    let last_shot: Option<Shot> =
        generic::latest(&client, Shot::F.code.starts_with("sh"), &Shot::F.id).unwrap();
    assert_eq!(last_shot.and_then(|s| s.code), Some("sh030".into()));
}

/// A helper written once for every entity type, as a studio's own library would (the examples'
/// `latest` is the same).
mod generic {
    use sg_runtime::typed::{kind, Condition, Entity, FieldRef, Record, Returnable};

    /// The record of `E` matching `condition` that is last by `order`.
    pub fn latest<E: Entity, K: kind::Kind, A: Returnable>(
        client: &sg_runtime::Client,
        condition: Condition<E::Type>,
        order: &FieldRef<E::Type, K, A>,
    ) -> sg_runtime::Result<Option<E>> {
        E::find().filter(condition).sort(order.desc()).first(client)
    }
}

#[test]
fn the_latest_preset_keeps_the_last_version_of_each_entity() {
    use sg_runtime::typed::Preset;
    let server = demo_server();
    let client = server.client().unwrap();
    let sh010 = shot(&client, "sh010");
    let sh020 = shot(&client, "sh020");
    for (code, s) in [
        ("sh010_v001", &sh010),
        ("sh010_v002", &sh010),
        ("sh020_v001", &sh020),
    ] {
        Version::create()
            .set(Version::F.code, code)
            .set(Version::F.entity, s.id)
            .send(&client)
            .unwrap();
    }
    // Created within the same second: the later id is the later record.
    let latest = Version::find()
        .preset(Preset::LatestByEntity)
        .sort(Version::F.code.asc())
        .all(&client)
        .unwrap();
    let codes: Vec<_> = latest.iter().filter_map(|v| v.code.clone()).collect();
    assert_eq!(codes, ["sh010_v002", "sh020_v001"]);
    assert_eq!(
        last_params(&server, "read")["additional_filter_presets"],
        json!([{"preset_name": "LATEST", "latest_by": "ENTITIES_CREATED_AT"}])
    );
    // ANDed with the filters.
    let only_020 = Version::find()
        .filter(Version::F.entity.is(sh020.id))
        .preset(Preset::LatestByEntity)
        .all(&client)
        .unwrap();
    assert_eq!(only_020.len(), 1);
    // A preset the site does not know is its error, named.
    let e = Version::find()
        .preset(Preset::Named {
            preset_name: "NOPE".into(),
            params: Default::default(),
        })
        .all(&client)
        .unwrap_err();
    assert!(e.to_string().contains("unknown filter preset"), "{e}");
}

#[test]
fn event_log_meta_decodes_typed_in_the_generated_struct() {
    use sg_runtime::typed::EventMeta;
    use sg_tests::demo::EventLogEntry;
    let server = sg_localsite::LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(json!({"EventLogEntry": [
            {"id": 1, "event_type": "Shotgun_Shot_Change", "attribute_name": "sg_status_list",
             "meta": {"type": "attribute_change", "entity_type": "Shot", "entity_id": 4,
                      "attribute_name": "sg_status_list", "field_data_type": "status_list",
                      "old_value": "ip", "new_value": "fin", "in_create": false}},
            {"id": 2, "event_type": "Shotgun_Shot_New",
             "meta": {"type": "new_entity", "entity_type": "Shot", "entity_id": 5}},
            {"id": 3, "event_type": "Studio_Render_Done", "meta": {"frames": 240}}
        ]}))
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let events = EventLogEntry::find()
        .sort(EventLogEntry::F.id.asc())
        .all(&client)
        .unwrap();
    let Some(EventMeta::AttributeChange {
        attribute_name,
        old_value,
        new_value,
        entity_id,
        ..
    }) = &events[0].meta
    else {
        panic!("{:?}", events[0].meta)
    };
    assert_eq!(
        (attribute_name.as_str(), old_value, new_value, *entity_id),
        ("sg_status_list", &json!("ip"), &json!("fin"), 4)
    );
    assert_eq!(
        events[1].meta,
        Some(EventMeta::NewEntity {
            entity_type: "Shot".into(),
            entity_id: 5
        })
    );
    assert_eq!(
        events[2].meta,
        Some(EventMeta::Other(json!({"frames": 240}))),
        "a studio's own event keeps its meta whole"
    );
}

#[test]
fn list_enums_parse_wire_values_and_display_names() {
    use std::str::FromStr;
    assert_eq!("ip".parse::<ShotSgStatusList>(), Ok(ShotSgStatusList::Ip));
    assert_eq!(
        ShotSgStatusList::from_str("In Progress"),
        Ok(ShotSgStatusList::Ip)
    );
    assert_eq!(ShotSgStatusList::Ip.display_name(), Some("In Progress"));
    assert_eq!(ShotSgStatusList::Other("x".into()).display_name(), None);
    let e = "fni".parse::<ShotSgStatusList>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "`fni` is not a value of Shot.sg_status_list: expected one of wtg, rdy, ip, rev, fin, hld, omt"
    );
    assert_eq!(
        TaskSgStatusList::VALUES.len(),
        TaskSgStatusList::VALUES
            .iter()
            .filter(|v| v.parse::<TaskSgStatusList>().is_ok())
            .count()
    );
}

#[test]
fn a_shot_and_a_version_go_into_note_links_together() {
    let server = demo_server();
    let client = server.client().unwrap();
    let sh010 = shot(&client, "sh010");
    let version = Version::create()
        .set(Version::F.code, "sh010_v001")
        .send(&client)
        .unwrap();
    // One spelling for links of several types (issue 30), each checked at compile time.
    let note = Note::create()
        .set(Note::F.subject, "Notes from dailies")
        .set(
            Note::F.note_links,
            Links::of(sh010.link()).and(version.id()),
        )
        .send(&client)
        .unwrap();
    let links = note.get(&Note::F.note_links).unwrap().unwrap();
    let got: Vec<(&str, i64)> = links
        .iter()
        .map(|l| (l.entity_type(), l.raw_id()))
        .collect();
    assert_eq!(
        got,
        [("Shot", sh010.id.get()), ("Version", version.id().get())]
    );
}
