//! The storage traits over maps, for native tests: the same rows the Durable Objects keep in
//! SQLite, as text, so that tests exercise the records' encoding too.

use std::collections::BTreeMap;

use backorder_core::{Date, Millis};

use crate::adapters::AdapterStore;
use crate::analytics::{AnalyticsStore, LineFacts};
use crate::ledger::{KeptReply, Records, Row, StoredProduct};
use crate::protocol::{Claim, Fault, SkuEntry};
use crate::registry::{RegistryStore, StoredClaim};
use crate::webhooks::{Counter, WebhookStore, LOG_LENGTH};
use backorder_records::{
    decode, encode, AdapterConfigRecord, AttemptRecord, DeliveryRecord, DeliveryStateRecord, EndpointRecord,
    InboxRecord, PlatformOrderRecord,
};

/// A SKU's rows in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryRecords {
    pub product: Option<String>,
    pub stock: Option<String>,
    /// Record and `resolved_at`.
    pub holds: BTreeMap<String, (String, Option<Millis>)>,
    /// Record and `settled`.
    pub lines: BTreeMap<String, (String, bool)>,
    pub purchase_orders: BTreeMap<String, String>,
    pub outbox: BTreeMap<u64, String>,
    /// Fingerprint, reply and when it was kept.
    pub replies: BTreeMap<String, (String, crate::protocol::Reply, Millis)>,
}

impl Records for MemoryRecords {
    fn load(&self) -> Result<Option<StoredProduct>, Fault> {
        let Some(product) = self.product.clone() else { return Ok(None) };
        Ok(Some(StoredProduct {
            product,
            stock: self.stock.clone(),
            holds: self
                .holds
                .values()
                .filter(|(_, resolved)| resolved.is_none())
                .map(|(r, _)| r.clone())
                .collect(),
            lines: self.lines.values().filter(|(_, settled)| !settled).map(|(r, _)| r.clone()).collect(),
            purchase_orders: self.purchase_orders.values().cloned().collect(),
        }))
    }

    fn hold(&self, id: &str) -> Result<Option<String>, Fault> {
        Ok(self.holds.get(id).map(|(record, _)| record.clone()))
    }

    fn line(&self, order_id: &str) -> Result<Option<String>, Fault> {
        Ok(self.lines.get(order_id).map(|(record, _)| record.clone()))
    }

    fn reply(&self, key: &str) -> Result<Option<KeptReply>, Fault> {
        Ok(self.replies.get(key).map(|(fingerprint, reply, _)| (fingerprint.clone(), reply.clone())))
    }

    fn write(&mut self, row: Row<'_>) -> Result<(), Fault> {
        match row {
            Row::Product(record) => self.product = Some(record.into()),
            Row::Stock(record) => self.stock = Some(record.into()),
            Row::Hold { id, record, resolved_at } => {
                self.holds.insert(id.into(), (record.into(), resolved_at));
            }
            Row::Line { order_id, record, settled } => {
                self.lines.insert(order_id.into(), (record.into(), settled));
            }
            Row::PurchaseOrder { id, record: Some(record) } => {
                self.purchase_orders.insert(id.into(), record.into());
            }
            Row::PurchaseOrder { id, record: None } => {
                self.purchase_orders.remove(id);
            }
            Row::Event { seq, event } => {
                self.outbox.insert(seq, event.into());
            }
            Row::Reply { key, fingerprint, reply, at } => {
                self.replies.insert(key.into(), (fingerprint.into(), reply.clone(), at));
            }
        }
        Ok(())
    }
}

/// A registry object's rows in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryRegistry {
    pub products: BTreeMap<String, String>,
    /// By feed id: SKU, seq, event.
    pub events: BTreeMap<u64, (String, u64, String)>,
    pub claims: BTreeMap<String, Claim>,
    pub watched: bool,
    /// Analytics' lines by (SKU, order id), and delay notices by (SKU, day): (first, renewed).
    pub analytics_lines: BTreeMap<(String, String), LineFacts>,
    pub delay_notices: BTreeMap<(String, Date), (u32, u32)>,
}

