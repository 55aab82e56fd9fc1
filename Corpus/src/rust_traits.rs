// rustbtf corpus: trait objects, vtables, Box<dyn Fn>, closures, fn pointers.
use std::hint::black_box;

pub trait Animal {
    fn legs(&self) -> u32;
    fn name(&self) -> &'static str;
    fn speak(&self, times: u8) -> u64 { self.legs() as u64 * times as u64 }
}

pub struct Dog { pub weight: u32 }
pub struct Spider { pub eyes: u8, pub venom: bool }

impl Animal for Dog {
    fn legs(&self) -> u32 { 4 }
    fn name(&self) -> &'static str { "dog" }
}
impl Animal for Spider {
    fn legs(&self) -> u32 { 8 + self.eyes as u32 }
    fn name(&self) -> &'static str { "spider" }
    fn speak(&self, _t: u8) -> u64 { self.venom as u64 }
}

#[inline(never)]
fn total_legs(zoo: &[&dyn Animal]) -> u32 {
    zoo.iter().map(|a| a.legs()).sum()
}

#[inline(never)]
fn apply(f: &dyn Fn(u32) -> u32, v: u32) -> u32 { f(v) }

#[inline(never)]
fn make_adder(k: u32) -> Box<dyn Fn(u32) -> u32> { Box::new(move |v| v.wrapping_add(k)) }

#[inline(never)]
fn make_counter() -> Box<dyn FnMut() -> u64> {
    let mut n = 0u64;
    Box::new(move || { n += 1; n })
}

#[inline(never)]
fn call_ptr(f: fn(u32) -> u32, g: extern "C" fn(i32, *const u8) -> i32, v: u32) -> u32 {
    f(v).wrapping_add(g(v as i32, std::ptr::null()) as u32)
}

fn double(v: u32) -> u32 { v * 2 }
extern "C" fn c_style(a: i32, _p: *const u8) -> i32 { a - 1 }

pub struct Callbacks {
    pub on_event: fn(u32) -> u32,
    pub on_c: extern "C" fn(i32, *const u8) -> i32,
    pub maybe: Option<fn(&str) -> usize>,
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn traits_entry(x: u32) -> u64 {
    let d = Dog { weight: x };
    let s = Spider { eyes: 8, venom: true };
    let zoo: [&dyn Animal; 2] = [&d, &s];
    let boxed: Box<dyn Animal> = Box::new(Spider { eyes: 2, venom: false });
    let mut acc = total_legs(black_box(&zoo)) as u64 + boxed.speak(3) + boxed.name().len() as u64;
    let k = x * 3;
    let cap = |v: u32| v + k;            // capturing closure
    let nocap = |v: u32| v ^ 0x55;      // non-capturing closure
    let captured_ref = |v: u16| -> u16 { v.wrapping_add(d.weight as u16) };
    acc += apply(&cap, x) as u64 + apply(&nocap, x) as u64 + captured_ref(7) as u64;
    let adder = make_adder(x);
    let mut ctr = make_counter();
    acc += adder(1) as u64 + ctr() + ctr();
    let cb = black_box(Callbacks { on_event: double, on_c: c_style, maybe: Some(str::len) });
    acc += call_ptr(cb.on_event, cb.on_c, x) as u64;
    if let Some(m) = cb.maybe { acc += m("abc") as u64; }
    let as_ptr: fn(u32) -> u32 = nocap;
    acc + as_ptr(1) as u64 + d.weight as u64
}

fn main() {
    black_box(traits_entry(black_box(9)));
}
