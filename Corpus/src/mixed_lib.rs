// rustbtf corpus: Rust half of the mixed C+Rust executable (no_std staticlib, panic=abort).
#![no_std]

use core::hint::black_box;

/// Shared with C (see mixed_main.c): same layout on both sides.
#[repr(C)]
pub struct Packet {
    pub len: u16,
    pub kind: u8,
    pub flags: u8,
    pub payload: [u8; 12],
}

pub enum Verdict {
    Pass,
    Drop { reason: u16 },
    Redirect(u32),
}

pub struct Stats {
    pub seen: u64,
    pub last: Option<Verdict>,
}

static mut STATS: Stats = Stats { seen: 0, last: None };

#[inline(never)]
fn classify(p: &Packet) -> Verdict {
    match p.kind {
        0 => Verdict::Pass,
        1 => Verdict::Drop { reason: p.len },
        k => Verdict::Redirect(k as u32 + p.flags as u32),
    }
}

#[no_mangle]
pub extern "C" fn rust_filter(p: *const Packet) -> i32 {
    let p = match unsafe { p.as_ref() } {
        Some(p) => p,
        None => return -1,
    };
    let v = black_box(classify(p));
    let r = match v {
        Verdict::Pass => 0,
        Verdict::Drop { reason } => reason as i32,
        Verdict::Redirect(t) => -(t as i32),
    };
    unsafe {
        let s = &mut *core::ptr::addr_of_mut!(STATS);
        s.seen = s.seen.wrapping_add(1);
        s.last = Some(v);
    }
    r
}

#[no_mangle]
pub extern "C" fn rust_sum(xs: *const u32, n: usize) -> u64 {
    let s: &[u32] = if xs.is_null() { &[] } else { unsafe { core::slice::from_raw_parts(xs, n) } };
    s.iter().fold(0u64, |a, &x| a.wrapping_add(x as u64))
}

// The precompiled libcore was built with panic=unwind and references this symbol.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

#[panic_handler]
fn on_panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}
