//! Random identifiers the fake hands out: task ids, object keys, request ids and the
//! signing secret. Unpredictable like the service's, not secure: nothing here protects data.

use rand::Rng;

/// `n` random lowercase alphanumerics.
pub fn random_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}
