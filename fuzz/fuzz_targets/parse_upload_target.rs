#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| seedance_fuzz::targets::parse_upload_target_target(data));
