#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tokensmith_fuzz_targets::csv_formats::run(data));
