//! Small JSON reading and writing for the API's bodies, the stored records and the edge's
//! internal messages.
//!
//! Reading: a text parses into a [`Json`] tree once; each type then reads its fields from the
//! tree by name ([`FromJson`], [`Fields`]), and every error names the field it is about.
//! Writing: each document writes its members in order ([`JsonObject`], [`ObjectWriter`]) and
//! so becomes [`ToJson`]; the text is what serde_json would write. Hand-written because
//! serde's per-type code, and the float formatting its error messages pull in, were the
//! largest part of the worker's wasm that the API owns.

use core::fmt::Write;
use std::borrow::Cow;

use backorder_core::Date;

/// Arrays and objects nested deeper than this are refused: no document of the API comes
/// close, and a recursive reader must not let a 64 KiB body of `[[[[…` exhaust the stack.
const MAX_DEPTH: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    /// A number without fraction or exponent, of at most a u64's magnitude.
    Integer(i128),
    /// Any other number: nothing in the API takes one.
    OtherNumber,
    /// Borrowed from the text unless it had escapes.
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    /// Members in document order; repeated names are kept (readers refuse or ignore them).
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// Parses one JSON document (surrounding whitespace allowed), or says what is wrong.
    pub fn parse(text: &'a [u8]) -> Result<Json<'a>, String> {
        let mut reader = Reader::new(text)?;
        let value = reader.value(0)?;
        reader.end()?;
        Ok(value)
    }

    /// Parses a JSON array and returns each element with its exact source text.
    pub fn parse_array_items(text: &'a str) -> Result<Vec<(&'a str, Json<'a>)>, String> {
        let mut reader = Reader::new(text.as_bytes())?;
        let mut items = Vec::new();
        reader.expect(b'[')?;
        if !reader.eat(b']') {
            loop {
                reader.skip_space();
                let start = reader.at;
                let value = reader.value(1)?;
                items.push((&text[start..reader.at], value));
                if reader.eat(b']') {
                    break;
                }
                reader.expect(b',')?;
            }
        }
        reader.end()?;
        Ok(items)
    }

    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Integer(_) | Json::OtherNumber => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The refusal of this value where `expected` was needed.
    pub fn unexpected(&self, expected: &str) -> String {
        format!("invalid type: {}, expected {expected}", self.kind())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text.as_ref()),
            _ => None,
        }
    }
}

struct Reader<'a> {
    /// The document, checked to be UTF-8 once: strings are sliced from it.
    source: &'a str,
    text: &'a [u8],
    at: usize,
}

const END: &str = "unexpected end of input";

