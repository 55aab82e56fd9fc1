// rustbtf corpus: layout constructs: tuples, arrays, slices, &str, unions, MaybeUninit,
// ZSTs, PhantomData, [(); 4], unsized tails, u128/i128, char, floats, never type,
// #[repr(C)], #[repr(packed)], reordered fields, methods in impl blocks.
use std::hint::black_box;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

// Source order differs from layout order (rustc reorders by alignment).
pub struct Reordered {
    pub small: u8,
    pub big: u64,
    pub mid: u16,
    pub flag: bool,
    pub f32v: f32,
}

#[repr(C)]
pub struct CLayout {
    pub a: u8,
    pub b: u32,
    pub c: u16,
    pub d: [u8; 3],
}

#[repr(C, packed)]
pub struct Packed {
    pub a: u8,
    pub b: u32,
    pub c: u64,
}

#[repr(packed(2))]
pub struct Packed2 {
    pub a: u8,
    pub b: u32,
}

#[repr(C)]
pub union Bits {
    pub word: u32,
    pub bytes: [u8; 4],
    pub half: [u16; 2],
    pub f: f32,
}

pub union RustUnion {
    pub i: i64,
    pub p: *const u8,
}

pub struct Zst;
pub struct Marker<T> { pub _p: PhantomData<T> }
pub struct WithZst {
    pub before: u32,
    pub unit: (),
    pub zst: Zst,
    pub units: [(); 4],
    pub phantom: PhantomData<*const u64>,
    pub zsts: [Zst; 2],
    pub after: u16,
}

// Unsized tail.
pub struct Tail<T: ?Sized> {
    pub len: u32,
    pub data: T,
}

pub struct Numbers {
    pub u: u128,
    pub i: i128,
    pub c: char,
    pub f: f32,
    pub d: f64,
    pub isz: isize,
    pub usz: usize,
}

// The never type as a generic argument on stable Rust.
pub trait HasOutput { type Out; }
impl<T> HasOutput for fn() -> T { type Out = T; }
pub type Never = <fn() -> ! as HasOutput>::Out;

pub enum State<T> {
    Running(u32),
    Stopped(T),
}

pub struct Matrix {
    pub grid: [[u16; 3]; 2],
    pub quad: [u8; 4],
    pub empty: [u32; 0],
}

pub struct Views<'a> {
    pub text: &'a str,
    pub bytes: &'a [u8],
    pub mbytes: &'a mut [i32],
    pub raw: *const [u8],
    pub pair: (u8, u32),
    pub triple: (i64, char, bool),
    pub unit: (),
    pub nested: ((u8, u8), [(u16, u16); 2]),
}

impl Reordered {
    #[inline(never)]
    pub fn checksum(&self) -> u64 {
        self.small as u64 + self.big + self.mid as u64 + self.flag as u64 + self.f32v as u64
    }
    #[inline(never)]
    pub fn make(v: u64) -> Reordered {
        Reordered { small: v as u8, big: v, mid: v as u16, flag: v & 1 == 1, f32v: v as f32 }
    }
}

impl Numbers {
    #[inline(never)]
    pub fn mix(&self) -> u128 {
        self.u ^ (self.i as u128) ^ (self.c as u128) ^ (self.f as u128) ^ (self.d as u128)
            ^ (self.isz as u128) ^ (self.usz as u128)
    }
}

impl<T> State<T> {
    #[inline(never)]
    pub fn running(&self) -> u32 { if let State::Running(v) = self { *v } else { 0 } }
}

#[inline(never)]
pub fn diverge(code: u32) -> ! {
    panic!("diverged with {}", code)
}

#[inline(never)]
fn tail_len(t: &Tail<[u8]>) -> u32 { t.len + t.data.len() as u32 }

#[inline(never)]
fn tail_str(t: &Tail<str>) -> usize { t.data.len() + t.len as usize }

