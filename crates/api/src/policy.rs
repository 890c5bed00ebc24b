//! The product's policy as merchants see it, and the partial update they send with
//! `PUT /v1/skus/{sku}`.

use backorder_core::{limits, Backorders, Calendar, Date, DelayConsent, Policy, Weekdays};
use serde::{Deserialize, Serialize};
use serde_with::{serde_as, DisplayFromStr, Same};

use crate::error::ApiError;
use crate::fields::{Nullable, Present};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackordersDoc {
    Deny,
    Allow,
}

/// Whether waiting lines get delay notices under 16 CFR 435.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayConsentDoc {
    Ftc,
    Off,
}

/// Every policy field, as `GET /v1/skus/{sku}` shows it.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDoc {
    pub backorders: BackordersDoc,
    pub backorder_limit: Option<u32>,
    pub limit_to_inbound: bool,
    pub lead_time_days: Option<u32>,
    pub handling_days: u32,
    pub ship_weekdays: Vec<u8>,
    #[serde_as(as = "Vec<DisplayFromStr>")]
    pub holidays: Vec<Date>,
    pub low_stock_threshold: u32,
    pub discontinued: bool,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub release_date: Option<Date>,
    pub utc_offset_minutes: i32,
    pub hold_minutes: u32,
    pub delay_consent: DelayConsentDoc,
}

impl From<&Policy> for PolicyDoc {
    fn from(policy: &Policy) -> PolicyDoc {
        PolicyDoc {
            backorders: match policy.backorders {
                Backorders::Deny => BackordersDoc::Deny,
                Backorders::Allow => BackordersDoc::Allow,
            },
            backorder_limit: policy.backorder_limit,
            limit_to_inbound: policy.limit_to_inbound,
            lead_time_days: policy.lead_time_days,
            handling_days: policy.calendar.handling_days,
            ship_weekdays: policy.calendar.ship_weekdays.iter().collect(),
            holidays: policy.calendar.holidays().to_vec(),
            low_stock_threshold: policy.low_stock_threshold,
            discontinued: policy.discontinued,
            release_date: policy.release_date,
            utc_offset_minutes: policy.utc_offset_minutes,
            hold_minutes: (policy.hold_ttl / 60_000) as u32,
            delay_consent: match policy.delay_consent {
                DelayConsent::Ftc => DelayConsentDoc::Ftc,
                DelayConsent::Off => DelayConsentDoc::Off,
            },
        }
    }
}

impl PolicyDoc {
    /// The core policy, or why these values cannot be one.
    pub fn to_policy(&self) -> Result<Policy, ApiError> {
        let ship_weekdays = Weekdays::from_iso(&self.ship_weekdays).ok_or_else(|| {
            ApiError::invalid("ship_weekdays must be ISO weekdays 1 (Monday) to 7 (Sunday)")
        })?;
        if self.holidays.len() > limits::MAX_HOLIDAYS {
            return Err(ApiError::invalid("holidays may list at most 1000 dates"));
        }
        let policy = Policy {
            backorders: match self.backorders {
                BackordersDoc::Deny => Backorders::Deny,
                BackordersDoc::Allow => Backorders::Allow,
            },
            backorder_limit: self.backorder_limit,
            limit_to_inbound: self.limit_to_inbound,
            lead_time_days: self.lead_time_days,
            calendar: Calendar::new(self.handling_days, ship_weekdays, self.holidays.clone()),
            low_stock_threshold: self.low_stock_threshold,
            discontinued: self.discontinued,
            release_date: self.release_date,
            utc_offset_minutes: self.utc_offset_minutes,
            hold_ttl: i64::from(self.hold_minutes) * 60_000,
            delay_consent: match self.delay_consent {
                DelayConsentDoc::Ftc => DelayConsent::Ftc,
                DelayConsentDoc::Off => DelayConsent::Off,
            },
        };
        policy.validate().map_err(ApiError::invalid)?;
        Ok(policy)
    }
}

/// `PUT /v1/skus/{sku}`: every field optional; absent fields keep their value (or default,
/// for a new product). `null` clears the nullable ones (`backorder_limit`, `lead_time_days`,
/// `release_date`) and is refused on every other field.
#[serde_as]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_hand: Option<u32>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backorders: Option<BackordersDoc>,
    #[serde_as(as = "Nullable<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backorder_limit: Option<Option<u32>>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_to_inbound: Option<bool>,
    #[serde_as(as = "Nullable<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_time_days: Option<Option<u32>>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling_days: Option<u32>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_weekdays: Option<Vec<u8>>,
    #[serde_as(as = "Present<Vec<DisplayFromStr>>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holidays: Option<Vec<Date>>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_stock_threshold: Option<u32>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discontinued: Option<bool>,
    #[serde_as(as = "Nullable<DisplayFromStr>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<Option<Date>>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_minutes: Option<u32>,
    #[serde_as(as = "Present<Same>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_consent: Option<DelayConsentDoc>,
}

impl ProductInput {
    /// `current` with this update applied.
    pub fn merge(&self, current: &PolicyDoc) -> PolicyDoc {
        let mut doc = current.clone();
        macro_rules! take {
            ($($field:ident),*) => { $( if let Some(value) = &self.$field { doc.$field = value.clone(); } )* };
        }
        take!(
            backorders,
            backorder_limit,
            limit_to_inbound,
            lead_time_days,
            handling_days,
            ship_weekdays,
            holidays,
            low_stock_threshold,
            discontinued,
            release_date,
            utc_offset_minutes,
            hold_minutes,
            delay_consent
        );
        doc
    }

    /// The product name, checked: 1–200 characters without control characters.
    pub fn checked_name(&self) -> Result<Option<&str>, ApiError> {
        match self.name.as_deref() {
            Some(name)
                if name.trim().is_empty()
                    || name.chars().count() > 200
                    || name.chars().any(char::is_control) =>
            {
                Err(ApiError::invalid("name must be 1–200 characters without control characters"))
            }
            name => Ok(name),
        }
    }
}
