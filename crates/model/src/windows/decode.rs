//! Bounds-checked little-endian reads for the binary decoders of this module: every read of a
//! value past the end of its input is a [`DecodeError`], never a panic.

/// Why a binary structure (a SID, a security descriptor, a Samba xattr) could not be decoded.
/// Offsets count bytes from the start of the input given to the decoder.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ends inside a field.
    #[error("{what} at byte {offset} needs {need} bytes, the input has {len}")]
    Truncated { what: &'static str, offset: usize, need: usize, len: usize },
    /// A field holds a value the format does not allow (or this decoder does not support).
    #[error("{what} at byte {offset} is {value:#x}: {reason}")]
    Invalid { what: &'static str, offset: usize, value: u64, reason: &'static str },
}

/// `n` bytes at `offset`, or [`DecodeError::Truncated`] naming `what` was being read.
pub(crate) fn bytes_at<'a>(
    input: &'a [u8],
    offset: usize,
    n: usize,
    what: &'static str,
) -> Result<&'a [u8], DecodeError> {
    offset.checked_add(n).and_then(|end| input.get(offset..end)).ok_or(DecodeError::Truncated {
        what,
        offset,
        need: n,
        len: input.len(),
    })
}

/// The fixed-size array of `N` bytes at `offset`.
fn array_at<const N: usize>(input: &[u8], offset: usize, what: &'static str) -> Result<[u8; N], DecodeError> {
    let b = bytes_at(input, offset, N, what)?;
    let mut out = [0u8; N];
    out.copy_from_slice(b);
    Ok(out)
}

pub(crate) fn u8_at(input: &[u8], offset: usize, what: &'static str) -> Result<u8, DecodeError> {
    Ok(array_at::<1>(input, offset, what)?[0])
}

pub(crate) fn u16_at(input: &[u8], offset: usize, what: &'static str) -> Result<u16, DecodeError> {
    array_at(input, offset, what).map(u16::from_le_bytes)
}

pub(crate) fn u32_at(input: &[u8], offset: usize, what: &'static str) -> Result<u32, DecodeError> {
    array_at(input, offset, what).map(u32::from_le_bytes)
}

pub(crate) fn u64_at(input: &[u8], offset: usize, what: &'static str) -> Result<u64, DecodeError> {
    array_at(input, offset, what).map(u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_are_errors() {
        let b = [1u8, 2, 3];
        assert_eq!(u16_at(&b, 1, "x"), Ok(0x0302));
        assert_eq!(u32_at(&b, 0, "x"), Err(DecodeError::Truncated { what: "x", offset: 0, need: 4, len: 3 }));
        assert!(u8_at(&b, usize::MAX, "x").is_err(), "no overflow on huge offsets");
        assert!(bytes_at(&b, 2, usize::MAX, "x").is_err());
    }
}
