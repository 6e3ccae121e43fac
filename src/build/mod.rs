//! Build: resolved invoices → Xero documents with the totals Xero will compute ([`totals`]).

pub mod totals;
