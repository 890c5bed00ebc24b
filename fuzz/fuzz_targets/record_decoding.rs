//! AFL++ entry point; the target itself is `backorder_fuzz::record_decoding::run`.
fn main() {
    afl::fuzz!(|data: &[u8]| {
        backorder_fuzz::record_decoding::run(data);
    });
}
