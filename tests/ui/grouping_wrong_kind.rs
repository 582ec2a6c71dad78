// Number buckets apply to numeric fields, first letters to text: a date is neither.
use sg_runtime::typed::prelude::*;
use sg_runtime::typed::NumberGrouping;
use sg_runtime::Direction;
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::summarize().group_by_number(
        &Shot::F.sg_first_delivery,
        NumberGrouping::Tens,
        Direction::Asc,
    );
    let _ = Shot::summarize().group_by_first_letter(&Shot::F.sg_first_delivery, Direction::Asc);
}
