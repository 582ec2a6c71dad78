//! A port of `ports/version_cookbook.py`, the official client's cookbook Version: made for a
//! shot's Animation task, its `entity` passed from the task's.
use sg_examples::sg::{markers, Shot, Task, Version, VersionSgStatusList};
use sg_examples::Site;
use sg_runtime::typed::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Site::connect()?;
    let client = &site.client;
    let shot = Shot::find()
        .filter(Shot::F.code.is("sq10_sh010"))
        .fields(Shot::F.project)
        .first(client)?
        .ok_or("no shot sq10_sh010")?;
    let task = Task::find()
        .filter(Task::F.entity.is(shot.link()))
        .filter(Task::F.content.is("Animation"))
        .fields(Task::F.entity)
        .first(client)?
        .ok_or("sq10_sh010 has no Animation task")?;
    let version = Version::create()
        .set(Version::F.project, shot.get(&Shot::F.project)?)
        .set(Version::F.code, "sq10_sh010_anim_v001")
        .set(Version::F.description, "First pass at the opening chase")
        .set(
            Version::F.sg_path_to_frames,
            "/prod/bigbuck/sq10_sh010/anim/v001/frames.####.exr",
        )
        .set(Version::F.sg_status_list, VersionSgStatusList::Rev)
        .set(
            Version::F.entity,
            Version::F.entity.fit(task.require(&Task::F.entity)?)?,
        )
        .set(Version::F.sg_task, task.link())
        .set(Version::F.user, Id::<markers::HumanUser>::new(1))
        .send(client)?;
    let (code, entity) = (
        version.require(&Version::F.code)?,
        version.require(&Version::F.entity)?,
    );
    let (kind, id) = (entity.entity_type(), entity.raw_id());
    println!("created Version {} {code} on {kind} {id}", version.id);
    Ok(())
}