impl<'a> Reader<'a> {
    fn new(text: &'a [u8]) -> Result<Reader<'a>, String> {
        let source = core::str::from_utf8(text).map_err(|_| "not UTF-8".to_string())?;
        Ok(Reader { source, text, at: 0 })
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.text.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.unexpected_here(&format!("`{}`", byte as char)))
        }
    }

    fn unexpected_here(&mut self, expected: &str) -> String {
        match self.peek() {
            Some(_) => format!("expected {expected} at byte {}", self.at + 1),
            None => END.into(),
        }
    }

    fn end(&mut self) -> Result<(), String> {
        self.skip_space();
        if self.at == self.text.len() {
            Ok(())
        } else {
            Err(format!("trailing characters at byte {}", self.at + 1))
        }
    }

    fn literal(&mut self, word: &str, value: Json<'a>) -> Result<Json<'a>, String> {
        if self.text[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(format!("expected a value at byte {}", self.at + 1))
        }
    }

    /// A value inside `depth` open arrays and objects.
    fn value(&mut self, depth: usize) -> Result<Json<'a>, String> {
        let next = self.peek().ok_or(END)?;
        if matches!(next, b'[' | b'{') && depth == MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        match next {
            b'n' => self.literal("null", Json::Null),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'-' | b'0'..=b'9' => self.number(),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Json::Array(items))
            }
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        if self.peek() != Some(b'"') {
                            return Err(self.unexpected_here("a field name"));
                        }
                        let name = self.string()?;
                        self.expect(b':')?;
                        members.push((name, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Json::Object(members))
            }
            _ => Err(self.unexpected_here("a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json<'a>, String> {
        let start = self.at;
        let negative = self.text[self.at] == b'-';
        if negative {
            self.at += 1;
        }
        let int_start = self.at;
        let int_digits = self.digits();
        if int_digits == 0 || (int_digits > 1 && self.text[int_start] == b'0') {
            return Err(format!("invalid number at byte {}", start + 1));
        }
        let mut whole = true;
        if self.text.get(self.at) == Some(&b'.') {
            self.at += 1;
            whole = false;
            if self.digits() == 0 {
                return Err(format!("invalid number at byte {}", start + 1));
            }
        }
        if let Some(b'e' | b'E') = self.text.get(self.at) {
            self.at += 1;
            whole = false;
            if let Some(b'+' | b'-') = self.text.get(self.at) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(format!("invalid number at byte {}", start + 1));
            }
        }
        // In u64: i128 arithmetic is a library call on wasm32, and the widest field is a u64.
        let magnitude = whole
            .then(|| {
                self.text[int_start..self.at]
                    .iter()
                    .try_fold(0u64, |n, &d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
            })
            .flatten();
        Ok(match magnitude {
            // serde_json reads `-0` as a float; so does this reader.
            Some(0) if negative => Json::OtherNumber,
            Some(n) if negative => Json::Integer(-i128::from(n)),
            Some(n) => Json::Integer(i128::from(n)),
            None => Json::OtherNumber,
        })
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.text.get(self.at..self.at + 4).ok_or(END)?;
        let text = core::str::from_utf8(digits).map_err(|_| "invalid \\u escape".to_string())?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(format!("invalid \\u escape at byte {}", self.at + 1));
        }
        self.at += 4;
        u32::from_str_radix(text, 16).map_err(|_| "invalid \\u escape".to_string())
    }

    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.at += 1; // the opening quote
        let mut out = String::new();
        loop {
            // Runs of plain characters are copied whole; they start and end at ASCII bytes.
            let run = self.at;
            while self.text.get(self.at).is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20) {
                self.at += 1;
            }
            let plain = &self.source[run..self.at];
            let Some(&byte) = self.text.get(self.at) else {
                return Err("unexpected end of input in a string".into());
            };
            self.at += 1;
            if byte == b'"' && out.is_empty() {
                return Ok(Cow::Borrowed(plain));
            }
            out.push_str(plain);
            match byte {
                b'"' => return Ok(Cow::Owned(out)),
                b'\\' => {
                    let Some(&escape) = self.text.get(self.at) else {
                        return Err("unexpected end of input in a string".into());
                    };
                    self.at += 1;
                    out.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(format!("invalid escape at byte {}", self.at)),
                    });
                }
                _ => return Err(format!("control character in a string at byte {}", self.at)),
            }
        }
    }

    /// After `\u`: one escape, or a surrogate pair written as two.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = match first {
            0xd800..=0xdbff => {
                if !self.text[self.at..].starts_with(b"\\u") {
                    return Err(format!("unpaired surrogate at byte {}", self.at));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&second) {
                    return Err(format!("unpaired surrogate at byte {}", self.at));
                }
                0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
            }
            code => code,
        };
        char::from_u32(code).ok_or_else(|| format!("unpaired surrogate at byte {}", self.at))
    }
}

/// A value read from JSON. Errors say what was expected; [`Fields`] adds the field's name.
pub trait FromJson: Sized {
    fn from_json(value: &Json) -> Result<Self, String>;

    /// What an absent member reads as, if it may be absent.
    fn absent() -> Option<Self> {
        None
    }
}

/// Parses `text` and reads a `T` from it.
pub fn read<T: FromJson>(text: &[u8]) -> Result<T, String> {
    T::from_json(&Json::parse(text)?)
}

fn integer(value: &Json, min: i64, max: u64) -> Result<i128, String> {
    let expected = || format!("a whole number from {min} to {max}");
    match value {
        Json::Integer(n) if (i128::from(min)..=i128::from(max)).contains(n) => Ok(*n),
        // Shown through i64: formatting an i128 would cost the wasm its own routine.
        Json::Integer(n) => Err(match i64::try_from(*n) {
            Ok(n) => format!("invalid value {n}, expected {}", expected()),
            Err(_) => format!("invalid value: a number out of range, expected {}", expected()),
        }),
        Json::OtherNumber => Err(format!("invalid value: not a whole number, expected {}", expected())),
        other => Err(other.unexpected(&expected())),
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(value: &Json) -> Result<$t, String> {
                // In range by the check above.
                integer(value, <$t>::MIN as i64, <$t>::MAX as u64).map(|n| n as $t)
            }
        }
    )*};
}
integers!(u8, u32, u64, i32, i64);

