//! Stored rows, from arbitrary bytes: every record type `backorder_records` decodes, and the
//! ledger's `load` over a set of rows.
//!
//! The input is lines of text. Each line is decoded as every record type; none may panic, and
//! a record that decodes is written back (`encode`) and decodes to itself — records are
//! written back byte for byte (`crates/records/tests/records.rs`), so what one build read it
//! must be able to write and read again. Records that convert to core values convert back to
//! the same values.
//!
//! Then the lines are a SKU's rows, as `backorder_service::ledger::load` reads them: a line
//! starting `P` is the product row (the rest of the line), `S` the stock row, `H` a held
//! reservation, `L` an open order line, `O` a purchase order. Loading must not panic; a
//! ledger that loads keeps its invariants, answers, lets time pass and takes a receipt and an
//! order without panicking, and is saved and loaded again.
//!
//! Byte mutations rarely keep a long row valid JSON while changing one of its numbers, so an
//! input that starts with a NUL byte is read differently ([`varied_rows`]): the rest of the
//! bytes pick one of the pinned sets of rows and vary its values — numbers to edge values,
//! queue places and answers to `null`, ids to each other's — keeping every row well formed,
//! so that what `load` and `Ledger::restore` check (and compute) gets the odd values.

use backorder_core::{Command, Policy};
use backorder_records::*;
use backorder_service::ledger::{self, Context};
use backorder_service::memory::MemoryRecords;
use backorder_service::protocol::{LedgerCall, LedgerOp};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Thu 2026-11-26 10:00 UTC.
const NOW: i64 = 1_795_687_200_000;

pub fn run(data: &[u8]) {
    // A leading NUL selects the structured mode: the bytes vary the values of pinned rows.
    if let Some((0, rest)) = data.split_first() {
        return run(varied_rows(rest).as_bytes());
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    for line in text.lines() {
        every_record(line);
        if let Some(rest) = line.get(1..) {
            every_record(rest);
        }
    }
    load(text);
}

/// Decodes `text` as `T`; one that decodes is written back and decodes to itself.
fn decoded<T>(text: &str) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let record: T = decode(text).ok()?;
    let written = encode(&record);
    assert!(!written.is_empty(), "{record:?} cannot be written");
    match decode::<T>(&written) {
        Ok(again) => assert_eq!(again, record, "written as {written}"),
        Err(error) => panic!("{record:?}, written as {written}, does not decode: {error}"),
    }
    // What was written is what this build writes: a second write is byte for byte the first.
    assert_eq!(encode(&decode::<T>(&written).unwrap()), written);
    Some(record)
}

fn every_record(text: &str) {
    let policy = Policy::default();
    if let Some(record) = decoded::<PolicyRecord>(text) {
        policy_converts(&record);
    }
    if let Some(record) = decoded::<ProductRecord>(text) {
        policy_converts(&record.policy);
    }
    if let Some(record) = decoded::<StockRecord>(text) {
        let stock = backorder_core::Stock::from(&record);
        assert_eq!(StockRecord::from(&stock), record);
    }
    if let Some(record) = decoded::<HoldRecord>(text) {
        if let Ok((hold, waiting)) = record.to_core(&policy) {
            let again = HoldRecord::new(&hold, waiting);
            assert_eq!(again.to_core(&policy), Ok((hold, waiting)), "{record:?}");
        }
    }
    if let Some(record) = decoded::<LineRecord>(text) {
        let (line, waiting) = record.to_core(&policy);
        assert_eq!(LineRecord::new(&line, waiting).to_core(&policy), (line, waiting), "{record:?}");
    }
    if let Some(record) = decoded::<PurchaseOrderRecord>(text) {
        let po = backorder_core::PurchaseOrder::from(&record);
        assert_eq!(PurchaseOrderRecord::from(&po), record);
    }
    if let Some(record) = decoded::<QuoteRecord>(text) {
        assert_eq!(QuoteRecord::from(backorder_core::Quote::from(record)), record);
    }
    if let Some(record) = decoded::<DelayRecord>(text) {
        assert_eq!(DelayRecord::from(backorder_core::Delay::from(record)), record);
    }
    if let Some(record) = decoded::<CancellationRecord>(text) {
        assert_eq!(CancellationRecord::from(backorder_core::Cancellation::from(record)), record);
    }
    decoded::<WaitingRecord>(text);
    decoded::<OrderRecord>(text);
    decoded::<PlannedLineRecord>(text);
    decoded::<LineStepRecord>(text);
    decoded::<EndpointRecord>(text);
    decoded::<SecretRecord>(text);
    decoded::<DeliveryRecord>(text);
    decoded::<AttemptRecord>(text);
    decoded::<AdapterConfigRecord>(text);
    decoded::<InboxRecord>(text);
    decoded::<InboundRecord>(text);
    decoded::<PlatformOrderRecord>(text);
    decoded::<backorder_api::output::EventDoc>(text);
}

/// A stored policy the core accepts converts back to the same record's policy.
fn policy_converts(record: &PolicyRecord) {
    if let Ok(policy) = record.to_policy() {
        let again = PolicyRecord::from(&policy);
        assert_eq!(again.to_policy(), Ok(policy), "{record:?}");
    }
}