impl AnalyticsStore for MemoryRegistry {
    fn analytics_line(&self, sku: &str, order_id: &str) -> Result<Option<LineFacts>, Fault> {
        Ok(self.analytics_lines.get(&(sku.into(), order_id.into())).cloned())
    }

    fn put_analytics_line(&mut self, line: &LineFacts) -> Result<(), Fault> {
        self.analytics_lines.insert((line.sku.clone(), line.order_id.clone()), line.clone());
        Ok(())
    }

    fn count_delay_notice(&mut self, sku: &str, day: Date, renewed: bool) -> Result<(), Fault> {
        let counts = self.delay_notices.entry((sku.into(), day)).or_default();
        if renewed {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
        Ok(())
    }

    fn analytics_lines(&self, from: Date, to: Date, sku: Option<&str>) -> Result<Vec<LineFacts>, Fault> {
        Ok(self
            .analytics_lines
            .values()
            .filter(|line| sku.is_none_or(|sku| line.sku == sku))
            .filter(|line| line.settled.as_ref().is_none_or(|settled| (from..=to).contains(&settled.on())))
            .cloned()
            .collect())
    }

    fn delay_notices(&self, from: Date, to: Date, sku: Option<&str>) -> Result<(u32, u32), Fault> {
        Ok(self
            .delay_notices
            .iter()
            .filter(|((s, day), _)| sku.is_none_or(|sku| s == sku) && (from..=to).contains(day))
            .fold((0, 0), |(first, renewed), (_, counts)| (first + counts.0, renewed + counts.1)))
    }
}

impl RegistryStore for MemoryRegistry {
    fn put_product(&mut self, entry: &SkuEntry) -> Result<(), Fault> {
        self.products.insert(entry.sku.clone(), entry.name.clone());
        Ok(())
    }

    fn products_after(&self, after: &str, limit: u32) -> Result<Vec<SkuEntry>, Fault> {
        Ok(self
            .products
            .iter()
            .filter(|(sku, _)| sku.as_str() > after)
            .take(limit as usize)
            .map(|(sku, name)| SkuEntry { sku: sku.clone(), name: name.clone() })
            .collect())
    }

    fn last_seq(&self, sku: &str) -> Result<u64, Fault> {
        Ok(self.events.values().filter(|(s, _, _)| s == sku).map(|(_, seq, _)| *seq).max().unwrap_or(0))
    }

    fn append_event(&mut self, sku: &str, seq: u64, event: &str) -> Result<(), Fault> {
        let id = self.events.keys().next_back().map_or(1, |last| last + 1);
        self.events.insert(id, (sku.into(), seq, event.into()));
        Ok(())
    }

    fn events_after(&self, after: u64, limit: u32) -> Result<Vec<(u64, String)>, Fault> {
        Ok(self
            .events
            .range(after + 1..)
            .take(limit as usize)
            .map(|(id, (_, _, event))| (*id, event.clone()))
            .collect())
    }

    fn feed_head(&self) -> Result<u64, Fault> {
        Ok(self.events.keys().next_back().copied().unwrap_or(0))
    }

    fn watched(&self) -> Result<bool, Fault> {
        Ok(self.watched)
    }

    fn set_watched(&mut self, watched: bool) -> Result<(), Fault> {
        self.watched = watched;
        Ok(())
    }

    fn claim(&self, key: &str) -> Result<Option<StoredClaim>, Fault> {
        Ok(self
            .claims
            .get(key)
            .map(|claim| StoredClaim { fingerprint: claim.fingerprint.clone(), sku: claim.sku.clone() }))
    }

