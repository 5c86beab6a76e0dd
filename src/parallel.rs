//! How many threads the parallel stages use.

/// Threads for the parallel stages: the machine's cores (at most 16). The
/// results never depend on it: work is cut into fixed pieces whose results
/// are combined in a fixed order.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
}
