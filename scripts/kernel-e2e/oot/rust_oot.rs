// SPDX-License-Identifier: GPL-2.0

//! An out-of-tree Rust module for the kernel end-to-end run (scripts/kernel-e2e/guest-prepare):
//! built with `make -C $KDIR M=…`, its split BTF encoded by rustbtf against a vmlinux BTF that is
//! not the booted kernel's, and relocated by the kernel through its `.BTF.base` (distilled base).
//! The guest reads `RustOot.numbers` through CO-RE when the module is removed.

use kernel::prelude::*;

module! {
    type: RustOot,
    name: "rust_oot",
    author: "rustbtf",
    description: "out-of-tree Rust module with a distilled BTF base",
    license: "GPL",
}

struct RustOot {
    numbers: KVec<i32>,
}

impl kernel::Module for RustOot {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut numbers = KVec::new();
        numbers.push(72, GFP_KERNEL)?;
        numbers.push(108, GFP_KERNEL)?;
        numbers.push(200, GFP_KERNEL)?;
        pr_info!("rust_oot: loaded\n");
        Ok(RustOot { numbers })
    }
}

impl Drop for RustOot {
    // Out of line, so the guest's kprobe on this symbol sees the call (a body this small is
    // otherwise inlined into the module's exit, and its own symbol never runs).
    #[inline(never)]
    fn drop(&mut self) {
        pr_info!("rust_oot: my numbers are {:?}\n", self.numbers);
    }
}
