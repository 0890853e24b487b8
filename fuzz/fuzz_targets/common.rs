//! Shared by the targets: cut an input into chunks whose sizes come from the input.

/// Splits `data` into `(control, payload)`: the first byte says how many of the
/// following bytes (0..=7) drive the chunk sizes; the rest is the payload.
pub fn split_control(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return (&[], &[]) };
    let n = ((first & 7) as usize).min(rest.len());
    rest.split_at(n)
}

/// Chunks of `payload` whose sizes cycle through `control` (1..=32 bytes each);
/// no control bytes means one chunk.
pub fn chunks<'a>(control: &'a [u8], payload: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = payload;
    let mut i = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = if control.is_empty() {
            rest.len()
        } else {
            (control[i % control.len()] as usize % 32 + 1).min(rest.len())
        };
        i += 1;
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    })
}
