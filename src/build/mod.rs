//! Build: resolved invoices → Xero documents with the totals Xero will compute ([`totals`]).
pub use crate::money::totals;