/// The lines as one SKU's rows, loaded as the ledger's object loads them.
fn load(text: &str) {
    let mut records = MemoryRecords::default();
    for (n, line) in text.lines().enumerate() {
        let (Some(tag), Some(row)) = (line.get(..1), line.get(1..)) else { continue };
        // Rows are keyed by their record's id, as the object's tables are (and as `save`
        // writes them); a row without one gets a key of its own.
        let key = |field: &str| {
            let value: Option<serde_json::Value> = serde_json::from_str(row).ok();
            match value.as_ref().and_then(|v| v.get(field)).and_then(|id| id.as_str()) {
                Some(id) => id.to_string(),
                None => format!("row-{n}"),
            }
        };
        match tag {
            "P" => records.product = Some(row.into()),
            "S" => records.stock = Some(row.into()),
            "H" => {
                records.holds.insert(key("id"), (row.into(), None));
            }
            "L" => {
                records.lines.insert(key("order_id"), (row.into(), false));
            }
            "O" => {
                records.purchase_orders.insert(key("po_id"), row.into());
            }
            _ => {}
        }
    }
    let Ok(Some(product)) = ledger::load(&records) else { return };
    product.ledger.check_invariants().expect("a loaded ledger keeps its invariants");
    // The loaded ledger works: every read, time passing, a receipt, an order.
    let cx = Context { now: NOW, token: [3; backorder_api::ids::TOKEN_BYTES] };
    let mut slot = Some(product);
    let sku = slot.as_ref().map(|p| p.sku.clone()).unwrap_or_default();
    let call = |op| LedgerCall { sku: sku.clone(), now: Some(NOW), key: None, client: None, op };
    let reads = [LedgerOp::GetProduct, LedgerOp::Summary, LedgerOp::Backorders];
    for op in reads {
        let _ = ledger::handle(&mut slot, &mut records, call(op), cx);
    }
    let Some(product) = slot.as_mut() else { return };
    for later in [NOW, NOW + 86_400_000, NOW + 40 * 86_400_000] {
        product.ledger.advance(later);
        product.ledger.check_invariants().expect("invariants hold after time passes");
    }
    let commands = [
        Command::Receive { qty: 3, purchase_order: None },
        Command::Confirm { order_id: "fuzz-1".into(), qty: 2, ship: None, reservation: None },
    ];
    for command in commands {
        let _ = product.ledger.apply(NOW + 40 * 86_400_000, command);
        product.ledger.check_invariants().expect("invariants hold after every command");
    }
    // What it saved loads again: a SKU whose own writes it cannot read would be lost.
    ledger::save(product, &mut records).expect("no storage fault");
    match ledger::load(&records) {
        Ok(Some(_)) => {}
        other => panic!("saved rows do not load: {other:?}\n{records:?}"),
    }
}

/// Sets of a SKU's rows, as this version writes them (the seeds `sku-rows*.jsonl`).
const PINNED_ROWS: [&str; 2] = [
    include_str!("../corpus/record_decoding/sku-rows.jsonl"),
    include_str!("../corpus/record_decoding/sku-rows-settled.jsonl"),
];

/// One of [`PINNED_ROWS`] with its values varied by the bytes, rows dropped or repeated.
pub fn varied_rows(data: &[u8]) -> String {
    use arbitrary::Unstructured;
    let mut u = Unstructured::new(data);
    let pick = u.choose_index(PINNED_ROWS.len()).unwrap_or(0);
    let mut out = String::new();
    for line in PINNED_ROWS[pick].lines() {
        let (tag, row) = line.split_at(1);
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(row) else { continue };
        let copies = match u.int_in_range(0u8..=15).unwrap_or(1) {
            0 => 0,
            1 => 2,
            _ => 1,
        };
        for _ in 0..copies {
            vary(&mut value, &mut u);
            out.push_str(tag);
            out.push_str(&value.to_string());
            out.push('\n');
        }
    }
    out
}

fn vary(value: &mut serde_json::Value, u: &mut arbitrary::Unstructured<'_>) {
    use serde_json::Value;
    // Mostly unchanged: a few odd values among consistent ones.
    if u.int_in_range(0u8..=7).unwrap_or(0) != 0 {
        if let Value::Object(map) = value {
            for (_, field) in map.iter_mut() {
                vary(field, u);
            }
        }
        return;
    }
    *value = match value {
        Value::Number(_) => {
            let n: i64 = match u.int_in_range(0u8..=9).unwrap_or(0) {
                0 => 0,
                1 => 1,
                2 => -1,
                3 => i64::from(u32::MAX),
                4 => i64::MAX,
                5 => i64::MIN,
                6 => NOW + 86_400_000 * i64::from(u.int_in_range(0u16..=400).unwrap_or(0)),
                _ => i64::from(u.int_in_range(0u8..=12).unwrap_or(0)),
            };
            Value::from(n)
        }
        Value::Object(_) | Value::Null => match u.int_in_range(0u8..=1).unwrap_or(0) {
            0 => Value::Null,
            _ => {
                let mut inner = value.clone();
                if let Value::Object(map) = &mut inner {
                    for (_, field) in map.iter_mut() {
                        vary(field, u);
                    }
                }
                inner
            }
        },
        Value::Bool(b) => Value::Bool(!*b),
        Value::String(text) => {
            let ids = ["h1", "h2", "o1", "o2", "o3", "o4", "PO-0", "2026-11-26", "2026-12-31", "9999-12-31"];
            match u.choose(&ids) {
                Ok(id) => Value::from(*id),
                Err(_) => Value::from(text.clone()),
            }
        }
        Value::Array(items) => {
            let mut items = items.clone();
            for item in items.iter_mut() {
                vary(item, u);
            }
            Value::Array(items)
        }
    };
}
