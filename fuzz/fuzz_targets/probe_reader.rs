#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| seedance_fuzz::targets::probe_reader_target(data));
