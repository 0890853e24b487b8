//! pareta-mock
