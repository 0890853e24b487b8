//! pareta-blocking
