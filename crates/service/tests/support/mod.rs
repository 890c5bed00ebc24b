//! One SKU's Durable Object as a test drives it: the ledger service on a map-backed store,
//! `handle` and `save` in one transaction per call (rolled back on a fault), and after every
//! call the product loaded again from what was stored, which must answer as memory does.
#![allow(dead_code)]

use backorder_api::input::{parse, OrderLineRequest, ReceiptRequest, ShipDoc};
use backorder_api::policy::ProductInput;
use backorder_core::Millis;
use backorder_service::ledger::{self, Context, KeptReply, Product, Records, Row, StoredProduct};
use backorder_service::memory::MemoryRecords;
use backorder_service::protocol::{Fault, LedgerCall, LedgerOp, Reply};
use serde_json::Value;

pub const T0: Millis = 1_795_687_200_000; // Thu 2026-11-26 10:00 UTC
pub const MINUTE: Millis = 60_000;

/// One SKU's object: its memory and its storage.
pub struct Object {
    pub slot: Option<Product>,
    pub loaded: bool,
    pub records: MemoryRecords,
    /// Fail every write after this many (to test rollback); `None` never.
    pub fail_after: Option<usize>,
    pub writes: usize,
    pub now: Millis,
    calls: u8,
    pub sku: String,
}

/// The store as the object sees it during a call, counting writes to fail on demand.
struct Store<'a> {
    records: &'a mut MemoryRecords,
    fail_after: Option<usize>,
    writes: &'a mut usize,
}

impl Records for Store<'_> {
    fn load(&self) -> Result<Option<StoredProduct>, Fault> {
        self.records.load()
    }
    fn hold(&self, id: &str) -> Result<Option<String>, Fault> {
        self.records.hold(id)
    }
    fn line(&self, order_id: &str) -> Result<Option<String>, Fault> {
        self.records.line(order_id)
    }
    fn reply(&self, key: &str) -> Result<Option<KeptReply>, Fault> {
        self.records.reply(key)
    }
    fn write(&mut self, row: Row<'_>) -> Result<(), Fault> {
        *self.writes += 1;
        if self.fail_after.is_some_and(|n| *self.writes > n) {
            return Err(Fault("the disk is full".into()));
        }
        self.records.write(row)
    }
}

pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub text: String,
}

impl Object {
    pub fn new() -> Object {
        Object::named("PHONE-1")
    }

    pub fn named(sku: &str) -> Object {
        Object {
            slot: None,
            loaded: false,
            records: MemoryRecords::default(),
            fail_after: None,
            writes: 0,
            now: T0,
            calls: 0,
            sku: sku.into(),
        }
    }

    pub fn call(&mut self, op: LedgerOp, key: Option<&str>, client: Option<&str>) -> Answer {
        let call = LedgerCall {
            sku: self.sku.clone(),
            now: None,
            key: key.map(Into::into),
            client: client.map(Into::into),
            op,
        };
        let reply = self.send(call);
        Answer { status: reply.status, json: serde_json::from_str(&reply.body).unwrap(), text: reply.body }
    }

    /// One call as its object runs it.
    pub fn send(&mut self, call: LedgerCall) -> Reply {
        self.calls = self.calls.wrapping_add(1);
        let cx = Context { now: self.now, token: [self.calls; 12] };
        if !self.loaded {
            self.slot = ledger::load(&self.records).expect("loads");
            self.loaded = true;
        }
        let before = self.records.clone();
        let mut store =
            Store { records: &mut self.records, fail_after: self.fail_after, writes: &mut self.writes };
        let outcome =
            ledger::handle(&mut self.slot, &mut store, call, cx).and_then(|reply| match self.slot.as_mut() {
                Some(product) => ledger::save(product, &mut store).map(|_| reply),
                None => Ok(reply),
            });
        let reply = match outcome {
            Ok(reply) => reply,
            Err(fault) => {
                // As the object does: roll back, and reload what is durable on the next call.
                self.records = before;
                self.loaded = false;
                Reply::from(fault)
            }
        };
        self.check_durable();
        reply
    }

    /// What storage holds answers exactly like memory.
    pub fn check_durable(&self) {
        let (Some(product), true) = (&self.slot, self.loaded) else { return };
        let stored =
            ledger::load(&self.records).expect("what was stored loads").expect("the product was stored");
        let today = product.ledger.today(self.now);
        assert_eq!(stored.ledger.availability(today), product.ledger.availability(today), "availability");
        assert_eq!(stored.ledger.queue().collect::<Vec<_>>(), product.ledger.queue().collect::<Vec<_>>());
        assert_eq!(stored.ledger.on_hand(), product.ledger.on_hand());
        assert_eq!(
            (stored.name.as_str(), stored.ledger.policy()),
            (product.name.as_str(), product.ledger.policy())
        );
    }

    pub fn put(&mut self, body: Value) -> Answer {
        let input: ProductInput = parse(body.to_string().as_bytes()).unwrap();
        self.call(LedgerOp::PutProduct { input }, None, None)
    }

    pub fn reserve(&mut self, qty: u32, key: &str) -> Answer {
        self.call(LedgerOp::Reserve { qty, ship: ShipDoc::Partial }, Some(key), None)
    }

    pub fn order(&mut self, order_id: &str, qty: u32, reservation_id: Option<&str>) -> Answer {
        let line = OrderLineRequest {
            sku: "PHONE-1".into(),
            qty,
            reservation_id: reservation_id.map(Into::into),
            ship: None,
        };
        self.call(LedgerOp::Confirm { order_id: order_id.into(), line }, None, None)
    }

    pub fn receive(&mut self, qty: u32, key: Option<&str>) -> Answer {
        self.call(LedgerOp::Receive { receipt: ReceiptRequest { qty, po_id: None } }, key, None)
    }
}