impl FromJson for bool {
    fn from_json(value: &Json) -> Result<bool, String> {
        match value {
            Json::Bool(b) => Ok(*b),
            other => Err(other.unexpected("true or false")),
        }
    }
}

impl FromJson for String {
    fn from_json(value: &Json) -> Result<String, String> {
        value.as_str().map(str::to_string).ok_or_else(|| value.unexpected("a string"))
    }
}

impl FromJson for Date {
    fn from_json(value: &Json) -> Result<Date, String> {
        let text = value.as_str().ok_or_else(|| value.unexpected("a date (YYYY-MM-DD)"))?;
        Date::parse(text).ok_or_else(|| format!("`{text}` is not a date: use YYYY-MM-DD from 1970 to 9999"))
    }
}

/// `null` and an absent member read as `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Json) -> Result<Option<T>, String> {
        match value {
            Json::Null => Ok(None),
            value => T::from_json(value).map(Some),
        }
    }

    fn absent() -> Option<Option<T>> {
        Some(None)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Json) -> Result<Vec<T>, String> {
        match value {
            Json::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    values.push(T::from_json(item).map_err(|e| format!("[{i}]: {e}"))?);
                }
                Ok(values)
            }
            other => Err(other.unexpected("an array")),
        }
    }
}

/// "`a`, `b`" with `separator` between the names.
fn quoted_list<'n>(names: impl Iterator<Item = &'n str>, separator: &str) -> String {
    let mut list = String::new();
    for (i, name) in names.enumerate() {
        if i > 0 {
            list.push_str(separator);
        }
        list.push('`');
        list.push_str(name);
        list.push('`');
    }
    list
}

/// Reads a string naming one of `variants` (by their names in JSON).
pub fn variant<T: Copy>(value: &Json, variants: &[(&str, T)]) -> Result<T, String> {
    let quoted = || quoted_list(variants.iter().map(|(name, _)| *name), " or ");
    let text = value.as_str().ok_or_else(|| value.unexpected(&format!("one of {}", quoted())))?;
    match variants.iter().find(|(name, _)| *name == text) {
        Some((_, variant)) => Ok(*variant),
        None => Err(format!("unknown variant `{text}`, expected {}", quoted())),
    }
}

/// The fields of a JSON object, read by name.
pub struct Fields<'a> {
    members: &'a [(Cow<'a, str>, Json<'a>)],
}

impl<'a> Fields<'a> {
    /// Any object: fields not read are ignored (stored records, internal messages).
    pub fn of(value: &'a Json<'a>) -> Result<Fields<'a>, String> {
        match value {
            Json::Object(members) => Ok(Fields { members }),
            other => Err(other.unexpected("an object")),
        }
    }

    /// An object whose every field is one of `known`, each at most once (request bodies).
    pub fn strict(value: &'a Json<'a>, known: &[&str]) -> Result<Fields<'a>, String> {
        let fields = Fields::of(value)?;
        for (i, (name, _)) in fields.members.iter().enumerate() {
            if !known.contains(&name.as_ref()) {
                let expected = quoted_list(known.iter().copied(), ", ");
                return Err(format!("unknown field `{name}`, expected one of {expected}"));
            }
            if fields.members[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(format!("duplicate field `{name}`"));
            }
        }
        Ok(fields)
    }

    pub fn get(&self, name: &str) -> Option<&'a Json<'a>> {
        self.members.iter().find(|(n, _)| n.as_ref() == name).map(|(_, value)| value)
    }

    fn read<T: FromJson>(name: &str, value: &Json) -> Result<T, String> {
        T::from_json(value).map_err(|e| format!("{name}: {e}"))
    }

    /// A member: required, unless `T` may be absent (an `Option`, read as `None`).
    pub fn member<T: FromJson>(&self, name: &str) -> Result<T, String> {
        match self.get(name) {
            Some(value) => Self::read(name, value),
            None => T::absent().ok_or_else(|| format!("missing field `{name}`")),
        }
    }

    /// A member read as `T` when present, `None` when absent: for defaults that differ from
    /// `T`'s own, and for updates where `null` (clear) and absent (keep) differ.
    pub fn present<T: FromJson>(&self, name: &str) -> Result<Option<T>, String> {
        self.get(name).map(|value| Self::read(name, value)).transpose()
    }
}

