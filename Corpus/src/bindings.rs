// rustbtf corpus: a miniature of the Linux kernel's Rust `bindings` crate, which bindgen fills
// with copies of C types (namespace bindings::bindings_raw). Linked with bindings_main.c, whose
// C definitions the copies mirror: merge-bindgen-copies merges the layout-identical ones
// (list_head; inode_like with bindgen's `__bindgen_anon_1` and `type_` spellings) into the C
// types and keeps the one whose layout bindgen describes differently (flags_like's bitfields).
#![no_std]
#![allow(non_camel_case_types)]

pub mod bindings_raw {
    #[repr(C)]
    pub struct list_head {
        pub next: *mut list_head,
        pub prev: *mut list_head,
    }

    #[repr(C)]
    pub union inode_like__bindgen_ty_1 {
        pub i_count: u32,
        pub i_bytes: [u8; 4],
    }

    #[repr(C)]
    pub struct inode_like {
        pub i_list: list_head,
        pub type_: u32,
        pub __bindgen_anon_1: inode_like__bindgen_ty_1,
        pub i_size: u64,
    }

    /// bindgen's form of C bitfields: one storage unit, so not the C layout description.
    #[repr(C)]
    pub struct flags_like {
        pub _bitfield_1: [u8; 1],
        pub mode: u8,
        pub pad: u16,
    }
}

use bindings_raw::*;

#[no_mangle]
pub extern "C" fn rust_inode_size(i: *const inode_like) -> u64 {
    match unsafe { i.as_ref() } {
        Some(i) => i.i_size + i.type_ as u64 + unsafe { i.__bindgen_anon_1.i_count } as u64,
        None => 0,
    }
}

#[no_mangle]
pub extern "C" fn rust_list_is_empty(h: *const list_head) -> bool {
    match unsafe { h.as_ref() } {
        Some(h) => h.next as *const list_head == h as *const list_head,
        None => true,
    }
}

#[no_mangle]
pub extern "C" fn rust_flags_mode(f: *const flags_like) -> u8 {
    match unsafe { f.as_ref() } {
        Some(f) => f.mode ^ f._bitfield_1[0],
        None => 0,
    }
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
