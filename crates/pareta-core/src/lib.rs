//! pareta-core
