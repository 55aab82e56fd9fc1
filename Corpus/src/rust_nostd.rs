// rustbtf corpus: #![no_std] crate (no allocator, panic=abort), kernel-like style.
#![no_std]
#![cfg_attr(feature_elf, no_main)]

use core::hint::black_box;
use core::mem::MaybeUninit;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};

#[repr(C)]
pub struct ListHead {
    pub next: *mut ListHead,
    pub prev: *mut ListHead,
}

pub struct Device {
    pub name: &'static str,
    pub irq: Option<u32>,
    pub list: ListHead,
    pub refcnt: AtomicU32,
    pub ops: &'static dyn DeviceOps,
    pub parent: Option<NonNull<Device>>,
}

pub trait DeviceOps: Sync {
    fn probe(&self, dev: &Device) -> Result<(), Errno>;
    fn remove(&self, dev: &Device);
}

#[derive(Clone, Copy, Debug)]
#[repr(i32)]
pub enum Errno { Perm = -1, NoEnt = -2, Inval = -22 }

pub struct NullOps;
impl DeviceOps for NullOps {
    fn probe(&self, dev: &Device) -> Result<(), Errno> {
        if dev.irq.is_some() { Ok(()) } else { Err(Errno::Inval) }
    }
    fn remove(&self, dev: &Device) { dev.refcnt.fetch_sub(1, Ordering::Relaxed); }
}

pub static NULL_OPS: NullOps = NullOps;

impl Device {
    #[inline(never)]
    pub fn get(&self) -> u32 { self.refcnt.fetch_add(1, Ordering::Relaxed) + 1 }
}

#[no_mangle]
pub static NOSTD_COUNTER: AtomicU32 = AtomicU32::new(0);

#[no_mangle]
#[inline(never)]
pub extern "C" fn nostd_probe(irq: u32) -> i32 {
    let mut dev = MaybeUninit::<Device>::uninit();
    let d = dev.write(Device {
        name: "nulldev",
        irq: if irq != 0 { Some(irq) } else { None },
        list: ListHead { next: core::ptr::null_mut(), prev: core::ptr::null_mut() },
        refcnt: AtomicU32::new(1),
        ops: &NULL_OPS,
        parent: None,
    });
    let d = black_box(d);
    d.get();
    NOSTD_COUNTER.fetch_add(1, Ordering::Relaxed);
    match d.ops.probe(d) {
        Ok(()) => { d.ops.remove(d); d.name.len() as i32 }
        Err(e) => e as i32,
    }
}

#[cfg(feature_elf)]
#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    nostd_probe(black_box(5))
}

// The precompiled libcore was built with panic=unwind and references this symbol.
#[cfg(feature_elf)]
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

#[cfg(feature_elf)]
#[panic_handler]
fn on_panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}
