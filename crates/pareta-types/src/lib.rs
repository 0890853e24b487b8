//! pareta-types
