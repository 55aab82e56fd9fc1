// rustbtf corpus: data-carrying and C-like enums (our own code).
use std::hint::black_box;
use std::num::NonZeroU32;

pub struct Sensor {
    pub id: u16,
    pub reading: i64,
}

// Explicit discriminants on a data-carrying enum.
#[repr(u8)]
pub enum Tagged {
    A = 3,
    B(u32) = 7,
    C { x: u16, y: u16 } = 9,
}

// u128 discriminant.
#[repr(u128)]
pub enum Huge {
    Small = 1,
    Big = 0xFFFF_0000_0000_0000_0000_0000_0000_0001,
    Carry(u8) = 0x1_0000_0000_0000_0000,
}

// C-like enum with values up to 2^63.
#[repr(u64)]
#[derive(Clone, Copy)]
pub enum Wide {
    Zero = 0,
    Mid = 1 << 32,
    Top = 1 << 63,
    Max = u64::MAX,
}

// Signed enum with negative values.
#[repr(i32)]
#[derive(Clone, Copy)]
pub enum Signed {
    MinusBig = -2_000_000_000,
    MinusOne = -1,
    Zero = 0,
    Plus = 42,
}

#[repr(i8)]
#[derive(Clone, Copy)]
pub enum TinySigned {
    Neg = -128,
    Pos = 127,
}

// Plain Rust enum with payloads, niche in a bool.
pub enum Shape {
    Circle { r: f32 },
    Rect(u32, u32),
    Empty,
}

pub enum Single {
    Only(u64),
}

#[derive(Debug)]
pub enum ParseErr {
    Empty,
    Bad(char),
}

impl Shape {
    #[inline(never)]
    pub fn area(&self) -> f64 {
        match self {
            Shape::Circle { r } => 3.14 * (*r as f64) * (*r as f64),
            Shape::Rect(w, h) => (*w as f64) * (*h as f64),
            Shape::Empty => 0.0,
        }
    }
}

impl Tagged {
    #[inline(never)]
    pub fn weight(&self) -> u32 {
        match self {
            Tagged::A => 1,
            Tagged::B(v) => *v,
            Tagged::C { x, y } => *x as u32 + *y as u32,
        }
    }
}

#[inline(never)]
pub fn parse(s: &str) -> Result<u32, ParseErr> {
    let mut v = 0u32;
    if s.is_empty() {
        return Err(ParseErr::Empty);
    }
    for c in s.chars() {
        match c.to_digit(10) {
            Some(d) => v = v.wrapping_mul(10).wrapping_add(d),
            None => return Err(ParseErr::Bad(c)),
        }
    }
    Ok(v)
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn enums_opt(x: u32) -> u32 {
    let o: Option<u32> = if x > 3 { Some(x) } else { None };
    let r: Result<u64, ParseErr> = black_box(Ok(x as u64));
    let nz: Option<NonZeroU32> = black_box(NonZeroU32::new(x));
    let s = Sensor { id: 1, reading: -5 };
    let or: Option<&Sensor> = black_box(Some(&s));
    let ob: Option<Box<Sensor>> = black_box(None);
    let mut acc = o.unwrap_or(0);
    if let Ok(v) = r { acc = acc.wrapping_add(v as u32); }
    if let Some(n) = nz { acc = acc.wrapping_add(n.get()); }
    if let Some(p) = or { acc = acc.wrapping_add(p.id as u32); }
    if ob.is_some() { acc += 1; }
    acc
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn enums_tagged(x: u32) -> u32 {
    let t = black_box(match x % 3 { 0 => Tagged::A, 1 => Tagged::B(x), _ => Tagged::C { x: 1, y: 2 } });
    let h = black_box(if x > 5 { Huge::Big } else if x > 2 { Huge::Carry(x as u8) } else { Huge::Small });
    let w = black_box([Wide::Zero, Wide::Mid, Wide::Top, Wide::Max]);
    let sg = black_box([Signed::MinusBig, Signed::MinusOne, Signed::Zero, Signed::Plus]);
    let ts = black_box(TinySigned::Neg);
    let sh = black_box(Shape::Rect(x, 2));
    let one = black_box(Single::Only(x as u64));
    let mut acc = t.weight();
    if let Huge::Carry(c) = h { acc += c as u32; }
    acc = acc.wrapping_add(w[x as usize % 4] as u64 as u32);
    acc = acc.wrapping_add(sg[x as usize % 4] as i32 as u32);
    acc = acc.wrapping_add(ts as i8 as u32);
    acc = acc.wrapping_add(sh.area() as u32);
    let Single::Only(o) = one;
    acc.wrapping_add(o as u32)
}

#[no_mangle]
pub static WIDE_TOP: Wide = Wide::Top;
#[no_mangle]
pub static SIGNED_NEG: Signed = Signed::MinusBig;

fn main() {
    let a = enums_opt(black_box(7));
    let b = enums_tagged(black_box(4));
    let p = parse(black_box("123x"));
    black_box((a, b, p));
}
