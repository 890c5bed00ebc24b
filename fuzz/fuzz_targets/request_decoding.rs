//! AFL++ entry point; the target itself is `backorder_fuzz::request_decoding::run`.
fn main() {
    afl::fuzz!(|data: &[u8]| {
        backorder_fuzz::request_decoding::run(data);
    });
}
