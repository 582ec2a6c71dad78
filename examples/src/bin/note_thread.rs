//! A port of `ports/note_thread.py`: a note on a shot, two replies, and the thread read back.
use sg_examples::sg::{Attachment, Note, Reply, Shot};
use sg_examples::Site;
use sg_runtime::typed::{note_thread, ThreadItem};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Site::connect()?;
    let client = &site.client;
    let shot = Shot::find()
        .filter(Shot::F.code.is("sq10_sh010"))
        .fields(Shot::F.project)
        .first(client)?
        .ok_or("no shot sq10_sh010")?;
    let note = Note::create()
        .set(Note::F.project, shot.get(&Shot::F.project)?)
        .set(Note::F.subject, "Timing")
        .set(Note::F.content, "Hold two frames longer")
        .set(Note::F.note_links, [shot.link()])
        .send(client)?;
    for text in ["Done in v002", "Approved"] {
        let reply = Reply::create().set(Reply::F.entity, note.link());
        reply.set(Reply::F.content, text).send(client)?;
    }
    for item in note_thread::<Note, Reply, Attachment>(client, note.id)? {
        match item {
            ThreadItem::Note(n) => println!("Note {} {}", n.id, n.content.unwrap_or_default()),
            ThreadItem::Reply(r) => println!("Reply {} {}", r.id, r.content.unwrap_or_default()),
            ThreadItem::Attachment(a) => println!("Attachment {}", a.id),
        }
    }
    Ok(())
}
