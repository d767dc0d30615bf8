//! Strict base64url (RFC 7515 §2): no padding, no whitespace, canonical trailing bits.

use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

const STRICT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Encode without padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    STRICT.encode(bytes)
}

/// Decode, refusing padding, foreign characters and non-canonical encodings.
pub fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    STRICT.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_padding_whitespace_and_non_canonical_bits() {
        assert_eq!(decode("YQ").unwrap(), b"a");
        assert!(decode("YQ==").is_none());
        assert!(decode("Y Q").is_none());
        assert!(decode("YR").is_none(), "non-zero trailing bits");
        assert!(decode("Y+Q").is_none(), "standard alphabet");
        assert_eq!(encode(b"\xfb\xff"), "-_8");
    }
}
