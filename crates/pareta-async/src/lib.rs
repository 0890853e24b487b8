//! pareta-async
