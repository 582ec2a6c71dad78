//! A webhook receiver for the two jobs a site's guide leads with: a folder on disk for each new
//! Shot, and a Version's files moved to the approved area when its status turns approved. Each
//! event is handled once; what the webhook missed while the receiver was down is read back from
//! the event log.

use sg_examples::sg::{Sequence, Shot, Version, VersionSgStatusList};
use sg_examples::{fail, Args, Site};
use sg_runtime::events::Event;
use sg_runtime::typed::prelude::*;
use sg_runtime::Client;
use sg_webhook::{Receiver, Subscription};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const HELP: &str = "\
webhook_receiver: a folder for each new Shot, a Version's files moved when it is approved

Usage: webhook_receiver [--root DIR] [--listen ADDR] [--checkpoint FILE]

Options:
  --root DIR         Where shot folders and approved files go [default: a temporary folder]
  --listen ADDR      The address the site posts to [default: 127.0.0.1:0]
  --checkpoint FILE  Which events were handled, kept across restarts [default: none]
  -h, --help         Print this help

The webhook's secret comes from SG_WEBHOOK_SECRET. Against the local api3 server (no SG_SITE),
it registers a webhook there, makes a Shot and approves a Version, and exits once both are
handled; against SG_SITE it runs until stopped (register its URL on the site).
";

/// Handles one event: a new Shot gets its folder; a Version turned approved has its files moved.
fn handle(client: &Client, root: &Path, event: &Event) -> Result<Option<String>, String> {
    let err = |e: sg_runtime::Error| e.to_string();
    if let Some(id) = event.created::<Shot>() {
        let shot = Shot::find()
            .filter(Shot::F.id.is(id))
            .fields((Shot::F.code, Shot::F.sg_sequence.via(Sequence::F.code)))
            .first(client)
            .map_err(err)?
            .ok_or(format!("Shot #{id} is gone"))?;
        let sequence = shot.get(&Shot::F.sg_sequence.via(Sequence::F.code));
        let sequence = sequence
            .map_err(err)?
            .unwrap_or_else(|| "no_sequence".into());
        let dir = root
            .join("shots")
            .join(sequence)
            .join(shot.require(&Shot::F.code).map_err(err)?);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        return Ok(Some(format!("made {}", dir.display())));
    }
    let Some(change) = event.change_of::<Version>() else {
        return Ok(None);
    };
    let Some(status) = change.values(&Version::F.sg_status_list) else {
        return Ok(None);
    };
    if status.map_err(err)?.1 != Some(VersionSgStatusList::Apr) {
        return Ok(None);
    }
    let version = Version::find()
        .filter(Version::F.id.is(change.id))
        .fields((Version::F.code, Version::F.sg_path_to_frames))
        .first(client)
        .map_err(err)?
        .ok_or(format!("Version #{} is gone", change.id))?;
    let from = PathBuf::from(
        version
            .require(&Version::F.sg_path_to_frames)
            .map_err(err)?,
    );
    let to = root
        .join("approved")
        .join(version.require(&Version::F.code).map_err(err)?);
    std::fs::create_dir_all(root.join("approved")).map_err(|e| e.to_string())?;
    std::fs::rename(&from, &to)
        .map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))?;
    Ok(Some(format!(
        "moved {} to {}",
        from.display(),
        to.display()
    )))
}

fn main() {
    let args = Args::parse(HELP, &["root", "listen", "checkpoint"]);
    let site = Site::connect().unwrap_or_else(|e| fail(&e));
    let scratch = tempfile_root();
    let root = match args.get("root", "") {
        r if r.is_empty() => scratch.clone(),
        r => PathBuf::from(r),
    };
    let secret = std::env::var("SG_WEBHOOK_SECRET").unwrap_or_else(|_| match &site.local {
        Some(_) => "local-demo-secret".into(),
        None => fail("SG_WEBHOOK_SECRET is not set: the webhook's secret token"),
    });
    let (done_tx, done_rx) = mpsc::channel::<String>();
    let (client, handler_root) = (site.client.clone(), root.clone());
    let mut builder = Receiver::builder(args.get("listen", "127.0.0.1:0"))
        .secret(secret.clone())
        .acknowledge(&site.client)
        .backfill(
            &site.client,
            Subscription::new(["Shot", "Version"], ["create", "update"]),
        );
    let checkpoint = args.get("checkpoint", "");
    if !checkpoint.is_empty() {
        builder = builder.checkpoint(checkpoint);
    }
    let receiver = builder
        .start(move |event| {
            if let Some(did) = handle(&client, &handler_root, event)? {
                println!("event #{}: {did}", event.id);
                let _ = done_tx.send(did);
            }
            Ok(())
        })
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!("listening on {} for {}", receiver.url(), site.describe());
    let Some(local) = &site.local else {
        receiver.wait();
        return;
    };
    local.add_webhook(sg_localsite::webhooks::Webhook {
        url: receiver.url(),
        entity_types: vec!["Shot".into(), "Version".into()],
        operations: vec!["create".into(), "update".into()],
        secret: Some(secret),
        ..Default::default()
    });
    demo(&site.client, &root);
    for _ in 0..2 {
        done_rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| fail("the webhook did not deliver within 30 s"));
    }
    // Each delivery's acknowledgement follows its handler.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while receiver.stats().acknowledged < receiver.stats().handled_from_webhook
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let stats = receiver.stats();
    receiver.stop();
    println!(
        "handled {} from the webhook, {} from the event log; {} repeats dropped; {} acknowledged",
        stats.handled_from_webhook,
        stats.handled_from_log,
        stats.repeats_dropped,
        stats.acknowledged
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

/// On the local server: a new Shot, and a Version with frames on disk that gets approved.
fn demo(client: &Client, root: &Path) {
    let or_fail = |e: sg_runtime::Error| -> ! { fail(&e.to_string()) };
    let sequence = Sequence::find()
        .filter(Sequence::F.code.is("SQ010"))
        .first(client)
        .unwrap_or_else(|e| or_fail(e))
        .unwrap_or_else(|| fail("no sequence SQ010"));
    Shot::create()
        .set(Shot::F.code, "sq10_sh050")
        .set(Shot::F.sg_sequence, sequence.link())
        .send(client)
        .unwrap_or_else(|e| or_fail(e));
    let frames = root.join("work").join("sq10_sh050_comp_v001");
    std::fs::create_dir_all(&frames).unwrap_or_else(|e| fail(&e.to_string()));
    std::fs::write(frames.join("frame.1001.exr"), b"exr").unwrap_or_else(|e| fail(&e.to_string()));
    let version = Version::create()
        .set(Version::F.code, "sq10_sh050_comp_v001")
        .set(Version::F.sg_path_to_frames, frames.display().to_string())
        .set(Version::F.sg_status_list, VersionSgStatusList::Rev)
        .send(client)
        .unwrap_or_else(|e| or_fail(e));
    Version::update(version.id)
        .set(Version::F.sg_status_list, VersionSgStatusList::Apr)
        .send(client)
        .unwrap_or_else(|e| or_fail(e));
}

/// A fresh folder in the temporary folder, removed at the end (and on failure).
fn tempfile_root() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("webhook_receiver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&e.to_string()));
    sg_examples::remove_on_failure(dir.clone());
    dir
}