/// Makes a struct a JSON object with these members, in this order: `write` gives its
/// [`JsonObject`] (so [`ToJson`]) alone, `read write` also a lenient [`FromJson`] (members not
/// listed are ignored, as stored records and internal messages need). A member may say how:
/// `name if_some` is left out when `None`; `name flatten` writes another object's members
/// in place; `name instant` writes milliseconds as RFC 3339 text; `name = default` reads an
/// absent member as `default`.
#[macro_export]
macro_rules! json_object {
    (write $ty:ty { $($field:ident $($how:ident)? $(= $default:expr)?),* $(,)? }) => {
        impl $crate::json::JsonObject for $ty {
            fn write_fields(&self, o: &mut $crate::json::ObjectWriter<'_>) {
                $( $crate::json_object!(@write o, self.$field, $field $($how)?); )*
            }
        }
    };
    (read write $ty:ty { $($field:ident $($how:ident)? $(= $default:expr)?),* $(,)? }) => {
        $crate::json_object!(write $ty { $($field $($how)? $(= $default)?),* });
        impl $crate::json::FromJson for $ty {
            fn from_json(value: &$crate::json::Json) -> Result<$ty, String> {
                let fields = $crate::json::Fields::of(value)?;
                Ok(Self { $( $field: $crate::json_object!(@read fields, $field $(= $default)?), )* })
            }
        }
    };
    (@write $o:ident, $value:expr, $field:ident) => { $o.field(stringify!($field), &$value) };
    (@write $o:ident, $value:expr, $field:ident if_some) => { $o.field_if_some(stringify!($field), &$value) };
    (@write $o:ident, $value:expr, $field:ident flatten) => { $value.write_fields($o) };
    (@write $o:ident, $value:expr, $field:ident instant) => {
        $o.field(stringify!($field), &$crate::time::format_instant($value))
    };
    (@read $fields:ident, $field:ident) => { $fields.member(stringify!($field))? };
    (@read $fields:ident, $field:ident = $default:expr) => {
        $fields.present(stringify!($field))?.unwrap_or($default)
    };
}

