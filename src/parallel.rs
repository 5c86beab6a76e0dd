//! How many threads the parallel stages use, and the one way their results
//! are combined: in input order, so that no output depends on the number
//! of threads.
//!
//! A parallel stage cuts its work into pieces that are fixed before any
//! thread starts (the blocks of a file, the tasks of a computation), maps
//! each piece on whichever worker is free, and combines the results.
//! Workers finish in an order that changes from run to run; what must not
//! change is the order in which results are combined, because combining is
//! rarely order-free: floating-point sums round differently in another
//! order, the first problem of a file must be the first in the file, and
//! names get their codes in order of first appearance. [`ordered_map`]
//! therefore hands the results to the caller one at a time, in the order
//! of the pieces, whatever the order in which they were made.
//!
//! With that, the result is independent of the thread count as long as
//! each piece's result depends on the piece alone (the map starts from
//! fresh state for every piece and shares no mutable state with the other
//! workers): 1, 2 or 16 threads make the same results, and the caller
//! combines them in the same order, by the same code, on one thread. Only
//! the time differs.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

/// Threads for the parallel stages: the machine's cores (at most 16). The
/// results never depend on it: work is cut into fixed pieces whose results
/// are combined in a fixed order ([`ordered_map`]).
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
}

/// Maps `items` with `map` on `threads` worker threads (at least one) and
/// hands every result to `take`, on the calling thread, in the order of the
/// items: the calls to `take` are the same, with the same values in the
/// same order, for any number of threads (see the [module docs](self)).
///
/// The items are drawn from `items` on a thread of their own, while the
/// workers map the ones drawn before, at most `threads + 1` items ahead of
/// the workers, so an iterator that reads a file streams it. A result that
/// is ready before the ones ahead of it waits for them (a few at most, as
/// the workers take the items in order).
///
/// `take` stops the whole by returning [`ControlFlow::Break`]: no further
/// result is taken, no further item is drawn or mapped, and `ordered_map`
/// returns the break value once every thread has finished. Otherwise it
/// returns [`ControlFlow::Continue`] after the last item's result.
///
/// A panic in `map` or in the iterator makes `ordered_map` panic, once
/// the other threads have finished.
///
/// # Examples
///
/// An ordered sum of floating-point numbers, the same bits with any number
/// of threads:
///
/// ```
/// use std::ops::ControlFlow;
/// use uplift::parallel::ordered_map;
///
/// let sum = |threads| {
///     let mut total = 0.0_f64;
///     let _ = ordered_map(1..=1000u32, threads, |i| 1.0 / f64::from(i), |x| {
///         total += x;
///         ControlFlow::<()>::Continue(())
///     });
///     total
/// };
/// assert_eq!(sum(1).to_bits(), sum(7).to_bits());
/// ```
pub fn ordered_map<I, R, B>(
    items: impl Iterator<Item = I> + Send,
    threads: usize,
    map: impl Fn(I) -> R + Sync,
    mut take: impl FnMut(R) -> ControlFlow<B>,
) -> ControlFlow<B>
where
    I: Send,
    R: Send,
{
    let workers = threads.max(1);
    // Set when `take` breaks: the workers map nothing more.
    let stop = AtomicBool::new(false);
    let (item_tx, item_rx) = mpsc::sync_channel::<(usize, I)>(workers + 1);
    // Shared by the workers; taken out and dropped when `take` breaks, which
    // ends the drawing thread's next send.
    let item_rx = Mutex::new(Some(item_rx));
    let (result_tx, result_rx) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        let (stop, item_rx, map) = (&stop, &item_rx, &map);
        scope.spawn(move || {
            for (k, item) in items.enumerate() {
                if stop.load(Ordering::Relaxed) || item_tx.send((k, item)).is_err() {
                    return;
                }
            }
        });
        for _ in 0..workers {
            let result_tx = result_tx.clone();
            scope.spawn(move || {
                loop {
                    let next = match &*item_rx.lock().unwrap_or_else(PoisonError::into_inner) {
                        Some(rx) => rx.recv(),
                        None => return,
                    };
                    let Ok((k, item)) = next else { return };
                    if stop.load(Ordering::Relaxed) || result_tx.send((k, map(item))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(result_tx);
        // The results, in the order of the items.
        let mut waiting = BTreeMap::new();
        let mut next = 0usize;
        for (k, result) in result_rx {
            waiting.insert(k, result);
            while let Some(result) = waiting.remove(&next) {
                next += 1;
                if let ControlFlow::Break(b) = take(result) {
                    stop.store(true, Ordering::Relaxed);
                    drop(
                        item_rx
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .take(),
                    );
                    return ControlFlow::Break(b);
                }
            }
        }
        ControlFlow::Continue(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A map whose time varies from item to item, so that workers finish
    /// out of order.
    fn slow_square(i: u64) -> u64 {
        if i.is_multiple_of(3) {
            std::thread::sleep(Duration::from_micros(50 * (i % 7)));
        }
        i * i
    }

    fn collect(n: u64, threads: usize) -> Vec<u64> {
        let mut out = Vec::new();
        let flow = ordered_map(0..n, threads, slow_square, |x| {
            out.push(x);
            ControlFlow::<()>::Continue(())
        });
        assert_eq!(flow, ControlFlow::Continue(()));
        out
    }

    #[test]
    fn results_come_in_item_order_with_any_number_of_threads() {
        let want: Vec<u64> = (0..500).map(|i| i * i).collect();
        for threads in [0, 1, 2, 7] {
            assert_eq!(collect(500, threads), want, "{threads} threads");
        }
    }

    #[test]
    fn an_ordered_float_sum_has_the_same_bits_with_1_2_and_7_threads() {
        let sum = |threads| {
            let mut total = 0.0_f64;
            let _ = ordered_map(
                1..=20_000u32,
                threads,
                |i| (f64::from(i) * 0.37).sin() * 1e6 / f64::from(i),
                |x| {
                    total += x;
                    ControlFlow::<()>::Continue(())
                },
            );
            total
        };
        let one = sum(1);
        for threads in [2, 7] {
            assert_eq!(sum(threads).to_bits(), one.to_bits(), "{threads} threads");
        }
    }

    #[test]
    fn no_items_take_nothing() {
        for threads in [1, 2, 7] {
            assert!(collect(0, threads).is_empty());
        }
    }

    /// A break stops the drawing too: an endless iterator ends, and the
    /// results taken are exactly those up to the break.
    #[test]
    fn a_break_stops_an_endless_iterator_and_is_returned() {
        for threads in [1, 2, 7] {
            let mut taken = Vec::new();
            let flow = ordered_map(0u64.., threads, slow_square, |x| {
                taken.push(x);
                if x >= 100 {
                    ControlFlow::Break(x)
                } else {
                    ControlFlow::Continue(())
                }
            });
            assert_eq!(flow, ControlFlow::Break(100), "{threads} threads");
            assert_eq!(taken, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100]);
        }
    }

    #[test]
    #[should_panic(expected = "a scoped thread panicked")]
    fn a_panic_in_the_map_reaches_the_caller() {
        let _ = ordered_map(
            0..10u32,
            2,
            |i| {
                assert!(i != 5, "item {i}");
                i
            },
            |_| ControlFlow::<()>::Continue(()),
        );
    }
}
