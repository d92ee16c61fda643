//! Fine size buckets: eight per power of two, the unit in which profiles carry empirical size
//! histograms and `stats` compares trees. Exact integer arithmetic, the same everywhere.

/// Fine buckets per power of two.
pub const FINE_PER_OCTAVE: usize = 8;
/// Every fine bucket: the empty files', then eight for each of the 64 powers of two.
pub const FINE_BUCKETS: usize = 1 + 64 * FINE_PER_OCTAVE;

/// The fine bucket of a size: 0 for empty files, then eight per power of two, split by the
/// three bits after the leading one.
pub fn fine_bucket(size: u64) -> usize {
    if size == 0 {
        return 0;
    }
    let octave = 63 - size.leading_zeros() as usize;
    let mantissa = ((size << (63 - octave)) >> 60) as usize & (FINE_PER_OCTAVE - 1);
    1 + octave * FINE_PER_OCTAVE + mantissa
}

/// The smallest size in a fine bucket (the next bucket's is its exclusive end).
pub fn fine_bucket_start(bucket: usize) -> u64 {
    if bucket == 0 {
        return 0;
    }
    let (octave, mantissa) = ((bucket - 1) / FINE_PER_OCTAVE, (bucket - 1) % FINE_PER_OCTAVE);
    if octave >= 64 {
        return u64::MAX;
    }
    let base = 1u128 << octave;
    // Rounded up: below 8 a bucket may hold no integer at all, and then starts where the next does.
    (base + (base * mantissa as u128).div_ceil(FINE_PER_OCTAVE as u128)).min(u64::MAX as u128) as u64
}
