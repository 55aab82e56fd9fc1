// rustbtf corpus: async fns polled by a hand-written noop-waker executor.
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

pub struct YieldOnce { pub done: bool }

impl Future for YieldOnce {
    type Output = u8;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        if self.done { Poll::Ready(1) } else { self.done = true; cx.waker().wake_by_ref(); Poll::Pending }
    }
}

#[inline(never)]
async fn leaf(v: u32) -> u32 {
    let buf = [v as u8; 8];
    let y = YieldOnce { done: false }.await;
    buf[3] as u32 + y as u32
}

#[inline(never)]
async fn middle(a: u32, name: &str) -> u64 {
    let x = leaf(a).await;
    let owned = String::from(name);
    let y = leaf(x + 1).await;
    (x as u64) + (y as u64) + owned.len() as u64
}

fn noop_raw() -> RawWaker {
    fn clone(_: *const ()) -> RawWaker { noop_raw() }
    fn noop(_: *const ()) {}
    static VT: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    RawWaker::new(std::ptr::null(), &VT)
}

#[inline(never)]
fn block_on<F: Future>(mut f: F) -> F::Output {
    let waker = unsafe { Waker::from_raw(noop_raw()) };
    let mut cx = Context::from_waker(&waker);
    let mut f = unsafe { Pin::new_unchecked(&mut f) };
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; }
    }
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn async_entry(x: u32) -> u64 {
    let closure_future = async move { x * 2 };
    block_on(middle(black_box(x), "corpus")) + block_on(closure_future) as u64
}

fn main() {
    black_box(async_entry(black_box(3)));
}
