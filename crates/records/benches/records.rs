//! `cargo bench -p backorder-records`: reading and writing a stored reservation record, the
//! work a busy SKU's cold load repeats for every held reservation. serde_json reading the same
//! text into its untyped `Value` runs in the same process as the baseline.

use std::hint::black_box;
use std::time::Instant;

use backorder_records::{decode, encode, HoldRecord};

const RECORD: &str = r#"{"id":"h1a2b3c4d5e6f7a8b9c0d1e2","seq":3,"quote":{"qty":3,"now":0,"backorder":3,"ship_date":null,"backorder_ship_date":"2026-12-09"},"ship":"complete","state":"held","created_at":1795687200000,"expires_at":1795688100000,"resolved_at":null,"waiting":{"outstanding":3,"projected":"2026-12-09","since":"2026-11-26"}}"#;

/// Median ns per call of `run` over 31 samples of 20,000 calls.
fn measure(mut run: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..31)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..20_000 {
                run();
            }
            start.elapsed().as_nanos() as f64 / 20_000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    println!("backorder-records benchmarks (median of samples; bench profile)");
    let record: HoldRecord = decode(RECORD).expect("a valid record");
    let read = measure(|| {
        black_box(decode::<HoldRecord>(black_box(RECORD)).expect("valid"));
    });
    let write = measure(|| {
        black_box(encode(black_box(&record)));
    });
    let baseline = measure(|| {
        black_box(serde_json::from_str::<serde_json::Value>(black_box(RECORD)).expect("valid"));
    });
    println!("read a stored reservation record                      {read:>10.0} ns");
    println!("write it                                              {write:>10.0} ns");
    println!("  baseline: serde_json reading it into a Value        {baseline:>10.0} ns");
}
