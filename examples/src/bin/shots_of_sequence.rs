//! A port of `ports/shots_of_sequence.py`: the shots of a sequence, their status and cut.
use sg_examples::sg::{Sequence, Shot};
use sg_examples::{py, Site};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (site, f) = (Site::connect()?, Shot::F);
    let shots = Shot::find()
        .filter(f.sg_sequence.via(Sequence::F.code).is("SQ010"))
        .fields((&f.code, &f.sg_status_list, &f.sg_cut_in, &f.sg_cut_out))
        .sort(f.code.asc())
        .all(&site.client)?;
    for s in shots {
        let (code, status) = (s.get(&f.code)?, s.get(&f.sg_status_list)?);
        let (cut_in, cut_out) = (s.get(&f.sg_cut_in)?, s.get(&f.sg_cut_out)?);
        println!("{} {} {} {}", py(code), py(status), py(cut_in), py(cut_out));
    }
    Ok(())
}
