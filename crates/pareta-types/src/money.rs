//! The money convention: micro-USD integers, billed totals floored to cents.
//!
//! `1_000_000` micro-USD is one dollar. A billed total is shown as a
//! [`Decimal`] in dollars **floored** to whole cents, so it never overstates a
//! charge: 5 µUSD reads `0.00`, 420 715 µUSD reads `0.42`. Unit rates (per item,
//! per request) stay in micro-USD, because flooring a sub-cent rate would erase
//! the open-vs-frontier difference.
//!
//! ```
//! use pareta_types::money::floor_to_cents;
//! use rust_decimal::Decimal;
//! assert_eq!(floor_to_cents(420_715), Decimal::new(42, 2));
//! assert_eq!(floor_to_cents(5).to_string(), "0.00");
//! ```

use rust_decimal::Decimal;

/// Micro-USD in one cent.
pub const MICRO_USD_PER_CENT: i64 = 10_000;
/// Micro-USD in one dollar.
pub const MICRO_USD_PER_DOLLAR: i64 = 1_000_000;

/// Dollars floored to whole cents (`micro // 10_000` cents, flooring toward
/// negative infinity as the platform's Python client does), with scale 2.
pub fn floor_to_cents(micro_usd: i64) -> Decimal {
    Decimal::new(micro_usd.div_euclid(MICRO_USD_PER_CENT), 2)
}

/// Exact dollars for a micro-USD amount (scale 6), for displaying unit rates.
///
/// ```
/// use pareta_types::money::micro_usd_to_dollars;
/// assert_eq!(micro_usd_to_dollars(850).to_string(), "0.000850");
/// ```
pub fn micro_usd_to_dollars(micro_usd: i64) -> Decimal {
    Decimal::new(micro_usd, 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spec_examples() {
        assert_eq!(floor_to_cents(5).to_string(), "0.00");
        assert_eq!(floor_to_cents(420_715).to_string(), "0.42");
        assert_eq!(floor_to_cents(1_000_000).to_string(), "1.00");
        assert_eq!(floor_to_cents(9_999).to_string(), "0.00");
        assert_eq!(floor_to_cents(10_000).to_string(), "0.01");
        assert_eq!(floor_to_cents(0).to_string(), "0.00");
    }

    proptest! {
        #[test]
        fn flooring_never_rounds_up_and_never_loses_a_cent(micro in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let exact = micro_usd_to_dollars(micro);
            let floored = floor_to_cents(micro);
            // Never rounds up.
            prop_assert!(floored <= exact);
            // Never loses a whole cent.
            prop_assert!(exact - floored < Decimal::new(1, 2));
            // Always whole cents.
            prop_assert_eq!(floored.scale(), 2);
            prop_assert_eq!(floored, floored.round_dp(2));
        }
    }
}
