// rustbtf corpus: generics, several instantiations, very long generic names, methods.
use std::hint::black_box;
use std::marker::PhantomData;

#[derive(Clone, Copy, Default)]
pub struct Wrapper<T> {
    pub inner: T,
    pub tag: u8,
}

impl<T: Copy + Default> Wrapper<T> {
    #[inline(never)]
    pub fn new(inner: T) -> Self { Wrapper { inner, tag: 1 } }
    #[inline(never)]
    pub fn get(&self) -> T { self.inner }
}

pub struct Pair<A, B> {
    pub first: A,
    pub second: B,
}

impl<A, B> Pair<A, B> {
    #[inline(never)]
    pub fn swap(self) -> Pair<B, A> { Pair { first: self.second, second: self.first } }
}

pub struct Tagged<T, const N: usize> {
    pub items: [T; N],
    pub _m: PhantomData<T>,
}

pub struct LongNamedLevelType<A, B, C> {
    pub a: A,
    pub b: B,
    pub c: C,
}

type L1 = LongNamedLevelType<Wrapper<u64>, Pair<u8, i16>, Option<Wrapper<u32>>>;
type L2 = LongNamedLevelType<L1, Pair<L1, Wrapper<L1>>, Option<L1>>;
type L3 = LongNamedLevelType<L2, Wrapper<L2>, Pair<L2, u8>>;

#[inline(never)]
fn sum_wrapped<T: Copy + Into<u64>>(w: &[Wrapper<T>]) -> u64 {
    let mut s = 0u64;
    for x in w { s = s.wrapping_add(x.inner.into()); }
    s
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn generics_entry(x: u32) -> u64 {
    let a = Wrapper::<u8>::new(x as u8);
    let b = Wrapper::<u32>::new(x);
    let c = Wrapper::<u64>::new(x as u64 * 3);
    let d = Wrapper::<f64>::new(x as f64);
    let e: Wrapper<Wrapper<i16>> = Wrapper { inner: Wrapper::new(x as i16), tag: 2 };
    let p = Pair { first: x, second: 'z' }.swap();
    let t: Tagged<u16, 3> = Tagged { items: [1, 2, x as u16], _m: PhantomData };
    let l3: L3 = unsafe { std::mem::zeroed() };
    let l3 = black_box(l3);
    black_box((&a, &b, &c, &d, &e, &p, &t, &l3));
    sum_wrapped(&[a, a]) + sum_wrapped(&[b]) + sum_wrapped(&[c]) + d.get() as u64
        + e.get().get() as u64 + p.second as u64 + t.items[2] as u64 + l3.c.second as u64
}

fn main() {
    black_box(generics_entry(black_box(5)));
}