    fn insert_claim(&mut self, claim: &Claim) -> Result<bool, Fault> {
        if self.claims.contains_key(&claim.key) {
            return Ok(false);
        }
        self.claims.insert(claim.key.clone(), claim.clone());
        Ok(true)
    }

    fn forget_claims_before(&mut self, at: Millis) -> Result<(), Fault> {
        self.claims.retain(|_, claim| claim.permanent || claim.at >= at);
        Ok(())
    }
}

/// The webhook dispatcher's rows in memory, as the text its object stores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryWebhooks {
    pub endpoints: BTreeMap<String, String>,
    pub deliveries: BTreeMap<u64, String>,
    /// Per endpoint, its log, oldest first.
    pub log: BTreeMap<String, Vec<String>>,
    pub cursor: Option<u64>,
    pub counters: BTreeMap<&'static str, u64>,
}

fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Fault> {
    decode(text).map_err(|error| Fault::new("a webhook record", error))
}

impl MemoryWebhooks {
    fn deliveries(&self) -> Result<Vec<DeliveryRecord>, Fault> {
        self.deliveries.values().map(|text| read(text)).collect()
    }
}

impl WebhookStore for MemoryWebhooks {
    fn endpoints(&self) -> Result<Vec<EndpointRecord>, Fault> {
        self.endpoints.values().map(|text| read(text)).collect()
    }
    fn put_endpoint(&mut self, endpoint: &EndpointRecord) -> Result<(), Fault> {
        self.endpoints.insert(endpoint.id.clone(), encode(endpoint));
        Ok(())
    }
    fn delete_endpoint(&mut self, id: &str) -> Result<(), Fault> {
        self.endpoints.remove(id);
        self.log.remove(id);
        let doomed: Vec<u64> =
            self.deliveries()?.iter().filter(|d| d.endpoint_id == id).map(|d| d.id).collect();
        doomed.iter().for_each(|id| drop(self.deliveries.remove(id)));
        Ok(())
    }
    fn cursor(&self) -> Result<Option<u64>, Fault> {
        Ok(self.cursor)
    }
    fn set_cursor(&mut self, cursor: Option<u64>) -> Result<(), Fault> {
        self.cursor = cursor;
        Ok(())
    }
    fn next_number(&mut self, counter: Counter) -> Result<u64, Fault> {
        let name = match counter {
            Counter::Delivery => "delivery",
            Counter::Event => "event",
        };
        let next = self.counters.get(name).copied().unwrap_or(0) + 1;
        self.counters.insert(name, next);
        Ok(next)
    }
    fn put_delivery(&mut self, delivery: &DeliveryRecord) -> Result<(), Fault> {
        self.deliveries.insert(delivery.id, encode(delivery));
        Ok(())
    }
    fn delivery(&self, id: u64) -> Result<Option<DeliveryRecord>, Fault> {
        self.deliveries.get(&id).map(|text| read(text)).transpose()
    }
    fn due(&self, now: Millis, limit: u32) -> Result<Vec<DeliveryRecord>, Fault> {
        let mut due: Vec<DeliveryRecord> = self
            .deliveries()?
            .into_iter()
            .filter(|d| d.state == DeliveryStateRecord::Pending && d.next_at.is_some_and(|at| at <= now))
            .collect();
        due.sort_by_key(|d| (d.next_at, d.id));
        due.truncate(limit as usize);
        Ok(due)
    }
    fn pending_of(&self, endpoint_id: &str) -> Result<Vec<DeliveryRecord>, Fault> {
        Ok(self
            .deliveries()?
            .into_iter()
            .filter(|d| d.endpoint_id == endpoint_id && d.state == DeliveryStateRecord::Pending)
            .collect())
    }
    fn next_due(&self) -> Result<Option<Millis>, Fault> {
        Ok(self
            .deliveries()?
            .iter()
            .filter(|d| d.state == DeliveryStateRecord::Pending)
            .filter_map(|d| d.next_at)
            .min())
    }
    fn log_attempt(&mut self, endpoint_id: &str, attempt: &AttemptRecord) -> Result<(), Fault> {
        let log = self.log.entry(endpoint_id.into()).or_default();
        log.push(encode(attempt));
        if log.len() > LOG_LENGTH {
            log.remove(0);
        }
        Ok(())
    }
    fn attempts(&self, endpoint_id: &str) -> Result<Vec<AttemptRecord>, Fault> {
        let log = self.log.get(endpoint_id).map(Vec::as_slice).unwrap_or_default();
        log.iter().rev().map(|text| read(text)).collect()
    }
}

