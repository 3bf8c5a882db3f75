#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tokensmith_fuzz_targets::burn_journal_sealed::run(data));
