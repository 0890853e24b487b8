//! Parity tests: the same scenarios through both clients.
