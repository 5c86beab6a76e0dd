#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: uplift_fuzz::PipelineInput| uplift_fuzz::pipeline(&input));
