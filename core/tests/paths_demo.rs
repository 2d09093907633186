//! The demo keeps a data folder and a library of its own (issue: a prompt queued in the
//! demo must never reach the paid service at the next normal start). One test in its own
//! binary, because it changes the process environment.
#![allow(clippy::unwrap_used)]

use seedance_core::paths::{
    data_dir, default_library_dir, is_demo, DATA_DIR_ENV, DEMO_ENV, LIBRARY_DIR_ENV,
};
use std::path::Path;

#[test]
fn the_demo_never_shares_the_real_data_folder_or_library() {
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("HOME", home.path());
    std::env::set_var("XDG_DATA_HOME", home.path().join("data"));
    std::env::remove_var(DATA_DIR_ENV);
    std::env::remove_var(LIBRARY_DIR_ENV);

    std::env::remove_var(DEMO_ENV);
    assert!(!is_demo());
    let real_data = data_dir().unwrap();
    let real_library = default_library_dir().unwrap();

    for off in ["", "0", " "] {
        std::env::set_var(DEMO_ENV, off);
        assert!(!is_demo(), "{off:?} must not turn the demo on");
        assert_eq!(data_dir().unwrap(), real_data);
    }

    std::env::set_var(DEMO_ENV, "1");
    assert!(is_demo());
    let demo_data = data_dir().unwrap();
    let demo_library = default_library_dir().unwrap();
    assert_ne!(demo_data, real_data);
    assert_ne!(demo_library, real_library);
    assert!(demo_data.starts_with(&real_data), "{}", demo_data.display());
    assert!(!real_library.starts_with(&demo_library));

    // An explicit folder still wins, demo or not (tests and portable use).
    std::env::set_var(DATA_DIR_ENV, home.path().join("chosen"));
    assert_eq!(data_dir().unwrap(), Path::new(&home.path().join("chosen")));
}