/// The store adapters' rows in memory, as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryAdapters {
    pub configs: BTreeMap<String, String>,
    /// By arrival: (platform, delivery) and the item.
    pub inbox: Vec<((String, String), String)>,
    pub orders: BTreeMap<(String, String), String>,
    pub event_seq: u64,
}

fn platform_of(config: &AdapterConfigRecord) -> &'static str {
    match config {
        AdapterConfigRecord::Shopify { .. } => "shopify",
        AdapterConfigRecord::Bigcommerce { .. } => "bigcommerce",
    }
}

impl AdapterStore for MemoryAdapters {
    fn config(&self, platform: &str) -> Result<Option<AdapterConfigRecord>, Fault> {
        self.configs.get(platform).map(|text| read(text)).transpose()
    }
    fn put_config(&mut self, config: &AdapterConfigRecord) -> Result<(), Fault> {
        self.configs.insert(platform_of(config).into(), encode(config));
        Ok(())
    }
    fn insert_item(&mut self, item: &InboxRecord) -> Result<bool, Fault> {
        let key = (item.platform.clone(), item.delivery.clone());
        if self.inbox.iter().any(|(k, _)| *k == key) {
            return Ok(false);
        }
        self.inbox.push((key, encode(item)));
        Ok(true)
    }
    fn put_item(&mut self, item: &InboxRecord) -> Result<(), Fault> {
        let key = (item.platform.clone(), item.delivery.clone());
        match self.inbox.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = encode(item),
            None => self.inbox.push((key, encode(item))),
        }
        Ok(())
    }
    fn due_items(&self, now: Millis, limit: u32) -> Result<Vec<InboxRecord>, Fault> {
        let items: Vec<InboxRecord> =
            self.inbox.iter().map(|(_, text)| read(text)).collect::<Result<_, _>>()?;
        Ok(items
            .into_iter()
            .filter(|item| item.next_at.is_some_and(|at| at <= now))
            .take(limit as usize)
            .collect())
    }
    fn next_due(&self) -> Result<Option<Millis>, Fault> {
        let items: Vec<InboxRecord> =
            self.inbox.iter().map(|(_, text)| read(text)).collect::<Result<_, _>>()?;
        Ok(items.iter().filter_map(|item| item.next_at).min())
    }
    fn order(&self, platform: &str, platform_order_id: &str) -> Result<Option<PlatformOrderRecord>, Fault> {
        self.orders.get(&(platform.into(), platform_order_id.into())).map(|text| read(text)).transpose()
    }
    fn put_order(
        &mut self,
        platform: &str,
        platform_order_id: &str,
        order: &PlatformOrderRecord,
    ) -> Result<(), Fault> {
        self.orders.insert((platform.into(), platform_order_id.into()), encode(order));
        Ok(())
    }
    fn next_event_seq(&mut self) -> Result<u64, Fault> {
        self.event_seq += 1;
        Ok(self.event_seq)
    }
    fn forget_finished_before(&mut self, at: Millis) -> Result<(), Fault> {
        let mut kept = Vec::new();
        for (key, text) in std::mem::take(&mut self.inbox) {
            let item: InboxRecord = read(&text)?;
            if item.next_at.is_some() || item.received_at >= at {
                kept.push((key, text));
            }
        }
        self.inbox = kept;
        Ok(())
    }
}
