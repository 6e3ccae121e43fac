//! Xero's shapes, in one place: what tells the document kinds apart ([`kind`]), the documents as Xero receives them ([`wire`]) and Xero's
//! answers as the run reads them ([`responses`]).

pub mod held;
pub mod kind;
pub mod responses;
pub mod status;
pub mod wire;
