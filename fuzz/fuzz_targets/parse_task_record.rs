#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| seedance_fuzz::targets::parse_task_record_target(data));
