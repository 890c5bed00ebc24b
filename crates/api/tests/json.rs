//! The hand-written JSON reader against serde_json, the reference: the same documents parse to
//! the same values, and the same texts are refused.

use backorder_api::json::{Json, ToJson};
use proptest::prelude::*;
use serde_json::Value;

fn same(mine: &Json, reference: &Value) -> bool {
    match (mine, reference) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::Integer(n), Value::Number(number)) => {
            number.as_i64().map(i128::from).or(number.as_u64().map(i128::from)) == Some(*n)
        }
        (Json::OtherNumber, Value::Number(number)) => number.is_f64(),
        (Json::String(a), Value::String(b)) => a == b,
        (Json::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        // serde_json's map is sorted and prints in that order, so members come in the same order.
        (Json::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => false,
    }
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn documents_parse_like_serde_json(reference in value(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&reference).unwrap()
        } else {
            serde_json::to_string(&reference).unwrap()
        };
        let mine = Json::parse(text.as_bytes());
        prop_assert!(mine.as_ref().is_ok_and(|mine| same(mine, &reference)), "{text} → {mine:?}");
    }

    /// Valid documents with one character inserted, replaced or removed: refused exactly when
    /// serde_json refuses them (numbers too large for an f64 aside: serde_json refuses them,
    /// this reader has no use for them and reads them as fractions).
    #[test]
    fn edited_texts_are_refused_like_serde_json(
        reference in value(),
        edit in 0..3usize,
        at in any::<prop::sample::Index>(),
        insert in prop::sample::select(r#"[]{}",:0-9.eE+- \/ubntfrl"#.chars().collect::<Vec<_>>()),
    ) {
        let mut text: Vec<char> = serde_json::to_string(&reference).unwrap().chars().collect();
        let place = at.index(text.len() + 1);
        match edit {
            0 => text.insert(place, insert),
            1 if place < text.len() => text[place] = insert,
            _ if place < text.len() => { text.remove(place); }
            _ => text.push(insert),
        }
        let text: String = text.into_iter().collect();
        let reference = serde_json::from_str::<Value>(&text);
        if reference.as_ref().is_err_and(|e| e.to_string().contains("number out of range")) {
            return Ok(());
        }
        let mine = Json::parse(text.as_bytes());
        prop_assert_eq!(mine.is_ok(), reference.is_ok(), "{:?}: {:?} vs {:?}", text, mine, reference);
    }

    #[test]
    fn strings_and_numbers_are_written_like_serde_json(text in any::<String>(), n in any::<i64>(), u in any::<u64>()) {
        prop_assert_eq!(text.to_json(), serde_json::to_string(&text).unwrap());
        prop_assert_eq!(n.to_json(), serde_json::to_string(&n).unwrap());
        prop_assert_eq!(u.to_json(), serde_json::to_string(&u).unwrap());
        let list = vec![Some(text.clone()), None];
        prop_assert_eq!(list.to_json(), serde_json::to_string(&list).unwrap());
    }
}
