#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| uplift_fuzz::load_csv(data));