#[no_mangle]
pub static mut GLOBAL_BITS: Bits = Bits { word: 0xdead_beef };
#[no_mangle]
pub static GLOBAL_PACKED: Packed = Packed { a: 1, b: 2, c: 3 };
#[no_mangle]
pub static GLOBAL_MATRIX: Matrix = Matrix { grid: [[1, 2, 3], [4, 5, 6]], quad: [7; 4], empty: [] };
#[no_mangle]
pub static GLOBAL_NAME: &str = "rustbtf";

#[no_mangle]
#[inline(never)]
pub extern "C" fn layout_entry(x: u32) -> u64 {
    let r = black_box(Reordered::make(x as u64));
    let c = black_box(CLayout { a: 1, b: x, c: 3, d: [4, 5, 6] });
    let p = black_box(Packed { a: 1, b: x, c: 9 });
    let p2 = black_box(Packed2 { a: 2, b: x });
    let bits = black_box(Bits { word: x });
    let ru = black_box(RustUnion { i: -1 });
    let mut mu: MaybeUninit<CLayout> = MaybeUninit::uninit();
    let mu_ref = black_box(&mut mu);
    mu_ref.write(CLayout { a: 0, b: 0, c: 0, d: [0; 3] });
    let mu_u64: MaybeUninit<u64> = black_box(MaybeUninit::new(7));
    let wz = black_box(WithZst { before: 1, unit: (), zst: Zst, units: [(); 4], phantom: PhantomData, zsts: [Zst, Zst], after: 2 });
    let mk: Marker<String> = black_box(Marker { _p: PhantomData });
    let tail: &Tail<[u8]> = black_box(&Tail { len: 3, data: [1u8, 2, 3] });
    let boxed_tail: Box<Tail<[u16]>> = Box::new(Tail { len: 2, data: [5u16, 6] });
    let n = black_box(Numbers { u: x as u128 * 1_000_000_000_000, i: -(x as i128), c: 'λ', f: 1.5, d: 2.25, isz: -3, usz: 4 });
    let st: State<Never> = black_box(State::Running(x));
    let st2: State<u8> = black_box(State::Stopped(3));
    let m = black_box(Matrix { grid: [[x as u16; 3]; 2], quad: [1, 2, 3, 4], empty: [] });
    let mut ints = [1i32, 2, 3];
    let txt = "héllo";
    let v = black_box(Views { text: txt, bytes: b"abc", mbytes: &mut ints, raw: &[1u8, 2][..] as *const [u8], pair: (1, x), triple: (-1, 'q', true), unit: (), nested: ((1, 2), [(3, 4), (5, 6)]) });
    let never_fn: fn(u32) -> ! = diverge;
    black_box(never_fn as usize);
    black_box((&mk, &wz, &mu_u64));
    let mut acc = r.checksum() + c.b as u64 + { p.b } as u64 + { p2.b } as u64;
    acc += unsafe { bits.bytes[0] as u64 + ru.i as u64 };
    acc += tail_len(tail) as u64 + boxed_tail.data.len() as u64 + boxed_tail.len as u64;
    acc += n.mix() as u64 + st.running() as u64 + st2.running() as u64;
    acc += m.grid[1][2] as u64 + m.quad[3] as u64 + v.text.len() as u64 + v.bytes.len() as u64;
    acc += v.mbytes.len() as u64 + v.pair.1 as u64 + v.triple.1 as u64 + v.nested.1[1].0 as u64;
    acc += unsafe { GLOBAL_BITS.word } as u64 + { GLOBAL_PACKED.c } + GLOBAL_NAME.len() as u64;
    if x == 0xFFFF_FFFF { diverge(x); }
    acc
}

fn main() {
    black_box(layout_entry(black_box(11)));
    let ts: &Tail<str> = unsafe { &*(black_box(&Tail { len: 1, data: [b'a'; 2] }) as *const Tail<[u8; 2]> as *const Tail<[u8]> as *const Tail<str>) };
    black_box(tail_str(ts));
}