/// A value written as JSON.
pub trait ToJson {
    fn write_json(&self, out: &mut String);

    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// A value written as a JSON object, member by member. Its [`ToJson`] adds the braces; a
/// document that embeds it flattened writes its members into its own object instead.
pub trait JsonObject {
    fn write_fields(&self, o: &mut ObjectWriter<'_>);
}

impl<T: JsonObject> ToJson for T {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        self.write_fields(&mut o);
        o.end();
    }
}

/// Writes an object's members in order: `{"a":1,"b":2}`.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    pub fn new(out: &'a mut String) -> ObjectWriter<'a> {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    pub fn field(&mut self, name: &str, value: &dyn ToJson) -> &mut Self {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(self.out, name);
        self.out.push(':');
        value.write_json(self.out);
        self
    }

    /// A member written only when there is a value (absent rather than null).
    pub fn field_if_some<T: ToJson>(&mut self, name: &str, value: &Option<T>) -> &mut Self {
        match value {
            Some(value) => self.field(name, value),
            None => self,
        }
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

/// A string with JSON's escapes, as serde_json writes them.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

macro_rules! display_to_json {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn write_json(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
display_to_json!(u8, u32, u64, i32, i64, bool);

impl ToJson for &str {
    fn write_json(&self, out: &mut String) {
        write_string(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_string(out, self);
    }
}

/// `YYYY-MM-DD`.
impl ToJson for Date {
    fn write_json(&self, out: &mut String) {
        let _ = write!(out, "\"{self}\"");
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(value) => value.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Json<'_>, String> {
        Json::parse(text.as_bytes())
    }

    #[test]
    fn reads_every_kind_of_value() {
        let value = parse(
            r#" {"a": [1, -2, 3.5, 1e3, true, false, null], "b": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"} "#,
        )
        .unwrap();
        let fields = Fields::of(&value).unwrap();
        assert_eq!(
            fields.get("a"),
            Some(&Json::Array(vec![
                Json::Integer(1),
                Json::Integer(-2),
                Json::OtherNumber,
                Json::OtherNumber,
                Json::Bool(true),
                Json::Bool(false),
                Json::Null
            ]))
        );
        assert_eq!(fields.get("b").and_then(Json::as_str), Some("x\"\\/\u{8}\u{c}\n\r\té😀"));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for text in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "-",
            "1.",
            "1e",
            "\"\u{1}\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "{a:1}",
            "[1] 2",
            "tru",
            "\"abc",
            "nul",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
        assert!(Json::parse(b"\"\xff\"").is_err());
        let nested = |depth: usize, inner: &str| "[".repeat(depth) + inner + &"]".repeat(depth);
        assert!(parse(&nested(MAX_DEPTH, "1")).is_ok());
        assert!(parse(&nested(MAX_DEPTH, "")).is_ok());
        assert!(parse(&nested(MAX_DEPTH - 1, "{}")).is_ok());
        assert!(parse(&nested(MAX_DEPTH + 1, "")).unwrap_err().contains("nested deeper than 32"));
        assert!(parse(&nested(MAX_DEPTH, "{}")).unwrap_err().contains("nested deeper than 32"));
    }

    #[test]
    fn integers_are_checked_against_their_type() {
        let read = |text: &str| u32::from_json(&parse(text).unwrap());
        assert_eq!(read("4294967295"), Ok(u32::MAX));
        assert!(read("4294967296").unwrap_err().contains("invalid value 4294967296"));
        assert!(read("-1").unwrap_err().contains("invalid value -1"));
        assert!(read("1.0").unwrap_err().contains("not a whole number"));
        assert!(read("-0").unwrap_err().contains("not a whole number"));
        assert!(read("\"1\"").unwrap_err().contains("invalid type: a string"));
        assert_eq!(
            String::from_json(&parse("5").unwrap()).unwrap_err(),
            "invalid type: a number, expected a string"
        );
        assert_eq!(i64::from_json(&parse("-9223372036854775808").unwrap()), Ok(i64::MIN));
        assert_eq!(u64::from_json(&parse("18446744073709551615").unwrap()), Ok(u64::MAX));
        assert!(u64::from_json(&parse("1000000000000000000000000000000000000000000").unwrap()).is_err());
    }

    #[test]
    fn strict_fields_are_named() {
        let value = parse(r#"{"qty": 1, "colour": "red"}"#).unwrap();
        let error = Fields::strict(&value, &["qty"]).err().unwrap();
        assert!(error.contains("unknown field `colour`"), "{error}");
        let value = parse(r#"{"qty": 1, "qty": 2}"#).unwrap();
        assert!(Fields::strict(&value, &["qty"]).err().unwrap().contains("duplicate field `qty`"));
        let value = parse(r#"{"qty": null}"#).unwrap();
        let fields = Fields::strict(&value, &["qty", "po_id"]).unwrap();
        assert_eq!(fields.member::<Option<u32>>("qty"), Ok(None));
        assert_eq!(fields.member::<Option<u32>>("po_id"), Ok(None));
        assert_eq!(fields.present::<Option<u32>>("qty"), Ok(Some(None)));
        assert_eq!(fields.present::<Option<u32>>("po_id"), Ok(None));
        assert!(fields.present::<u32>("qty").unwrap_err().starts_with("qty: invalid type: null"));
        assert!(fields.member::<u32>("po_id").unwrap_err().contains("missing field `po_id`"));
        assert!(fields.member::<u32>("qty").unwrap_err().starts_with("qty: invalid type: null"));
    }

    #[test]
    fn array_items_keep_their_text() {
        let items = Json::parse_array_items(r#" [ {"a": 1} , "x" ] "#).unwrap();
        assert_eq!(items.iter().map(|(text, _)| *text).collect::<Vec<_>>(), [r#"{"a": 1}"#, r#""x""#]);
        assert!(Json::parse_array_items("[]").unwrap().is_empty());
        assert!(Json::parse_array_items("{}").is_err());
    }

    #[test]
    fn variants_are_named() {
        let read = |text: &str| variant(&parse(text).unwrap(), &[("deny", false), ("allow", true)]);
        assert_eq!(read("\"allow\""), Ok(true));
        assert!(read("\"later\"")
            .unwrap_err()
            .contains("unknown variant `later`, expected `deny` or `allow`"));
    }
}
