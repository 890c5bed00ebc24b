//! AFL++ entry point; the target itself is `backorder_fuzz::command_sequences::run`.
fn main() {
    afl::fuzz!(|data: &[u8]| {
        backorder_fuzz::command_sequences::run(data);
    });
}
